"""Builders the reviews tests share: the seeded Memories review, and small works and people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from blog.extensions import db
from blog.models import Post, Role, User, Work, WorkKind
from blog.reviews.demo import seed_reviews
from blog.reviews.editing import CreditInput, PersonInput, WorkInput, save_person, save_work, set_review

SEED_TITLE = "Fond Memories Part 1: Magnetic Rose"


def seed_memories(make_post: Callable[..., Post], **post_fields: Any) -> Post:
    """The demo: the seed review post, Memories, its segments and credits, the review at 9/10."""
    post = make_post(SEED_TITLE, "Memories is a three episode anthology.", **post_fields)
    seed_reviews(post)
    db.session.commit()
    return post


def work(slug: str) -> Work:
    found = db.session.scalar(select(Work).where(Work.slug == slug))
    assert found is not None, slug
    return found


def staff(make_user: Callable[..., User], role: Role = Role.EDITOR) -> User:
    return make_user(role)


def add_work(
    user: User,
    title: str,
    *,
    kind: WorkKind = WorkKind.FILM,
    year: int | None = None,
    genres: list[str] | None = None,
    parent: Work | None = None,
    credits: list[tuple[str, str]] | None = None,
    **fields: Any,
) -> Work:
    data = WorkInput(
        title=title,
        kind=kind,
        release_dates=[("Japan", date(year, 6, 1))] if year else [],
        genres=genres or [],
        credits=[CreditInput(p, r) for p, r in (credits or [])],
        **fields,
    )
    created = save_work(user, data, parent=parent)
    db.session.commit()
    return created


def add_person(user: User, name: str, **fields: Any) -> Any:
    person = save_person(user, PersonInput(name=name, **fields))
    db.session.commit()
    return person


def review(user: User, post: Post, reviewed: Work, score: float | None, verdict: str = "") -> Any:
    made = set_review(user, post, reviewed, score=score, verdict=verdict)
    db.session.commit()
    return made

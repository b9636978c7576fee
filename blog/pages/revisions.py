"""Revisions of published pages: keeping them, listing them, comparing one with the current text.

The summary ("title, body (+12 −3 lines)") and the diff are the posts' (``blog.posts.revisions``),
so a page's history reads as a post's does. Restoring is a save, so it lives in ``editing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from blog.extensions import db
from blog.models.accounts import User
from blog.models.pages import Page, PageRevision, PageStatus
from blog.posts.revisions import FIRST_VERSION, DiffLine, change_summary, diff_lines


def _text(item: Page | PageRevision) -> tuple[str, str, str]:
    """What a revision keeps: a save that changes none of it (menu, address, status) keeps none."""
    return item.title, item.body_md, item.description


def _latest(page: Page) -> PageRevision | None:
    return db.session.scalar(
        select(PageRevision)
        .where(PageRevision.page_id == page.id)
        .order_by(PageRevision.created_at.desc(), PageRevision.id.desc())
        .limit(1)
    )


def record_page_revision(page: Page, author: User | None, note: str = "") -> PageRevision | None:
    """Keep the page's current text as a revision, if it is published and its text changed since
    the last one kept. ``page`` must be flushed (it needs its id)."""
    if page.status != PageStatus.PUBLISHED:
        return None
    previous = _latest(page)
    if previous is not None and _text(previous) == _text(page):
        return None
    if previous is None:
        summary = FIRST_VERSION
    else:
        fields = [("title", previous.title, page.title), ("description", previous.description, page.description)]
        summary = change_summary(fields, previous.body_md, page.body_md)
    revision = PageRevision(
        page_id=page.id,
        author_id=author.id if author is not None else None,
        title=page.title,
        body_md=page.body_md,
        description=page.description,
        summary=summary,
        note=note[:500],
    )
    db.session.add(revision)
    return revision


def revision_count(page: Page) -> int:
    return db.session.scalar(select(func.count(PageRevision.id)).where(PageRevision.page_id == page.id)) or 0


def revision_list(page: Page) -> list[PageRevision]:
    """Newest first, with their authors loaded in the same query."""
    return list(
        db.session.scalars(
            select(PageRevision)
            .options(selectinload(PageRevision.author))
            .where(PageRevision.page_id == page.id)
            .order_by(PageRevision.created_at.desc(), PageRevision.id.desc())
        )
    )


def same_as_now(page: Page, revisions: list[PageRevision]) -> set[int]:
    """The ids of ``revisions`` whose text is the page's now: nothing to compare or restore."""
    return {revision.id for revision in revisions if _text(revision) == _text(page)}


def get_revision(page: Page, revision_id: int) -> PageRevision | None:
    """The revision, if it is one of ``page``'s (another page's answers as missing)."""
    revision = db.session.get(PageRevision, revision_id)
    return revision if revision is not None and revision.page_id == page.id else None


@dataclass
class PageRevisionCompare:
    revision: PageRevision
    title_changed: bool
    description_changed: bool
    lines: list[DiffLine] = field(default_factory=list)


def compare_with_current(page: Page, revision: PageRevision) -> PageRevisionCompare:
    """The revision (old) against the page's current text (new)."""
    return PageRevisionCompare(
        revision=revision,
        title_changed=revision.title != page.title,
        description_changed=revision.description != page.description,
        lines=diff_lines(revision.body_md, page.body_md),
    )

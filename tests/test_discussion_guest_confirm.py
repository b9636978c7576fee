"""The stricter guest mode: a guest's first comment is published only after they confirm by email."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Comment, CommentStatus, OutgoingMail

pytestmark = pytest.mark.settings(
    COMMENTS_MODERATION="all-approved", COMMENTS_GUEST_EMAIL_CONFIRM=True, PAGE_CACHE_ENABLED=False
)


def guest(body: str, **extra: str) -> dict[str, str]:
    return {"body": body, "name": "Ann", "email": "ann@example.org", **extra}


def confirm_path() -> str:
    mail = db.session.scalars(
        select(OutgoingMail).where(
            OutgoingMail.to_address == "ann@example.org", OutgoingMail.subject.like("%confirm your comment%")
        )
    ).one()
    return re.search(r"https?://[^/\s]+(/comments/confirm/\S+)", mail.body_text).group(1)


def test_guest_first_comment_waits_for_the_emailed_link(app, client, make_post):
    post = make_post("Magnetic Rose")
    posted = client.post(f"/posts/{post.slug}/comments", data=guest("First words"), follow_redirects=True)
    assert "we emailed you a link" in posted.get_data(as_text=True)
    comment = db.session.scalars(select(Comment)).one()
    assert comment.status == CommentStatus.PENDING
    assert "First words" not in app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)

    path = confirm_path()
    assert "Publish my comment" in client.get(path).get_data(as_text=True)
    done = client.post(path, follow_redirects=True)
    assert "your comment is published" in done.get_data(as_text=True)
    assert "First words" in app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)
    again = client.post(path)
    assert again.status_code == 409 and "already published" in again.get_data(as_text=True)

    # the next comment from the same address is published at once
    client.post(f"/posts/{post.slug}/comments", data=guest("Second words"))
    db.session.expire_all()
    assert (
        db.session.scalars(select(Comment.status).where(Comment.body_source == "Second words")).one()
        == CommentStatus.APPROVED
    )


def test_accounts_are_not_asked_to_confirm(app, make_post, make_user, login):
    post = make_post()
    reader = login(app.test_client(), make_user("reader"))
    reader.post(f"/posts/{post.slug}/comments", data={"body": "Signed in"})
    assert db.session.scalars(select(Comment.status)).one() == CommentStatus.APPROVED
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.subject.like("%confirm your comment%"))) is None


@pytest.mark.settings(COMMENTS_MAX_LINKS=0)
def test_a_comment_the_rules_hold_is_not_published_by_the_guests_click(client, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest("See https://example.org"))
    assert db.session.scalars(select(Comment.status)).one() == CommentStatus.PENDING
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.subject.like("%confirm your comment%"))) is None

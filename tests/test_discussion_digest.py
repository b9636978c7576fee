"""The daily digest: one email a day with the new replies, instead of one per reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from blog.comments import notify
from blog.comments.digest import send_digests
from blog.extensions import db
from blog.models import Comment, OutgoingMail, Subscription
from blog.models.base import utcnow

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)


def mails_to(address: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address).order_by(OutgoingMail.id))
    )


def test_digest_subscriber_gets_one_email_with_the_days_replies(app, client, make_post, make_comment):
    post = make_post("Magnetic Rose")
    client.post(
        f"/posts/{post.slug}/comments",
        data={"body": "Mine", "name": "Ann", "email": "ann@example.org", "notify_replies": "y", "notify_digest": "y"},
    )
    sub = db.session.scalars(select(Subscription)).one()
    assert sub.digest and "daily digest" in mails_to("ann@example.org")[0].subject
    with app.test_request_context():
        token = notify.make_token("confirm", sub.id)
    client.post(f"/subscriptions/confirm/{token}")
    db.session.expire_all()
    parent = db.session.get(Comment, db.session.get(Subscription, sub.id).comment_id)
    first = make_comment(post, "First reply", parent=parent, created_at=utcnow() + timedelta(seconds=1))
    make_comment(post, "Second reply", parent=parent, created_at=utcnow() + timedelta(seconds=2))
    make_comment(post, "Not a reply to Ann", created_at=utcnow() + timedelta(seconds=3))
    assert len(mails_to("ann@example.org")) == 1  # nothing sent per reply

    with app.test_request_context():
        assert send_digests(utcnow() + timedelta(minutes=1)) == 1
    digest = mails_to("ann@example.org")[-1]
    assert "2 replies to your comment" in digest.subject
    assert "First reply" in digest.body_text and "Second reply" in digest.body_text
    assert "Not a reply" not in digest.body_text
    assert f"/comments/{first.id}" in digest.body_text and "/subscriptions/unsubscribe/" in digest.body_text
    with app.test_request_context():
        assert send_digests(utcnow() + timedelta(minutes=2)) == 0  # nothing new: no empty email


def test_send_digests_command_runs_with_nothing_to_send(app):
    result = app.test_cli_runner().invoke(args=["comments", "send-digests"])
    assert result.exit_code == 0 and "Queued 0 digests." in result.output

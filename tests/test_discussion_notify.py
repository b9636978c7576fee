"""Discussion emails through the outbox to a real SMTP server on 127.0.0.1 (aiosmtpd): the post's
author, moderators' approve/spam links, reply subscriptions with double opt-in and one-click
unsubscribe, per-post subscriptions, and links that are forged, expired or used twice."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from blog.comments import notify
from blog.extensions import db
from blog.mail import stop_worker
from blog.models import Comment, CommentStatus, OutgoingMail, Subscription
from tests.test_mail_outbox import Inbox, smtp, smtp_settings  # noqa: F401  (the aiosmtpd fixture)

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)


@pytest.fixture
def mail_app(app: Any, smtp: tuple[Inbox, int]) -> Iterator[Any]:  # noqa: F811
    app.config.update(smtp_settings(smtp[1]))
    yield app
    stop_worker(app)


def body_of(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else message
    payload = (part or message).get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(message.get_payload())


def wait_mail(inbox: Inbox, to: str, subject_has: str, timeout: float = 15) -> Message:
    """The first message to ``to`` whose subject contains ``subject_has`` (polls, no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(inbox.messages):
            if message["To"] == to and subject_has in str(message["Subject"]):
                return message
        time.sleep(0.02)
    raise AssertionError(f"no mail to {to} about {subject_has!r}; got {[m['Subject'] for m in inbox.messages]}")


def link_in(message: Message, path_part: str) -> str:
    match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", body_of(message))
    assert match, f"a {path_part} link in {body_of(message)!r}"
    return urlsplit(match.group(0)).path


def guest(name: str, email: str, body: str, **extra: str) -> dict[str, str]:
    return {"body": body, "name": name, "email": email, **extra}


def test_reader_subscribes_to_replies_confirms_and_gets_one_email_per_reply(mail_app, smtp, make_post):  # noqa: F811
    inbox, _ = smtp
    post = make_post("Magnetic Rose")
    ann, bob = mail_app.test_client(), mail_app.test_client()
    ann.post(
        f"/posts/{post.slug}/comments", data=guest("Ann", "ann@example.org", "The opera scene!", notify_replies="y")
    )
    first = db.session.scalars(select(Comment)).one()
    confirmation = wait_mail(inbox, "ann@example.org", "Please confirm")
    confirm_path = link_in(confirmation, "/subscriptions/confirm/")

    # a reply before confirming sends Ann nothing
    bob.post(
        f"/posts/{post.slug}/comments", data=guest("Bob", "bob@example.org", "Early reply", parent_id=str(first.id))
    )
    page = ann.get(confirm_path)
    assert page.status_code == 200 and "Yes, email me" in page.get_data(as_text=True)
    done = ann.post(confirm_path)
    assert "Subscription confirmed" in done.get_data(as_text=True)
    used = ann.post(confirm_path)
    assert used.status_code == 409 and "already confirmed" in used.get_data(as_text=True)

    bob.post(
        f"/posts/{post.slug}/comments",
        data=guest("Bob", "bob@example.org", "Agreed, Kanno at her best", parent_id=str(first.id)),
    )
    reply = db.session.scalars(select(Comment).where(Comment.body_source.like("Agreed%"))).one()
    notice = wait_mail(inbox, "ann@example.org", "replied to your comment")
    assert "Agreed, Kanno at her best" in body_of(notice)
    assert f"/comments/{reply.id}" in body_of(notice)
    assert not [m for m in inbox.messages if "Early reply" in body_of(m) and m["To"] == "ann@example.org"]

    unsubscribe_path = link_in(notice, "/subscriptions/unsubscribe/")
    assert "Unsubscribe" in ann.get(unsubscribe_path).get_data(as_text=True)
    assert "no more of these emails" in ann.post(unsubscribe_path).get_data(as_text=True)
    twice = ann.post(unsubscribe_path)
    assert twice.status_code == 409 and "already unsubscribed" in twice.get_data(as_text=True)
    bob.post(
        f"/posts/{post.slug}/comments", data=guest("Bob", "bob@example.org", "Third word", parent_id=str(first.id))
    )
    assert (
        db.session.scalar(
            select(OutgoingMail).where(
                OutgoingMail.body_text.like("%Third word%"), OutgoingMail.to_address == "ann@example.org"
            )
        )
        is None
    )


def test_post_author_is_emailed_about_each_new_comment_but_not_their_own(
    mail_app,
    smtp,  # noqa: F811
    make_post,
    make_user,
    login,
):
    inbox, _ = smtp
    author = make_user("author", email="writer@example.org")
    post = make_post("Stink Bomb", author=author)
    mail_app.test_client().post(f"/posts/{post.slug}/comments", data=guest("Cy", "cy@example.org", "Funny one"))
    message = wait_mail(inbox, "writer@example.org", "New comment on")
    assert "Funny one" in body_of(message)
    login(mail_app.test_client(), author).post(f"/posts/{post.slug}/comments", data={"body": "Thanks, Cy"})
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.body_text.like("%Thanks, Cy%"))) is None


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_moderator_approves_a_held_comment_from_the_email_link(mail_app, smtp, make_post, make_user):  # noqa: F811
    inbox, _ = smtp
    make_user("editor", email="mod@example.org")
    post = make_post("Cannon Fodder")
    mail_app.test_client().post(f"/posts/{post.slug}/comments", data=guest("Dee", "dee@example.org", "Held one"))
    comment = db.session.scalars(select(Comment)).one()
    message = wait_mail(inbox, "mod@example.org", "Please moderate")
    approve = link_in(message, "/comments/moderate/approve/")
    spam = link_in(message, "/comments/moderate/spam/")
    browser = mail_app.test_client()
    assert browser.get(approve).status_code == 200  # a link scanner's GET changes nothing
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING
    assert "was approved" in browser.post(approve).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.APPROVED
    late = browser.post(spam)
    assert late.status_code == 409 and "already handled" in late.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.APPROVED


def test_per_post_subscription_hears_about_every_new_comment(mail_app, smtp, make_post):  # noqa: F811
    inbox, _ = smtp
    post = make_post()
    client = mail_app.test_client()
    client.post(f"/posts/{post.slug}/comments", data=guest("Eve", "eve@example.org", "Watching", notify_post="y"))
    client.post(link_in(wait_mail(inbox, "eve@example.org", "Please confirm"), "/subscriptions/confirm/"))
    mail_app.test_client().post(f"/posts/{post.slug}/comments", data=guest("Fay", "fay@example.org", "New thread"))
    assert "New thread" in body_of(wait_mail(inbox, "eve@example.org", "New comment on"))


def test_forged_expired_and_misused_links_say_so_and_change_nothing(app, client, make_post, make_comment):
    post = make_post()
    comment = make_comment(post, email="gil@example.org")
    with app.test_request_context():
        sub = notify.subscribe(notify.SubscriptionKind.REPLIES, "gil@example.org", post, comment)
        db.session.commit()
        good = notify.make_token("confirm", sub.id)
        unsubscribe_token = notify.make_token("unsubscribe", sub.id)
    forged = client.post(f"/subscriptions/confirm/{good[:-3]}xyz")
    assert forged.status_code == 400 and "not valid" in forged.get_data(as_text=True)
    wrong_purpose = client.post(f"/subscriptions/confirm/{unsubscribe_token}")
    assert wrong_purpose.status_code == 400
    assert client.get(f"/subscriptions/confirm/{good[:-3]}xyz").status_code == 400  # said before any click
    forged_moderation = client.post(f"/comments/moderate/spam/{good}")
    assert forged_moderation.status_code == 400
    app.config["DISCUSSION_LINK_MAX_AGE_DAYS"] = -1
    expired = client.post(f"/subscriptions/confirm/{good}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Subscription, sub.id).confirmed_at is None
    assert db.session.get(Comment, comment.id).status == CommentStatus.APPROVED


def test_a_spam_comment_subscribes_nobody(app, client, make_post):
    post = make_post()
    app.config["COMMENTS_DISALLOWED_KEYS"] = "viagra"
    client.post(f"/posts/{post.slug}/comments", data=guest("Spam", "s@example.org", "viagra", notify_replies="y"))
    assert db.session.scalar(select(Subscription)) is None
    assert db.session.scalar(select(OutgoingMail)) is None

"""A post's going live is announced once: followers' email and ``post.published``, at publication
or, for a scheduled post, when its time comes; and every subscription email carries a working
``List-Unsubscribe`` one-click header (RFC 8058)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.mail.smtp import build_message
from blog.models import Follower, OutgoingMail, Post, WebhookDelivery
from blog.models.base import utcnow
from blog.posts.editing import PostInput, save_post
from tests.test_discussion_webhooks import SECRET, receiver, wait_events  # noqa: F401  (the loopback receiver)

pytestmark = pytest.mark.settings(
    PAGE_CACHE_ENABLED=False,
    ANNOUNCE_CHECK_SECONDS=0,
    COMMENTS_MODERATION="all-approved",
    WEBHOOK_SECRET=SECRET,
    WEBHOOK_RETRY_SECONDS=0,
    WEBHOOK_TIMEOUT=2,
)


def follower(email: str = "fan@example.org") -> Follower:
    fan = Follower(email=email, confirmed_at=utcnow())
    db.session.add(fan)
    db.session.commit()
    return fan


def new_post_mails(title: str) -> list[OutgoingMail]:
    db.session.rollback()
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.subject.endswith(f"New post: {title}"))))


def published_events() -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "post.published")))


def come_due(post: Post) -> None:
    """What time passing does to a scheduled post, without waiting for it."""
    post.published_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_scheduled_post_is_announced_when_its_time_comes_not_when_saved(app, client, make_user, receiver):  # noqa: F811
    state, _ = receiver
    follower()
    author = make_user("admin")
    post = save_post(
        author,
        PostInput(title="Paprika", body_md="Dreams.", status="published", published_at=utcnow() + timedelta(days=1)),
    )
    db.session.commit()
    client.get("/")
    assert new_post_mails("Paprika") == [] and published_events() == []  # scheduled: nothing yet

    come_due(post)
    assert client.get("/").status_code == 200  # a reader passes by: the site notices the post is live
    client.get("/")
    mails = new_post_mails("Paprika")
    assert [m.to_address for m in mails] == ["fan@example.org"]
    assert "/posts/paprika/" in mails[0].body_text
    events = wait_events(state, 1, prefix="post.")
    assert events[0]["data"]["post"]["slug"] == "paprika" and len(published_events()) == 1


def test_publishing_now_announces_at_once_and_never_twice(app, client, make_user):
    follower()
    author = make_user("admin")
    post = save_post(author, PostInput(title="Tokyo Godfathers", body_md="Christmas.", status="published"))
    db.session.commit()
    assert len(new_post_mails("Tokyo Godfathers")) == 1
    save_post(author, PostInput(title="Tokyo Godfathers", body_md="Christmas.", status="draft"), post)
    db.session.commit()
    save_post(author, PostInput(title="Tokyo Godfathers", body_md="Christmas, again.", status="published"), post)
    db.session.commit()
    client.get("/")
    assert len(new_post_mails("Tokyo Godfathers")) == 1  # unpublished and republished: still one email


def test_announce_due_command_for_cron(app, make_user):
    follower()
    author = make_user("admin")
    post = save_post(
        author,
        PostInput(
            title="Millennium Actress", body_md="Chase.", status="published", published_at=utcnow() + timedelta(hours=2)
        ),
    )
    db.session.commit()
    runner = app.test_cli_runner()
    assert "Announced 0 posts." in runner.invoke(args=["announce-due"]).output
    come_due(post)
    assert "Announced 1 post." in runner.invoke(args=["announce-due"]).output
    assert "Announced 0 posts." in runner.invoke(args=["announce-due"]).output
    assert len(new_post_mails("Millennium Actress")) == 1


def test_a_post_claimed_by_another_process_is_not_announced_again(app, make_user):
    from blog.posts.announce import announce

    follower()
    author = make_user("admin")
    post = save_post(
        author,
        PostInput(
            title="Perfect Blue", body_md="Idol.", status="published", published_at=utcnow() + timedelta(hours=2)
        ),
    )
    db.session.commit()
    come_due(post)
    db.session.execute(Post.__table__.update().values(announced_at=utcnow()))  # the other process won
    assert announce(db.session.get(Post, post.id)) is False
    db.session.commit()
    assert new_post_mails("Perfect Blue") == []


def test_new_post_email_has_a_one_click_list_unsubscribe_that_works(app, client, make_user):
    fan = follower()
    make_user("admin")
    save_post(make_user("author"), PostInput(title="Paranoia Agent", body_md="Bat.", status="published"))
    db.session.commit()
    mail = new_post_mails("Paranoia Agent")[0]
    message = build_message(mail, app.config)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    path = urlsplit(url).path

    # A mail client's one-click POST: no cookie, no CSRF token, just the RFC 8058 body.
    assert client.post(path, data={"x": "1"}).status_code == 400  # not the one-click body: nothing changes
    db.session.refresh(fan)
    assert fan.unsubscribed_at is None
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more of these emails" in done.get_data(as_text=True)
    db.session.refresh(fan)
    assert fan.unsubscribed_at is not None
    # Opened in a browser instead, it leads to the usual page with its button.
    opened = client.get(path)
    assert opened.status_code == 303 and "/follow/unsubscribe/" in opened.headers["Location"]


def test_reply_notification_has_list_unsubscribe_for_its_subscription(app, client, make_post, make_comment):
    from blog.comments import notify
    from blog.models import Subscription, SubscriptionKind

    post = make_post()
    parent = make_comment(post, "First", email="ann@example.org")
    sub = Subscription(
        kind=SubscriptionKind.REPLIES,
        email="ann@example.org",
        post_id=post.id,
        comment_id=parent.id,
        confirmed_at=utcnow(),
    )
    db.session.add(sub)
    db.session.commit()
    reply = make_comment(post, "A reply", parent=parent, email="bob@example.org")
    notify.new_comment(reply, post)
    db.session.commit()
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == "ann@example.org")).one()
    path = urlsplit(build_message(mail, app.config)["List-Unsubscribe"].strip("<>")).path
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.refresh(sub)
    assert sub.unsubscribed_at is not None
    assert client.post("/unsubscribe/other/x", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.post("/unsubscribe/comments/forged", data={"List-Unsubscribe": "One-Click"}).status_code == 400

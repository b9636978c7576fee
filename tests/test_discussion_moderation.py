"""Moderators' tools (pin, "from the author", lock), readers' reports and bans, with their edges."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blog.comments import bans
from blog.extensions import db
from blog.models import Ban, Comment, CommentReport, CommentStatus, ModerationAction, OutgoingMail
from blog.models.base import utcnow

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)


def order(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="comment-(\d+)"', html)]


def history(comment: Comment) -> list[str]:
    return list(
        db.session.scalars(
            select(ModerationAction.action)
            .where(ModerationAction.comment_id == comment.id)
            .order_by(ModerationAction.id)
        )
    )


def guest(body: str = "A fair point about the score.", **extra: str) -> dict[str, str]:
    return {"body": body, "name": "Ann Reader", "email": "ann@example.org", **extra}


@pytest.fixture
def moderator(app, make_user, login):
    user = make_user("editor", email="mod@example.org")
    return user, login(app.test_client(), user)


def test_moderator_pins_a_comment_to_the_top_and_it_joins_the_history(client, make_post, make_comment, moderator):
    _, mod = moderator
    post = make_post()
    first, second = make_comment(post, "First"), make_comment(post, "Second")
    assert mod.post(f"/comments/{second.id}/tools", data={"action": "pin"}).status_code == 302
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert order(html) == [second.id, first.id]
    assert "Pinned" in html
    # pinned stays first whatever the reader's sort
    assert order(client.get(f"/posts/{post.slug}/?sort=newest").get_data(as_text=True))[0] == second.id
    assert history(second) == ["pin"]
    mod.post(f"/comments/{second.id}/tools", data={"action": "unpin"})
    assert order(client.get(f"/posts/{post.slug}/?sort=oldest").get_data(as_text=True)) == [first.id, second.id]
    assert history(second) == ["pin", "unpin"]


def test_moderator_marks_a_reply_as_from_the_author(client, make_post, make_comment, moderator):
    _, mod = moderator
    post = make_post()
    reply = make_comment(post, "Thanks!", parent=make_comment(post))
    mod.post(f"/comments/{reply.id}/tools", data={"action": "mark-author"})
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert re.search(rf'<li id="comment-{reply.id}" class="comment bypostauthor', html)
    assert history(reply) == ["mark-author"]


def test_readers_cannot_use_moderator_tools(client, make_post, make_comment, make_user, login, app):
    comment = make_comment(make_post())
    assert client.post(f"/comments/{comment.id}/tools", data={"action": "pin"}).status_code in {302, 401, 403}
    reader = login(app.test_client(), make_user("reader"))
    assert reader.post(f"/comments/{comment.id}/tools", data={"action": "pin"}).status_code == 403
    assert db.session.get(Comment, comment.id).pinned is False


def test_a_locked_thread_refuses_replies_with_a_clear_message(client, make_post, make_comment, moderator):
    _, mod = moderator
    post = make_post()
    root = make_comment(post, "Root")
    child = make_comment(post, "Child", parent=root)
    other = make_comment(post, "Another thread")
    mod.post(f"/comments/{root.id}/tools", data={"action": "lock"})
    before = db.session.scalar(select(func.count(Comment.id)))
    for parent in (root, child):
        response = client.post(f"/posts/{post.slug}/comments", data=guest(parent_id=str(parent.id)))
        assert response.status_code == 403
        assert "This thread is locked: it takes no new replies." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Comment.id))) == before
    assert client.post(f"/posts/{post.slug}/comments", data=guest(parent_id=str(other.id))).status_code == 302
    assert "Thread locked" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert history(root) == ["lock"]
    assert mod.post(f"/comments/{child.id}/tools", data={"action": "lock"}).status_code == 409


@pytest.mark.settings(COMMENTS_REPORT_HIDE_THRESHOLD=2)
def test_reports_notify_moderators_and_enough_of_them_hide_the_comment(app, make_post, make_comment, moderator):
    post = make_post()
    comment = make_comment(post, "Buy cheap watches")
    form = app.test_client().get(f"/comments/{comment.id}/report").get_data(as_text=True)
    assert "It is spam or advertising" in form
    first = app.test_client()
    assert first.post(f"/comments/{comment.id}/report", data={"reason": "spam"}).status_code == 302
    assert db.session.get(Comment, comment.id).status == CommentStatus.APPROVED
    again = first.post(f"/comments/{comment.id}/report", data={"reason": "spam"})
    assert again.status_code == 409 and "already reported" in again.get_data(as_text=True)
    mails = list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == "mod@example.org")))
    assert len(mails) == 1 and "was reported" in mails[0].subject
    assert f"/admin/comments/{comment.id}/edit" in mails[0].body_text

    app.test_client().post(f"/comments/{comment.id}/report", data={"reason": "abuse", "note": "Spam bot"})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING
    assert "Buy cheap watches" not in app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert history(comment) == ["report", "hidden-by-reports"]
    # a moderator reviews it: approving resolves the reports
    _, mod = moderator
    mod.post("/admin/comments/bulk", data={"ids": [str(comment.id)], "action": "approve", "tab": "pending"})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.APPROVED
    assert db.session.scalar(select(func.count(CommentReport.id)).where(CommentReport.resolved_at.is_(None))) == 0


def test_a_report_needs_a_reason_and_a_shown_comment(client, make_post, make_comment):
    post = make_post()
    comment = make_comment(post)
    response = client.post(f"/comments/{comment.id}/report", data={"reason": "", "note": "hm"})
    assert response.status_code == 400 and "Choose why" in response.get_data(as_text=True)
    assert ">hm</textarea>" in response.get_data(as_text=True)
    held = make_comment(post, status="pending")
    assert client.post(f"/comments/{held.id}/report", data={"reason": "spam"}).status_code == 409
    assert client.post("/comments/424242/report", data={"reason": "spam"}).status_code == 404


def test_banned_reader_is_told_so_and_an_expired_ban_lets_them_back(client, make_post, make_comment, moderator):
    _, mod = moderator
    post = make_post()
    old = make_comment(post, "Old comment", email="troll@example.org")
    response = mod.post(
        f"/comments/{old.id}/ban", data={"kind": "email", "reason": "Personal attacks", "until": "", "hide_past": "1"}
    )
    assert response.status_code == 302
    assert db.session.get(Comment, old.id).status == CommentStatus.SPAM
    assert "ban" in history(old)
    refused = client.post(f"/posts/{post.slug}/comments", data=guest(email="Troll@example.org"))
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "You have been banned from commenting on this site. Reason: Personal attacks" in text
    assert "A fair point about the score." in text  # their text is kept on the form
    # the ban expires: the reader is back
    ban = db.session.scalars(select(Ban)).one()
    ban.until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.post(f"/posts/{post.slug}/comments", data=guest(email="troll@example.org")).status_code == 302


def test_bans_by_ip_and_account_until_a_date_and_lifting_them(app, make_post, make_user, login, moderator):
    user, mod = moderator
    post = make_post()
    reader = make_user("reader")
    bans.ban("account", str(reader.id), user, reason="Cooling off", until=utcnow() + timedelta(days=3))
    signed_in = login(app.test_client(), reader)
    refused = signed_in.post(f"/posts/{post.slug}/comments", data={"body": "Let me in"})
    assert refused.status_code == 403 and "banned from commenting on this site until" in refused.get_data(as_text=True)
    ip_ban = bans.ban("ip", "10.1.2.3", user)
    from_ip = app.test_client().post(
        f"/posts/{post.slug}/comments", data=guest(), environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert from_ip.status_code == 403
    listing = mod.get("/admin/bans").get_data(as_text=True)
    assert "10.1.2.3" in listing and "Cooling off" in listing
    # The account is named, not numbered ("account: 2" told the moderator nothing).
    assert f"Account: <strong>{reader.name}</strong> ({reader.email})" in listing
    assert f"account: <code>{reader.id}</code>" not in listing
    mod.post(f"/admin/bans/{ip_ban.id}/lift")
    again = app.test_client().post(
        f"/posts/{post.slug}/comments", data=guest(), environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert again.status_code == 302


def test_a_ban_form_with_a_past_date_says_so_and_bans_nobody(make_post, make_comment, moderator):
    _, mod = moderator
    comment = make_comment(make_post())
    response = mod.post(f"/comments/{comment.id}/ban", data={"kind": "email", "until": "2001-01-01", "reason": "x"})
    assert response.status_code == 400 and "must be in the future" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ban.id))) == 0


def test_the_ban_form_names_a_signed_in_commenters_account(make_post, make_comment, make_user, moderator):
    _, mod = moderator
    reader = make_user("reader", name="Ann Reader", email="ann@example.org")
    comment = make_comment(make_post(), user=reader)
    page = mod.get(f"/comments/{comment.id}/ban").get_data(as_text=True)
    assert re.search(r"Account:\s*<strong>Ann Reader</strong> \(ann@example\.org\)", page)


def test_an_unhidden_spoiler_is_a_reason_of_its_own_for_readers_and_moderators(app, make_post, make_comment, moderator):
    """On a review site "it gives away the ending" is not "off-topic": readers say which it is,
    and the moderator's history names it."""
    comment = make_comment(make_post(), "Heintz stays behind on the station at the end.")
    form = app.test_client().get(f"/comments/{comment.id}/report").get_data(as_text=True)
    assert "It gives away the story without hiding it as a spoiler" in form
    assert "It is off-topic<" in form
    reader = app.test_client()
    assert reader.post(f"/comments/{comment.id}/report", data={"reason": "spoiler"}).status_code == 302
    assert db.session.scalar(select(CommentReport.reason)) == "spoiler"
    _, mod = moderator
    queue = mod.get("/admin/comments?status=approved").get_data(as_text=True)
    assert '<option value="spoiler">Unhidden spoiler</option>' in queue

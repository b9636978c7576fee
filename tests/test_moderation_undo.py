"""Undo in the moderation queue: after an action the page offers "Undo", which puts each comment
back where it was (once, for the moderator's latest action, for a few minutes), leaves alone what
someone changed since, announces nothing, and is written in the comments' history."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from blog.comments import moderation, undo
from blog.extensions import db
from blog.models import Comment, OutgoingMail, Post, Role, WebhookDelivery
from blog.models.base import utcnow
from blog.models.discussion import Subscription, SubscriptionKind

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)

UNDO_FORM = re.compile(r'<form method="post" action="/admin/comments/undo" class="flash-undo">(.*?)</form>', re.S)


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def mod(client: Any, login: Any, admin: Any) -> Any:
    """The admin's browser, signed in."""
    return login(client, admin)


def act(client: Any, *, one: str = "", ids: list[int] | None = None, action: str = "", tab: str = "pending") -> str:
    """A row or bulk action from the queue; the page that follows, as HTML."""
    data: dict[str, Any] = {"tab": tab}
    if one:
        data["one"] = one
    else:
        data.update(action=action, ids=[str(i) for i in ids or []])
    return client.post("/admin/comments/bulk", data=data, follow_redirects=True).get_data(as_text=True)


def undo_id(html: str) -> str:
    """The action id the page's Undo button posts (and nothing else but the way back)."""
    form = UNDO_FORM.search(html)
    assert form, "the page offers no Undo"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(1)))
    assert set(fields) == {"csrf_token", "action_id", "tab", "q", "page"}
    return fields["action_id"]


def press_undo(client: Any, action_id: str, tab: str = "pending") -> Any:
    return client.post("/admin/comments/undo", data={"action_id": action_id, "tab": tab}, follow_redirects=True)


def statuses(*comments: Any) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Comment, c.id).status.value for c in comments]


def comment_count(post: Any) -> int:
    db.session.expire_all()
    return db.session.get(Post, post.id).comment_count


def test_trash_one_comment_then_undo_puts_it_back_and_the_history_says_so(mod, admin, make_post, make_comment) -> None:
    post = make_post()
    comment = make_comment(post, "A held thought.", status="pending")
    html = act(mod, one=f"trash:{comment.id}")
    assert "1 comment moved to the trash." in html
    action_id = undo_id(html)
    assert statuses(comment) == ["trash"]

    page = press_undo(mod, action_id).get_data(as_text=True)
    assert "Undone: 1 comment put back." in page
    assert statuses(comment) == ["pending"]
    assert f'id="mod-comment-{comment.id}"' in page  # back in the Pending tab
    assert not UNDO_FORM.search(page)  # an undo is not offered for undoing

    last = moderation.history(comment.id)[-1]
    assert (last.action, last.reason, last.from_status, last.to_status) == ("undo", "undo", "trash", "pending")
    assert last.actor_id == admin.id
    edit = mod.get(f"/admin/comments/{comment.id}/edit").get_data(as_text=True)
    assert "Ada Admin · undo" in edit and "· Undone" in edit


def test_undo_is_offered_on_the_page_that_follows_the_action_only(mod, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    assert undo_id(act(mod, one=f"spam:{comment.id}"))
    assert not UNDO_FORM.search(mod.get("/admin/comments?status=pending").get_data(as_text=True))


def test_bulk_undo_restores_each_comment_to_its_own_status_and_the_counts(mod, make_post, make_comment) -> None:
    post, other = make_post("One"), make_post("Two")
    approved = [make_comment(post) for _ in range(3)] + [make_comment(other)]
    pending = [make_comment(post, status="pending"), make_comment(other, status="pending")]
    assert (comment_count(post), comment_count(other)) == (3, 1)
    html = act(mod, action="trash", ids=[c.id for c in approved + pending])
    assert "6 comments moved to the trash." in html
    assert (comment_count(post), comment_count(other)) == (0, 0)

    page = press_undo(mod, undo_id(html)).get_data(as_text=True)
    assert "Undone: 6 comments put back." in page
    assert statuses(*approved) == ["approved"] * 4
    assert statuses(*pending) == ["pending"] * 2
    assert (comment_count(post), comment_count(other)) == (3, 1)
    # The post page shows them again (thread cards and the page's list are rewritten).
    assert approved[0].body_source in mod.get(f"/posts/{post.slug}/").get_data(as_text=True)


def test_bulk_undo_costs_the_same_statements_for_twenty_comments_as_for_two(
    mod, make_post, make_comment, count_queries
) -> None:
    def undo_statements(n: int) -> int:
        post = make_post(f"Post with {n}")
        comments = [make_comment(post, status="approved" if i % 2 else "pending") for i in range(n)]
        action_id = undo_id(act(mod, action="trash", ids=[c.id for c in comments]))
        with count_queries() as q:
            response = mod.post("/admin/comments/undo", data={"action_id": action_id, "tab": "pending"})
        assert response.status_code == 302
        assert statuses(*comments) == ["approved" if i % 2 else "pending" for i in range(n)]
        return q.count

    assert undo_statements(2) == undo_statements(20)


def test_undo_leaves_alone_a_comment_someone_changed_since(mod, make_user, make_post, make_comment) -> None:
    post = make_post()
    first, second, third = (make_comment(post, status="pending") for _ in range(3))
    html = act(mod, action="spam", ids=[first.id, second.id, third.id])
    other_moderator = make_user(Role.EDITOR)
    moderation.moderate([second.id], "approve", other_moderator)  # meanwhile, someone else
    page = press_undo(mod, undo_id(html)).get_data(as_text=True)
    assert "Undone: 2 comments put back. 1 comment left alone: it was changed by someone since." in page
    assert statuses(first, second, third) == ["pending", "approved", "pending"]
    assert [h.action for h in moderation.history(second.id)] == ["spam", "approve"]


def test_undo_when_every_comment_changed_since_changes_nothing(mod, make_user, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    html = act(mod, one=f"approve:{comment.id}")
    moderation.moderate([comment.id], "trash", make_user(Role.EDITOR))
    page = press_undo(mod, undo_id(html)).get_data(as_text=True)
    assert "Nothing was undone. 1 comment left alone: it was changed by someone since." in page
    assert statuses(comment) == ["trash"]


def test_undo_twice_does_nothing_the_second_time(mod, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    action_id = undo_id(act(mod, one=f"approve:{comment.id}"))
    assert "Undone: 1 comment put back." in press_undo(mod, action_id).get_data(as_text=True)
    again = press_undo(mod, action_id)
    assert again.status_code == 200
    assert "That can no longer be undone" in again.get_data(as_text=True)
    assert statuses(comment) == ["pending"]
    assert [h.action for h in moderation.history(comment.id)] == ["approve", "undo"]


def test_only_the_latest_action_can_be_undone(mod, make_post, make_comment) -> None:
    post = make_post()
    first, second = make_comment(post, status="pending"), make_comment(post, status="pending")
    older = undo_id(act(mod, one=f"trash:{first.id}"))
    newer = undo_id(act(mod, one=f"spam:{second.id}"))
    assert "That can no longer be undone" in press_undo(mod, older).get_data(as_text=True)
    assert statuses(first, second) == ["trash", "spam"]
    assert "Undone: 1 comment put back." in press_undo(mod, newer).get_data(as_text=True)
    assert statuses(first, second) == ["trash", "pending"]


@pytest.mark.settings(COMMENTS_UNDO_SECONDS=600)
def test_an_expired_action_cannot_be_undone(mod, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    action_id = undo_id(act(mod, one=f"trash:{comment.id}"))
    with mod.session_transaction() as session:
        session[undo.SESSION_KEY] = {**session[undo.SESSION_KEY], "at": int(time.time()) - 601}
    response = mod.post("/admin/comments/undo", data={"action_id": action_id, "tab": "trash"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/comments?status=trash")
    page = mod.get(response.headers["Location"]).get_data(as_text=True)
    assert "That can no longer be undone: Undo works once, for your latest action in the queue, for 10 minutes." in page
    assert statuses(comment) == ["trash"]


@pytest.mark.parametrize("posted", ["", "not-an-action", "x" * 5000, "../../admin"])
def test_a_made_up_action_id_gets_a_message_not_an_error(mod, make_post, make_comment, posted) -> None:
    comment = make_comment(make_post(), status="pending")
    act(mod, one=f"trash:{comment.id}")
    response = press_undo(mod, posted)
    assert response.status_code == 200
    assert "That can no longer be undone" in response.get_data(as_text=True)
    assert statuses(comment) == ["trash"]


def test_another_moderators_action_cannot_be_undone(app, mod, make_user, login, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    action_id = undo_id(act(mod, one=f"trash:{comment.id}"))
    other = login(app.test_client(), make_user(Role.EDITOR))
    assert "That can no longer be undone" in press_undo(other, action_id).get_data(as_text=True)
    assert statuses(comment) == ["trash"]
    # Nor with the first moderator's session cookie in another account's hands.
    with mod.session_transaction() as session:
        entry = session[undo.SESSION_KEY]
    with other.session_transaction() as session:
        session[undo.SESSION_KEY] = entry
    assert "That can no longer be undone" in press_undo(other, action_id).get_data(as_text=True)
    assert statuses(comment) == ["trash"]


def test_only_moderators_can_undo(client, login, make_user, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    assert client.post("/admin/comments/undo", data={"action_id": "x"}).status_code in {302, 401}
    login(client, make_user(Role.AUTHOR))
    assert client.post("/admin/comments/undo", data={"action_id": "x"}).status_code == 403
    assert statuses(comment) == ["pending"]


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_undo_needs_the_csrf_token(mod, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    queue = mod.get("/admin/comments?status=pending").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)
    html = mod.post(
        "/admin/comments/bulk",
        data={"one": f"trash:{comment.id}", "tab": "pending", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    action_id = undo_id(html)
    refused = mod.post("/admin/comments/undo", data={"action_id": action_id, "tab": "pending"})
    assert refused.status_code == 400
    assert statuses(comment) == ["trash"]
    done = mod.post(
        "/admin/comments/undo",
        data={"action_id": action_id, "tab": "pending", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Undone: 1 comment put back." in done.get_data(as_text=True)
    assert statuses(comment) == ["pending"]


def test_an_action_that_changed_nothing_offers_no_undo(mod, make_post, make_comment) -> None:
    comment = make_comment(make_post())  # approved already
    html = act(mod, one=f"approve:{comment.id}", tab="approved")
    assert "0 comments approved." in html and not UNDO_FORM.search(html)


@pytest.mark.settings(COMMENTS_TRASH_DAYS=0)
def test_no_undo_when_the_trash_deletes_for_good(mod, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    html = act(mod, one=f"trash:{comment.id}")
    assert "1 comment moved to the trash." in html and not UNDO_FORM.search(html)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0  # the queue emptied it


@pytest.mark.settings(COMMENTS_UNDO_SECONDS=0)
def test_undo_can_be_switched_off(mod, make_post, make_comment) -> None:
    comment = make_comment(make_post(), status="pending")
    assert not UNDO_FORM.search(act(mod, one=f"trash:{comment.id}"))


@pytest.fixture
def webhooks(app: Any) -> Iterator[None]:
    from blog.webhooks import stop_webhook_worker

    app.config["WEBHOOK_URL"] = "http://127.0.0.1:9/hook"  # nobody listens: deliveries stay queued
    yield
    stop_webhook_worker(app)


def _sent() -> tuple[int, int]:
    """Emails and webhook deliveries queued so far."""
    mails = db.session.scalar(select(func.count()).select_from(OutgoingMail))
    hooks = db.session.scalar(select(func.count()).select_from(WebhookDelivery))
    return int(mails or 0), int(hooks or 0)


@pytest.mark.settings(COMMENTS_NOTIFY_POST_AUTHOR=False, COMMENTS_NOTIFY_MODERATORS=False)
def test_undo_emails_nobody_and_sends_no_webhook(mod, make_post, make_comment, webhooks) -> None:
    post = make_post()
    db.session.add(
        Subscription(kind=SubscriptionKind.POST, email="fan@example.org", post_id=post.id, confirmed_at=utcnow())
    )
    db.session.commit()
    held = make_comment(post, "Held, then approved by mistake.", status="pending")
    start = _sent()
    html = act(mod, one=f"approve:{held.id}")
    after_approval = _sent()
    assert after_approval == (start[0] + 1, start[1] + 1)  # the subscriber hears, the webhook fires

    press_undo(mod, undo_id(html))  # undoing an approval: no email about it
    assert statuses(held) == ["pending"] and _sent() == after_approval

    shown = make_comment(post, "Approved long ago, marked as spam by mistake.")
    press_undo(mod, undo_id(act(mod, one=f"spam:{shown.id}", tab="approved")), tab="spam")
    # Back to approved: the subscriber and the webhook heard of it when it was first approved.
    assert statuses(shown) == ["approved"] and _sent() == after_approval
    assert moderation.history(shown.id)[-1].action == "undo"

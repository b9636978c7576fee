"""Moderation: the modes and keys that hold a comment, what the held commenter (and nobody else) sees,
the admin queue with its tabs, search, bulk and row actions, edit, inline reply, history, and the trash."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from blog.comments import moderation
from blog.extensions import db
from blog.models import Comment, CommentStatus, ModerationAction, Post
from blog.models.base import utcnow

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)


def guest(body="Thoughts on the film.", name="Ann Reader", email="ann@example.org", **extra):
    return {"body": body, "name": name, "email": email, **extra}


def only_comment() -> Comment:
    db.session.expire_all()
    return db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()


@pytest.mark.settings(COMMENTS_MODERATION="first")
def test_first_comment_is_held_and_later_ones_are_approved_once_one_was(client, make_user, login, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest())
    first = only_comment()
    assert first.status == CommentStatus.PENDING
    history = db.session.scalars(select(ModerationAction)).one()
    assert (history.action, history.actor_id, history.note) == ("hold", None, "First comment from this commenter.")
    admin = make_user("admin")
    moderation.moderate([first.id], "approve", admin)
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Another thought."))
    assert only_comment().status == CommentStatus.APPROVED
    assert db.session.get(Post, post.id).comment_count == 2


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_hold_all_holds_every_guest_comment_but_not_moderators(client, make_user, login, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest())
    assert only_comment().status == CommentStatus.PENDING
    editor = make_user("editor")
    login(client, editor)
    client.post(f"/posts/{post.slug}/comments", data={"body": "Staff note."})
    assert only_comment().status == CommentStatus.APPROVED


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", COMMENTS_MAX_LINKS=2)
def test_comment_with_more_links_than_allowed_is_held(client, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="a https://a.example b https://b.example"))
    assert only_comment().status == CommentStatus.APPROVED
    client.post(
        f"/posts/{post.slug}/comments", data=guest(body="https://a.example https://b.example [c](https://c.example)")
    )
    held = only_comment()
    assert held.status == CommentStatus.PENDING
    note = db.session.scalars(select(ModerationAction.note).where(ModerationAction.comment_id == held.id)).one()
    assert note == "Contains 3 links (more than 2)."


@pytest.mark.parametrize(
    "key,extra",
    [
        ("kanno", {"body": "Yoko KANNO forever"}),
        ("shady", {"name": "Shady Sam"}),
        ("@spam.example", {"email": "bot@spam.example"}),
        ("links.example", {"url": "https://links.example"}),
        ("203.0.113.", {}),
        ("evilbot", {}),
    ],
)
@pytest.mark.settings(COMMENTS_MODERATION="all-approved")
def test_moderation_keys_are_matched_against_text_name_email_website_ip_and_agent(app, client, make_post, key, extra):
    app.config["COMMENTS_MODERATION_KEYS"] = f"unrelated\n{key}\n"
    post = make_post()
    client.post(
        f"/posts/{post.slug}/comments",
        data=guest(**extra),
        environ_base={"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "EvilBot/1.0"}
        if key in {"203.0.113.", "evilbot"}
        else {"REMOTE_ADDR": "192.0.2.1"},
    )
    assert only_comment().status == CommentStatus.PENDING


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_held_commenter_sees_their_comment_awaiting_moderation_and_nobody_else_does(app, client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest(body="Waiting patiently."))
    held = only_comment()
    assert response.headers["Location"].endswith(f"#comment-{held.id}")
    mine = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Waiting patiently." in mine and "Your comment is awaiting moderation." in mine
    stranger = app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Waiting patiently." not in stranger and "awaiting moderation" not in stranger


def test_approving_spamming_and_trashing_keep_the_comment_count_true(make_user, make_post, make_comment):
    admin = make_user("admin")
    post = make_post()
    comment = make_comment(post, status="pending")
    counts = []
    for action in ("approve", "spam", "restore", "trash", "restore", "unapprove"):
        moderation.moderate([comment.id], action, admin, reason="spam" if action == "spam" else "")
        db.session.expire_all()
        counts.append((db.session.get(Comment, comment.id).status.value, db.session.get(Post, post.id).comment_count))
    assert counts == [("approved", 1), ("spam", 0), ("approved", 1), ("trash", 0), ("approved", 1), ("pending", 0)]
    history = moderation.history(comment.id)
    assert [h.action for h in history] == ["approve", "spam", "restore", "trash", "restore", "unapprove"]
    assert all(h.actor_id == admin.id for h in history)
    assert history[1].reason == "spam" and history[1].from_status == "approved"


def test_moderation_queue_is_for_editors_and_admins_only(client, login, make_user):
    assert client.get("/admin/comments").status_code in {302, 401}
    login(client, make_user("author"))
    assert client.get("/admin/comments").status_code == 403
    login(client, make_user("editor"))
    assert client.get("/admin/comments").status_code == 200


def test_queue_shows_tabs_with_counts_and_searches(client, login, make_user, make_post, make_comment):
    post = make_post("Magnetic Rose")
    make_comment(post, "Held one about Kanno", status="pending", name="Ann")
    make_comment(post, "Another held", status="pending", name="Bob", email="bob@example.org")
    make_comment(post, "Approved one", name="Cy")
    make_comment(post, "Buy pills", status="spam", name="Bot")
    login(client, make_user("admin"))
    html = client.get("/admin/comments").get_data(as_text=True)
    assert 'Pending <span class="count">(2)</span>' in html
    assert 'Approved <span class="count">(1)</span>' in html
    assert 'Spam <span class="count">(1)</span>' in html
    assert 'Trash <span class="count">(0)</span>' in html
    assert "Held one about Kanno" in html and "Approved one" not in html
    found = client.get("/admin/comments?status=pending&q=bob@example").get_data(as_text=True)
    assert "Another held" in found and "Held one about Kanno" not in found
    assert "Buy pills" in client.get("/admin/comments?status=spam").get_data(as_text=True)


def test_bulk_approve_from_the_queue_records_reason_and_note(client, login, make_user, make_post, make_comment):
    post = make_post()
    a = make_comment(post, status="pending")
    b = make_comment(post, status="pending")
    admin = make_user("admin", name="Mod")
    login(client, admin)
    response = client.post(
        "/admin/comments/bulk",
        data={"action": "approve", "ids": [a.id, b.id], "reason": "other", "note": "Looks fine", "tab": "pending"},
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/comments")
    db.session.expire_all()
    assert {db.session.get(Comment, i).status for i in (a.id, b.id)} == {CommentStatus.APPROVED}
    assert db.session.get(Post, post.id).comment_count == 2
    page = client.get("/admin/comments?status=approved").get_data(as_text=True)
    assert "2 comments approved." in page
    assert "Mod · approve (pending → approved) · Other · Looks fine" in page


def test_row_action_marks_one_comment_as_spam_with_a_reason(client, login, make_user, make_post, make_comment):
    post = make_post()
    comment = make_comment(post)
    login(client, make_user("editor"))
    client.post("/admin/comments/bulk", data={"one": f"spam:{comment.id}", "reason": "abuse"})
    entry = db.session.scalars(select(ModerationAction)).one()
    assert (entry.action, entry.reason, entry.to_status) == ("spam", "abuse", "spam")
    assert db.session.get(Post, post.id).comment_count == 0


def test_unknown_reason_code_is_refused(client, login, make_user, make_post, make_comment):
    post = make_post()
    comment = make_comment(post, status="pending")
    login(client, make_user("admin"))
    client.post("/admin/comments/bulk", data={"one": f"approve:{comment.id}", "reason": "because"})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING
    assert "Choose a reason from the list." in client.get("/admin/comments").get_data(as_text=True)


def test_moderator_edits_a_comment_and_sees_its_history(client, login, make_user, make_post, make_comment):
    post = make_post()
    comment = make_comment(post, "Teh best", name="Ann")
    login(client, make_user("admin", name="Mod"))
    page = client.get(f"/admin/comments/{comment.id}/edit")
    assert page.status_code == 200 and "Teh best" in page.get_data(as_text=True)
    response = client.post(
        f"/admin/comments/{comment.id}/edit",
        data={"body": "The **best**", "name": "Ann R.", "email": "", "url": "", "note": "typo"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Comment, comment.id)
    assert edited.body_html == "<p>The <strong>best</strong></p>" and edited.author_name == "Ann R."
    history = client.get(f"/admin/comments/{comment.id}/edit").get_data(as_text=True)
    assert "Mod · edit · typo" in history


def test_moderator_replies_inline_approving_the_held_comment(client, login, make_user, make_post, make_comment):
    author = make_user("author", name="Bebop Shock")
    post = make_post(author=author)
    editor = make_user("editor", name="Ed")
    held = make_comment(post, "Is part 2 coming?", status="pending")
    login(client, editor)
    response = client.post(f"/admin/comments/{held.id}/reply", data={"body": "Yes, next week!"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, held.id).status == CommentStatus.APPROVED
    reply = db.session.scalars(select(Comment).where(Comment.parent_id == held.id)).one()
    assert (reply.status, reply.user_id, reply.author_name) == (CommentStatus.APPROVED, editor.id, "Ed")
    assert db.session.get(Post, post.id).comment_count == 2


def test_trash_empties_after_thirty_days_keeping_parents_of_replies(app, make_user, make_post, make_comment):
    post = make_post()
    old_leaf = make_comment(post, "Old rubbish", status="trash")
    old_parent = make_comment(post, "Old parent", status="trash")
    child = make_comment(post, "Kept reply", parent=old_parent)
    recent = make_comment(post, "Recent rubbish", status="trash")
    long_ago = utcnow() - timedelta(days=31)
    for c in (old_leaf, old_parent):
        c.status_changed_at = long_ago
    db.session.commit()
    leaf_id, parent_id, child_id, recent_id = old_leaf.id, old_parent.id, child.id, recent.id
    assert moderation.purge_trash() == 1
    db.session.expire_all()
    assert db.session.get(Comment, leaf_id) is None
    kept = db.session.get(Comment, parent_id)
    assert kept is not None and kept.deleted and kept.body_source == ""
    assert db.session.get(Comment, child_id).parent_id == parent_id
    assert db.session.get(Comment, recent_id) is not None


def test_purge_trash_command_and_the_queue_both_empty_the_trash(app, client, login, make_user, make_post, make_comment):
    post = make_post()
    for _ in range(2):
        c = make_comment(post, status="trash")
        c.status_changed_at = utcnow() - timedelta(days=40)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["comments", "purge-trash"])
    assert result.exit_code == 0 and "Deleted 2 comments from the trash." in result.output
    c = make_comment(post, "Lazy purge", status="trash")
    c.status_changed_at = utcnow() - timedelta(days=40)
    db.session.commit()
    login(client, make_user("admin"))
    page = client.get("/admin/comments?status=trash").get_data(as_text=True)
    assert "Lazy purge" not in page and 'Trash <span class="count">(0)</span>' in page


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", COMMENTS_MAX_LINKS=1)
def test_editing_an_approved_comment_into_link_bait_sends_it_back_to_moderation(client, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Innocent."))
    comment = only_comment()
    assert comment.status == CommentStatus.APPROVED
    client.post(f"/comments/{comment.id}/edit", data={"body": "Visit https://a.example and https://b.example"})
    edited = only_comment()
    assert edited.status == CommentStatus.PENDING
    assert db.session.get(Post, post.id).comment_count == 0

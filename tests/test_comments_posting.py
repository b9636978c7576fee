"""Posting through the form: guests and accounts, the saved-details cookie, editing and deleting one's
own comment, closed posts, and every kind of bad input (a clear 4xx, the text kept, nothing stored)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Comment, CommentStatus, ModerationAction, Post
from blog.models.base import utcnow

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)


def guest(body="Loved the Kanno score.", **extra):
    return {"body": body, "name": "Ann Reader", "email": "ann@example.org", "url": "", **extra}


def stored() -> int:
    return int(db.session.scalar(select(func.count(Comment.id))) or 0)


def textarea(html: str) -> str:
    match = re.search(r'<textarea[^>]*id="comment"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "the comment form is on the page"
    return match.group(1).strip()


def test_guest_posts_a_comment_and_lands_on_it(client, make_post):
    post = make_post("Magnetic Rose")
    response = client.post(f"/posts/{post.slug}/comments", data=guest(url="bebopshock.example"))
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    assert response.headers["Location"] == f"/posts/{post.slug}/#comment-{comment.id}"
    assert comment.author_url == "https://bebopshock.example"
    assert comment.body_html == "<p>Loved the Kanno score.</p>"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Loved the Kanno score." in html and "Ann Reader" in html
    assert db.session.get(Post, post.id).comment_count == 1


def test_guest_must_give_name_and_a_valid_email_and_keeps_the_text(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest(name="  "))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please give your name." in html and textarea(html) == "Loved the Kanno score."
    response = client.post(f"/posts/{post.slug}/comments", data=guest(email="not-an-email"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "That email address does not look right." in html
    assert textarea(html) == "Loved the Kanno score."
    assert 'value="not-an-email"' in html
    assert stored() == 0


def test_empty_comment_gets_a_form_error(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest(body="   \n "))
    assert response.status_code == 400
    assert "Type your comment before posting." in response.get_data(as_text=True)
    assert stored() == 0


def test_website_must_be_http_or_https(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest(url="javascript:alert(1)"))
    assert response.status_code == 400
    assert "A website address starts with http:// or https://." in response.get_data(as_text=True)
    assert stored() == 0


def test_signed_in_reader_posts_without_guest_fields(client, login, make_user, make_post):
    reader = make_user("reader", name="Kei", email="kei@example.org", website="https://kei.example")
    post = make_post()
    login(client, reader)
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'id="author"' not in page and 'id="email"' not in page
    response = client.post(f"/posts/{post.slug}/comments", data={"body": "Signed in and commenting."})
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    assert (comment.user_id, comment.author_name, comment.author_email) == (reader.id, "Kei", "kei@example.org")


def test_save_my_details_sets_a_cookie_only_when_ticked(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest())
    assert "comment_author=" not in response.headers.get("Set-Cookie", "")
    response = client.post(f"/posts/{post.slug}/comments", data=guest(body="Second thought.", remember="y"))
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("comment_author="))
    assert "HttpOnly" in cookie
    saved = client.get_cookie("comment_author")
    assert parse_qs(saved.value)["email"] == ["ann@example.org"]
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'value="Ann Reader"' in page and 'value="ann@example.org"' in page
    # Unticking it forgets the details.
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Third thought."))
    assert client.get_cookie("comment_author") is None


def test_reply_link_works_without_javascript(client, make_post, make_comment):
    post = make_post()
    parent = make_comment(post, name="Ann")
    html = client.get(f"/posts/{post.slug}/?replyto={parent.id}").get_data(as_text=True)
    assert f'href="?replyto={parent.id}#respond"' in html
    assert 'Reply to <span class="reply-to-name">Ann</span>' in html
    assert re.search(rf'name="parent_id"[^>]*value="{parent.id}"|value="{parent.id}"[^>]*name="parent_id"', html)
    response = client.post(f"/posts/{post.slug}/comments", data=guest(parent_id=str(parent.id)))
    assert response.status_code == 302
    reply = db.session.scalars(select(Comment).where(Comment.parent_id == parent.id)).one()
    assert reply.thread_id == parent.id and reply.depth == 1


def test_replying_to_a_comment_of_another_post_is_refused(client, make_post, make_comment):
    post, other = make_post("One"), make_post("Two")
    elsewhere = make_comment(other)
    response = client.post(f"/posts/{post.slug}/comments", data=guest(parent_id=str(elsewhere.id)))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "You can only reply to a comment on the same post." in html
    assert textarea(html) == "Loved the Kanno score."
    assert stored() == 1


@pytest.mark.parametrize("state", ["deleted", "trash", "unknown", "garbage"])
def test_replying_to_a_removed_or_unknown_comment_is_refused(client, make_post, make_comment, state):
    post = make_post()
    target = make_comment(post)
    if state == "deleted":
        target.deleted = True
    elif state == "trash":
        target.status = CommentStatus.TRASH
    db.session.commit()
    parent_id = {"unknown": "987654", "garbage": "12abc"}.get(state, str(target.id))
    response = client.post(f"/posts/{post.slug}/comments", data=guest(parent_id=parent_id))
    assert response.status_code in {404, 409}
    assert textarea(response.get_data(as_text=True)) == "Loved the Kanno score."
    assert stored() == 1


def test_comments_on_a_closed_post_are_refused_with_the_text_kept(client, make_post):
    post = make_post(comment_status="closed")
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Comments are closed." in page and 'id="commentform"' not in page
    response = client.post(f"/posts/{post.slug}/comments", data=guest())
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Comments are closed on this post." in html and textarea(html) == "Loved the Kanno score."
    assert stored() == 0


@pytest.mark.settings(COMMENTS_CLOSE_AFTER_DAYS=14)
def test_comments_close_automatically_after_the_configured_days(client, make_post):
    old = make_post("Old", published_at=utcnow() - timedelta(days=15))
    fresh = make_post("Fresh", published_at=utcnow() - timedelta(days=13))
    assert client.post(f"/posts/{old.slug}/comments", data=guest()).status_code == 403
    assert client.post(f"/posts/{fresh.slug}/comments", data=guest()).status_code == 302
    assert stored() == 1


def test_commenting_on_a_draft_or_unknown_post_is_404(client, make_post):
    draft = make_post(status="draft")
    assert client.post(f"/posts/{draft.slug}/comments", data=guest()).status_code == 404
    assert client.post("/posts/no-such-post/comments", data=guest()).status_code == 404
    assert stored() == 0


@pytest.mark.parametrize(
    "field,value",
    [
        ("body", "Nice\x00 review"),
        ("body", "Broken \ufffd encoding"),
        ("name", "Ann\x00"),
        ("body", "bell \x07 char"),
    ],
)
def test_nul_bytes_and_invalid_text_are_refused_cleanly(client, make_post, field, value):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest(**{field: value}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "characters we cannot store" in html
    assert "\x00" not in html
    assert stored() == 0


def test_invalid_utf8_bytes_are_refused_cleanly(client, make_post):
    post = make_post()
    for raw in (b"body=caf\xed\xa0\x80&name=Ann&email=ann%40example.org", b"body=%00%ED%A0%80&name=Ann"):
        response = client.post(
            f"/posts/{post.slug}/comments", data=raw, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 400
    assert stored() == 0


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_missing_csrf_token_keeps_the_readers_text(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest(body="Typed with care."))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # No token and no stamp: what a reader sends from a page served from the cache without JavaScript.
    assert "Your comment is not posted yet" in html
    assert textarea(html) == "Typed with care."
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert token, "a fresh token to post again with"
    again = client.post(
        f"/posts/{post.slug}/comments", data=guest(body="Typed with care.", csrf_token=token.group(1) or token.group(2))
    )
    assert again.status_code == 302
    assert stored() == 1


def test_guest_edits_own_comment_within_the_window(client, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Frist!"))
    comment = db.session.scalars(select(Comment)).one()
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert f'href="/comments/{comment.id}/edit"' in page
    form = client.get(f"/comments/{comment.id}/edit")
    assert form.status_code == 200 and "Frist!" in form.get_data(as_text=True)
    # The deadline reads as the comment's own time does ("... at 6:51 pm"), with the Markdown hint.
    assert re.search(r"You can change it until <time[^>]*>\d{1,2}:\d{2} [ap]m</time>", form.get_data(as_text=True))
    assert "Markdown works" in form.get_data(as_text=True)
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "First, with *feeling*."})
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Comment, comment.id)
    assert edited.body_html == "<p>First, with <em>feeling</em>.</p>" and edited.edited_at is not None
    assert ">edited</time>" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)


JSON = {"Accept": "application/json"}


def test_the_edit_route_answers_the_page_script_in_json(client, make_post):
    """comments.js edits in place: the Markdown to edit, then the stored HTML and the "edited" mark."""
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Frist!"))
    comment = db.session.scalars(select(Comment)).one()
    start = client.get(f"/comments/{comment.id}/edit", headers=JSON)
    assert start.status_code == 200 and start.get_json()["body"] == "Frist!"
    refused = client.post(f"/comments/{comment.id}/edit", data={"body": " "}, headers=JSON)
    assert refused.status_code == 400 and refused.get_json()["message"] == "Type your comment before posting."
    saved = client.post(f"/comments/{comment.id}/edit", data={"body": "First, with *feeling*."}, headers=JSON)
    answer = saved.get_json()
    assert saved.status_code == 200 and answer["html"] == "<p>First, with <em>feeling</em>.</p>"
    assert ">edited</time>" in answer["edited"] and answer["pending"] is False


def test_the_delete_route_answers_the_page_script_in_json(client, make_post, make_comment):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="With a reply under it."))
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Alone."))
    with_reply, alone = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    make_comment(post, "A reply.", parent=with_reply)
    gone = client.post(f"/comments/{alone.id}/delete", headers=JSON)
    assert gone.status_code == 200 and gone.get_json() == {"message": "Your comment was deleted.", "placeholder": None}
    kept = client.post(f"/comments/{with_reply.id}/delete", headers=JSON)
    assert kept.get_json()["placeholder"] == "This comment was deleted."
    again = client.post(f"/comments/{with_reply.id}/delete", headers=JSON)  # already deleted: not theirs to change
    assert again.status_code == 403


def test_someone_else_cannot_edit_or_delete_a_comment(app, client, make_post, make_comment):
    post = make_post()
    comment = make_comment(post)
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "Hijacked"}).status_code == 403
    assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body_source != "Hijacked"


@pytest.mark.settings(COMMENTS_EDIT_WINDOW_MINUTES=15)
def test_edit_window_closes_after_fifteen_minutes(client, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Original."))
    comment = db.session.scalars(select(Comment)).one()
    comment.created_at = utcnow() - timedelta(minutes=16)
    db.session.commit()
    assert f'href="/comments/{comment.id}/edit"' not in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "Changed."})
    assert response.status_code == 403
    assert "that time has passed" in response.get_data(as_text=True)
    assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body_source == "Original."


def test_account_edits_own_comment_through_its_login(client, login, make_user, make_post):
    reader = make_user("reader")
    post = make_post()
    login(client, reader)
    client.post(f"/posts/{post.slug}/comments", data={"body": "Before."})
    comment = db.session.scalars(select(Comment)).one()
    other = make_user("reader")
    login(client, other)
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "Not mine."}).status_code == 403
    login(client, reader)
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "After."}).status_code == 302


def test_deleting_own_comment_with_replies_keeps_the_replies(client, make_post, make_comment):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="I will regret this."))
    mine = db.session.scalars(select(Comment)).one()
    reply = make_comment(post, "A reply worth keeping.", parent=mine)
    response = client.post(f"/comments/{mine.id}/delete")
    assert response.status_code == 302
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "This comment was deleted." in html and "I will regret this." not in html
    assert "A reply worth keeping." in html
    db.session.expire_all()
    assert db.session.get(Comment, reply.id).parent_id == mine.id
    assert db.session.get(Post, post.id).comment_count == 1


def test_deleting_own_comment_without_replies_moves_it_to_the_trash(client, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data=guest(body="Typo-ridden."))
    mine = db.session.scalars(select(Comment)).one()
    client.post(f"/comments/{mine.id}/delete")
    db.session.expire_all()
    assert db.session.get(Comment, mine.id).status == CommentStatus.TRASH
    assert db.session.get(Post, post.id).comment_count == 0
    assert "Typo-ridden." not in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert db.session.scalars(select(ModerationAction.action)).all() == ["delete"]


def test_comment_markdown_is_rendered_once_at_write_time_and_sanitized(client, make_post):
    post = make_post()
    client.post(
        f"/posts/{post.slug}/comments",
        data=guest(body="<script>alert(1)</script> ||Ripley dies|| see https://example.org"),
    )
    comment = db.session.scalars(select(Comment)).one()
    assert "<script" not in comment.body_html
    assert '<span class="spoiler" tabindex="0">Ripley dies</span>' in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_missing_csrf_token_on_an_unknown_post_is_a_clear_400(client):
    response = client.post("/posts/no-such-post/comments", data=guest())
    assert response.status_code == 400
    assert stored() == 0

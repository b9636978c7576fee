"""The comment form's "Preview": the comment as it will be stored, shown before posting; nothing stored.

With JavaScript the form asks for JSON and shows it in place (tests/browser/test_comments.py);
without, the post page comes back with the form as typed and the preview above the buttons.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Comment

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)

JSON = {"Accept": "application/json"}
TYPED = {
    "body": "The *opera* scenes. ||Eva was never there.||\n\n<script>alert(1)</script>",
    "name": "Ann Reader",
    "email": "ann@example.org",
    "url": "ann.example",
    "notify_replies": "y",
}


def stored() -> int:
    return int(db.session.scalar(select(func.count(Comment.id))) or 0)


def preview_box(html: str) -> str:
    match = re.search(r'<div class="comment-preview" id="comment-preview"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    assert match, "the page has the preview box"
    return match.group(0)


def test_a_preview_is_the_comment_as_it_will_be_stored_and_stores_nothing(client, make_post):
    post = make_post("Magnetic Rose")
    answer = client.post(f"/posts/{post.slug}/comments/preview", data=TYPED, headers=JSON)
    assert answer.status_code == 200
    html = answer.get_json()["html"]
    assert "<em>opera</em>" in html
    assert '<span class="spoiler" tabindex="0">Eva was never there.</span>' in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert stored() == 0
    posted = client.post(f"/posts/{post.slug}/comments", data=TYPED)
    assert posted.status_code == 302
    assert db.session.scalars(select(Comment)).one().body_html == html  # what was previewed is what is shown


def test_without_javascript_the_page_comes_back_with_the_preview_and_everything_typed(client, make_post):
    post = make_post("Magnetic Rose")
    answer = client.post(f"/posts/{post.slug}/comments/preview", data=TYPED)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    box = preview_box(html)
    assert "hidden" not in box.split(">", 1)[0]
    assert "<em>opera</em>" in box and 'class="spoiler"' in box and "<script" not in box
    assert "The *opera* scenes." in re.search(r'<textarea[^>]*id="comment"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert 'value="Ann Reader"' in html and 'value="ann@example.org"' in html and 'value="ann.example"' in html
    assert re.search(r'id="notify-replies"[^>]*checked', html)
    assert stored() == 0


def test_an_ordinary_page_has_the_preview_box_hidden_and_says_how_to_format(client, make_post):
    post = make_post("Magnetic Rose")
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'id="comment-preview" aria-live="polite" hidden' in html
    assert "||like this||" in html and 'aria-describedby="comment-hint' in html


@pytest.mark.settings(COMMENTS_MAX_LENGTH=50)
def test_an_empty_or_too_long_comment_gets_a_clear_message_and_keeps_the_text(client, make_post):
    post = make_post("Magnetic Rose")
    empty = client.post(f"/posts/{post.slug}/comments/preview", data={"body": "  "}, headers=JSON)
    assert empty.status_code == 400 and empty.get_json()["message"] == "Type your comment to see how it will look."
    long_text = "x" * 60
    too_long = client.post(f"/posts/{post.slug}/comments/preview", data={"body": long_text}, headers=JSON)
    assert too_long.status_code == 413 and "the limit is 50" in too_long.get_json()["message"]
    page = client.post(f"/posts/{post.slug}/comments/preview", data={"body": long_text})
    assert page.status_code == 413
    assert "the limit is 50" in page.get_data(as_text=True) and long_text in page.get_data(as_text=True)
    nul = client.post(f"/posts/{post.slug}/comments/preview", data={"body": "bad\x00byte"}, headers=JSON)
    assert nul.status_code == 400 and nul.get_json()["message"]
    assert stored() == 0


def test_no_preview_for_a_draft_an_unknown_or_a_closed_post(client, make_post):
    draft = make_post("Draft", status="draft")
    closed = make_post("Closed", comment_status="closed")
    assert client.post(f"/posts/{draft.slug}/comments/preview", data=TYPED, headers=JSON).status_code == 404
    assert client.post("/posts/no-such-post/comments/preview", data=TYPED, headers=JSON).status_code == 404
    refused = client.post(f"/posts/{closed.slug}/comments/preview", data=TYPED, headers=JSON)
    assert refused.status_code == 403 and "closed" in refused.get_json()["message"]


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_a_preview_needs_the_forms_token(client, make_post):
    post = make_post("Magnetic Rose")
    assert client.post(f"/posts/{post.slug}/comments/preview", data=TYPED, headers=JSON).status_code == 400
    # Without JavaScript (a cached page has no token): the page keeps everything typed, with a token.
    again = client.post(f"/posts/{post.slug}/comments/preview", data=TYPED)
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert "Press “Preview” again" in html and "The *opera* scenes." in html and 'value="Ann Reader"' in html
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    shown = client.post(f"/posts/{post.slug}/comments/preview", data={**TYPED, "csrf_token": token})
    assert shown.status_code == 200 and "<em>opera</em>" in preview_box(shown.get_data(as_text=True))
    assert stored() == 0
    token = client.get(f"/comments/form-token?post={post.id}").get_json()["csrf_token"]
    answer = client.post(f"/posts/{post.slug}/comments/preview", data={**TYPED, "csrf_token": token}, headers=JSON)
    assert answer.status_code == 200 and "<em>opera</em>" in answer.get_json()["html"]


@pytest.mark.settings(RATELIMIT_ENABLED=True, COMMENTS_PREVIEW_RATELIMIT="2 per minute")
def test_previews_are_rate_limited(client, make_post):
    post = make_post("Magnetic Rose")
    codes = [
        client.post(f"/posts/{post.slug}/comments/preview", data=TYPED, headers=JSON).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]

"""The comment form at the keyboard and before posting: Enter posts, "Preview" shows the comment in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=True, COMMENTS_MODERATION="all-approved", GRAVATAR=False)


def _write(page, body: str, name: str, email: str) -> None:
    page.locator("#comment").fill(body)
    page.locator("#author").fill(name)
    page.locator("#email").fill(email)


def _expect_posted(page, post, text: str) -> None:
    """Back on the post at the new comment's anchor, the comment there once."""
    page.wait_for_url(re.compile(rf"/posts/{post.slug}/#comment-\d+$"))
    expect(page.locator("li.comment", has_text=text)).to_have_count(1)


def test_enter_in_the_email_field_posts_the_comment_not_a_sign_in(page, live_server, make_post):
    """The sign-in icons are submit buttons of the same form, ahead of "Post Comment": the browser's
    Enter key used to press the first of them and take the reader to "Sign in by email"."""
    post = make_post("Fond Memories Part 2: Stink Bomb")
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    _write(page, "Funniest of the three, by a mile.", "Keyboard Reader", "keys@example.org")
    page.locator("#email").press("Enter")
    _expect_posted(page, post, "Funniest of the three, by a mile.")


def test_preview_shows_the_comment_as_it_will_look_in_place_then_it_posts(page, live_server, make_post):
    post = make_post("Fond Memories Part 1: Magnetic Rose")
    url = f"{live_server.url}/posts/{post.slug}/"
    page.goto(url)
    box = page.locator("#comment-preview")
    expect(box).to_be_hidden()
    expect(page.locator("#comment-hint")).to_contain_text("||like this||")
    _write(page, "The *opera* scenes. ||Eva was never there.||", "Previewing Reader", "preview@example.org")
    with page.expect_response(lambda r: r.url.endswith("/comments/preview")) as answered:
        page.get_by_role("button", name="Preview").click()
    assert answered.value.status == 200
    expect(box).to_be_visible()
    expect(box.locator("em")).to_have_text("opera")
    expect(box.locator("span.spoiler")).to_have_text("Eva was never there.")
    assert page.url == url  # shown in place: nothing typed left the page
    expect(page.locator("#author")).to_have_value("Previewing Reader")

    page.locator("#comment").press("End")
    page.locator("#comment").type(" Still haunting.")
    expect(box).to_be_hidden()  # the preview no longer matches the text

    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    posted = page.locator("li.comment", has_text="Still haunting.")
    expect(posted.locator("em")).to_have_text("opera")


def test_ctrl_enter_in_the_text_box_posts_the_comment(page, live_server, make_post):
    post = make_post("Fond Memories Part 3: Cannon Fodder")
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    expect(page.locator("#comment-shortcut-hint")).to_be_visible()
    expect(page.locator("#comment-hint")).to_contain_text("Ctrl+Enter posts.")
    _write(page, "One long take.", "Shortcut Reader", "shortcut@example.org")
    page.locator("#comment").press("Control+Enter")
    _expect_posted(page, post, "One long take.")


def test_preview_works_before_the_name_and_email_are_filled_in(page, live_server, make_post):
    """Previewing is not posting: the browser's required-field check must not stop it."""
    post = make_post("Fond Memories Part 1: Magnetic Rose")
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    page.locator("#comment").fill("Only the *text* so far.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#comment-preview em")).to_have_text("text")


def test_a_refused_comment_opens_at_the_form_with_the_message_and_the_text(page, live_server, make_post):
    post = make_post("Fond Memories Part 2: Stink Bomb")
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    _write(page, "Kept, whatever happens.", "Refused Reader", "refused@example.org")
    page.locator("#url").fill("https://example.org/ok")
    page.evaluate("document.getElementById('url').type = 'text'")  # past the browser's own check
    page.locator("#url").fill("javascript:alert(1)")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url(re.compile(r"/comments#respond$"))
    expect(page.locator("#comment")).to_have_value("Kept, whatever happens.")
    expect(page.locator("#respond")).to_be_in_viewport()
    message = page.locator(".comment-form").get_by_text("A website address starts with", exact=False)
    expect(message.first).to_be_in_viewport()


def test_the_digest_choice_waits_for_an_email_choice_and_the_boxes_line_up_on_a_phone(page, live_server, make_post):
    post = make_post("Fond Memories Part 3: Cannon Fodder")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    digest = page.locator("#notify-digest")
    expect(digest).to_be_disabled()
    page.locator("#notify-post").check()
    expect(digest).to_be_enabled()
    page.locator("#notify-post").uncheck()
    expect(digest).to_be_disabled()
    widths = {
        round(page.locator(f"#{box}").bounding_box()["width"], 1)
        for box in ("notify-replies", "notify-post", "notify-digest", "wp-comment-cookies-consent")
    }
    assert len(widths) == 1, widths  # a long label no longer squeezes its box
    page.set_viewport_size({"width": 1280, "height": 900})

"""Forms on a page served from the page cache: the page has no token, the browser fetches one.

A cached page is the same bytes for every anonymous reader, so its forms carry no CSRF token and
the comment form no "shown at" stamp; static/js/site.js fetches both when the reader starts.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=True, COMMENTS_MODERATION="all-approved", GRAVATAR=False)


def _cached(browser, url: str) -> None:
    """A first reader's visit stores the page."""
    first = browser.new_context()
    response = first.new_page().goto(url)
    assert response.headers.get("x-cache") in ("MISS", "HIT")
    first.close()


def test_a_reader_of_a_cached_page_focuses_the_form_gets_a_token_and_posts(
    page, browser, live_server, make_post, make_comment
):
    post = make_post("Fond Memories Part 1: Magnetic Rose", "Memories is a three episode anthology.")
    make_comment(post, "The opera scenes are haunting.", name="Ann")
    url = f"{live_server.url}/posts/{post.slug}/"
    _cached(browser, url)

    response = page.goto(url)
    assert response.headers["x-cache"] == "HIT"
    like_token = page.locator('form.comment-like-form input[name="csrf_token"]').first
    expect(like_token).to_have_value("")
    expect(page.locator("#comment_shown")).to_have_value("")

    with page.expect_response(lambda r: "/comments/form-token" in r.url) as fetched:
        page.locator("#comment").focus()
    assert fetched.value.status == 200
    expect(like_token).not_to_have_value("")
    expect(page.locator("#comment_shown")).not_to_have_value("")
    expect(page.locator('#commentform input[name="csrf_token"]')).not_to_have_value("")

    page.locator("#comment").fill("Kanno's score carries the whole short.")
    page.locator("#author").fill("Guest Reader")
    page.locator("#email").fill("guest@example.org")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    posted = page.locator("li.comment", has_text="Kanno's score carries the whole short.")
    expect(posted).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("not posted yet")


def test_a_like_on_a_cached_page_waits_for_its_token_then_counts(page, browser, live_server, make_post, make_comment):
    post = make_post("Fond Memories Part 2: Stink Bomb")
    comment = make_comment(post, "Funniest of the three.", name="Ann")
    url = f"{live_server.url}/posts/{post.slug}/"
    _cached(browser, url)

    assert page.goto(url).headers["x-cache"] == "HIT"
    button = page.locator(f"#comment-{comment.id} button.comment-like")  # submits the one like form
    button.click()  # no field was focused: the submit itself fetches the token first
    expect(button.locator(".like-count")).to_have_text("1")
    expect(button).to_have_attribute("aria-pressed", "true")


@pytest.mark.settings(COMMENTS_MIN_SECONDS=3)
def test_a_comment_pasted_and_posted_at_once_on_a_cached_page_waits_out_the_minimum_then_posts(
    page, browser, live_server, make_post
):
    """The stamp of a cached page's form is fetched when the reader starts: a comment pasted and
    posted straight away would be "That was quick!" from the server, so the browser waits instead."""
    post = make_post("Fond Memories Part 3: Cannon Fodder")
    url = f"{live_server.url}/posts/{post.slug}/"
    _cached(browser, url)

    assert page.goto(url).headers["x-cache"] == "HIT"
    with page.expect_response(lambda r: "/comments/form-token" in r.url):
        page.locator("#comment").focus()
    page.locator("#comment").fill("One long take of a whole day in a city that only fires cannons.")
    page.locator("#author").fill("Quick Reader")
    page.locator("#email").fill("quick@example.org")
    button = page.locator("#commentform #submit")
    button.click()
    expect(button).to_have_text("Posting\u2026")
    button.click()  # a second press while it waits posts nothing twice
    page.wait_for_url(re.compile(r"#comment-\d+$"), timeout=10_000)
    expect(page.locator("li.comment", has_text="One long take of a whole day")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("That was quick")


@pytest.mark.settings(COMMENTS_MIN_SECONDS=3)
def test_enter_in_a_field_waits_the_same_way_and_the_visible_button_says_so(page, browser, live_server, make_post):
    post = make_post("Fond Memories Part 2: Stink Bomb")
    url = f"{live_server.url}/posts/{post.slug}/"
    _cached(browser, url)

    page.goto(url)
    with page.expect_response(lambda r: "/comments/form-token" in r.url):
        page.locator("#comment").focus()
    page.locator("#comment").fill("Funniest of the three, by a mile.")
    page.locator("#author").fill("Keyboard Reader")
    page.locator("#email").fill("keys@example.org")
    page.locator("#email").press("Enter")  # presses the form's hidden default button
    expect(page.locator("#commentform #submit")).to_have_text("Posting\u2026")
    page.wait_for_url(re.compile(r"#comment-\d+$"), timeout=10_000)
    expect(page.locator("li.comment", has_text="Funniest of the three")).to_have_count(1)

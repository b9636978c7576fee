"""A reader writes a reply, signs in with "Google" at the fake provider, comes back to the post
with the text still in the box, posts it, and sees it under their name and provider avatar."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from blog.comments.posting import CommentInput, post_comment
from blog.models import Role
from tests.browser.conftest import screenshot
from tests.fakes.provider import FAKE, FakeProvider, provider_settings

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", GRAVATAR=False, **provider_settings())


def avatar_png() -> bytes:
    """The fake provider's profile picture: a small teal square, served for images.example.org."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), (13, 102, 97)).save(buffer, "PNG")
    return buffer.getvalue()


def serve_avatars(page) -> None:
    body = avatar_png()
    page.route("https://images.example.org/**", lambda route: route.fulfill(body=body, content_type="image/png"))


REPLY = "The mirror scenes still give me chills, twenty years on.\n\nAnd the ending is perfect."


@pytest.fixture
def fake() -> FakeProvider:
    FAKE.start().reset()
    FAKE.behaviour.approve = "page"
    return FAKE


def test_reader_replies_after_signing_in_with_google(page, live_server, fake, make_post, make_user):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # comments.js swaps an identicon for the provider's picture once that loads; the identicon
    # request it no longer needs may be aborted (net::ERR_ABORTED), which is not a failure.
    page.on(
        "requestfailed",
        lambda request: problems.append(request.url) if "ERR_ABORTED" not in (request.failure or "") else None,
    )
    post = make_post("Perfect Blue", "Satoshi Kon's first film.")
    other = make_user(Role.READER, name="Kon Fan", email="kon@example.org", password=None)
    first = post_comment(post, CommentInput(body="Best Satoshi Kon film."), other)
    serve_avatars(page)

    page.goto(f"{live_server.url}/posts/{post.slug}/")
    expect(page.get_by_text("Fill in your details below or click an icon to log in:")).to_be_visible()
    page.locator(f'a.comment-reply-link[data-reply-to="{first.id}"]').click()
    page.locator("#comment").fill(REPLY)
    page.get_by_role("button", name="Log in with Google").click()

    expect(page.get_by_role("heading", name="Sign in to the fake provider")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/posts/{post.slug}/#respond")
    expect(page.get_by_text("You are commenting using your Google account.")).to_be_visible()
    expect(page.locator("#comment")).to_have_value(REPLY)
    expect(page.locator("#comment_parent")).to_have_value(str(first.id))
    expect(page.locator(f"#comment-{first.id} #respond")).to_have_count(1)  # the form sits under the comment
    page.locator("#respond").scroll_into_view_if_needed()
    screenshot(page, "social-comment-box-signed-in", full_page=False)

    page.get_by_role("button", name="Post Comment").click()

    reply = page.locator(f"#comment-{first.id} li.comment").filter(has_text="The mirror scenes")
    expect(reply).to_be_visible()
    expect(reply.get_by_text("Ada Reader")).to_be_visible()
    expect(reply.locator("img.avatar").first).to_have_attribute("src", "https://images.example.org/ada.png")
    expect(page.locator("#comment")).to_have_value("")  # posted: the box is empty again
    reply.scroll_into_view_if_needed()
    screenshot(page, "social-reply-posted", full_page=False)
    assert problems == []


def test_comment_box_and_account_pages_look_right(page, live_server, fake, make_post, make_user, app):
    post = make_post("Perfect Blue", "Satoshi Kon's first film.")
    serve_avatars(page)
    page.goto(f"{live_server.url}/posts/{post.slug}/#respond")
    page.locator("#respond").scroll_into_view_if_needed()
    screenshot(page, "social-comment-box-signed-out", full_page=False)
    page.goto(f"{live_server.url}/sign-in?next=/posts/{post.slug}/")
    screenshot(page, "social-sign-in-choices")

    fake.behaviour.approve = "auto"
    page.get_by_role("button", name="Continue with Twitter").click()
    expect(page).to_have_url(f"{live_server.url}/posts/{post.slug}/")
    page.goto(f"{live_server.url}/profile")
    expect(page.get_by_role("heading", name="Ways to sign in")).to_be_visible()
    expect(page.get_by_text("Your only way in")).to_be_visible()
    page.get_by_role("button", name="Link GitHub").click()
    expect(page.get_by_text("Your GitHub account is now linked")).to_be_visible()
    expect(page.get_by_role("button", name="Unlink Twitter")).to_be_visible()
    screenshot(page, "social-profile")

    admin = make_user(Role.ADMIN, email="boss@example.org")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/admin/providers")
    expect(page.get_by_role("heading", name="Sign-in providers", level=1)).to_be_visible()
    screenshot(page, "social-provider-check")

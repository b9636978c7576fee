"""A reader asks to be told of replies, confirms through the emailed link, another reader replies,
and the first reader's email leads to the reply. Mail goes to a real SMTP server on loopback."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from blog.mail import stop_worker
from tests.browser.conftest import screenshot
from tests.test_discussion_notify import body_of, wait_mail
from tests.test_mail_outbox import smtp, smtp_settings  # noqa: F401  (the aiosmtpd fixture)


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", GRAVATAR=False, PAGE_CACHE_ENABLED=False)
def test_reader_is_emailed_a_link_to_the_reply_after_confirming(
    app,
    page,
    browser,
    live_server,
    smtp,  # noqa: F811
    make_post,
):
    inbox, port = smtp
    app.config.update(smtp_settings(port))
    post = make_post("Fond Memories Part 1: Magnetic Rose", "Memories is a three episode anthology.")
    try:
        page.goto(f"{live_server.url}/posts/{post.slug}/")
        page.locator("#comment").fill("The opera scenes are haunting.")
        page.locator("#author").fill("Ann")
        page.locator("#email").fill("ann@example.org")
        page.get_by_label("Notify me of replies to my comment by email.").check()
        page.get_by_role("button", name="Post Comment").click()
        expect(page.locator("li.comment").first).to_contain_text("The opera scenes are haunting.")

        confirmation = wait_mail(inbox, "ann@example.org", "Please confirm")
        confirm_url = re.search(r"https?://\S+/subscriptions/confirm/\S+", body_of(confirmation)).group(0)
        page.goto(confirm_url)
        page.get_by_role("button", name="Yes, email me").click()
        expect(page.locator("h1")).to_have_text("Subscription confirmed")

        bob_context = browser.new_context(viewport={"width": 1280, "height": 900})
        bob = bob_context.new_page()
        bob.goto(f"{live_server.url}/posts/{post.slug}/")
        bob.get_by_role("link", name="Reply to Ann").first.click()
        bob.locator("#comment").fill("Kanno's score carries it.")
        bob.locator("#author").fill("Bob")
        bob.locator("#email").fill("bob@example.org")
        bob.get_by_role("button", name="Post Comment").click()
        expect(bob.locator(".children li.comment")).to_contain_text("Kanno's score carries it.")
        bob.locator(".comment-like").first.click()
        expect(bob.locator(".comment-like").first).to_have_attribute("aria-pressed", "true")
        screenshot(bob, "discussion-thread", full_page=False)
        bob_context.close()

        notice = wait_mail(inbox, "ann@example.org", "replied to your comment")
        reply_url = re.search(r"https?://\S+/comments/\d+", body_of(notice)).group(0)
        page.goto(reply_url)
        reply_id = reply_url.rsplit("/", 1)[1]
        reply = page.locator(f"#comment-{reply_id}")
        expect(reply).to_contain_text("Kanno's score carries it.")
        expect(reply).to_be_in_viewport()
        assert page.url.endswith(f"#comment-{reply_id}")
    finally:
        stop_worker(app)


@pytest.mark.settings(PAGE_CACHE_ENABLED=False, GRAVATAR=False)
def test_operator_sees_the_discussion_at_a_glance(page, live_server, make_user, make_post, make_comment):
    from datetime import timedelta

    from blog.models.base import utcnow
    from tests.conftest import PASSWORD

    admin = make_user("admin", email="boss@example.org")
    posts = [make_post(title) for title in ("Magnetic Rose", "Stink Bomb", "Cannon Fodder")]
    now = utcnow()
    for day in range(90):
        for n in range((day * 7) % 5 + (3 if day % 13 == 0 else 0)):
            make_comment(posts[(day + n) % 3], created_at=now - timedelta(days=day, hours=n), commit=False)
    make_comment(posts[0], "Held for review", status="pending")
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/admin/insights")
    expect(page.locator("#chart-title")).to_have_text("Comments per day, last 90 days")
    expect(page.locator(".insights-svg rect.bar").first).to_be_visible()
    expect(page.locator(".insights-counts")).to_contain_text("1 pending")
    screenshot(page, "discussion-insights")


@pytest.mark.settings(PAGE_CACHE_ENABLED=False, GRAVATAR=False)
def test_moderators_tools_under_a_comment_read_as_separate_buttons(
    page, live_server, make_user, make_post, make_comment
):
    """ "Pin Lock thread Mark as from the author" ran together as one phrase under each comment."""
    from tests.conftest import PASSWORD

    admin = make_user("admin", email="boss@example.org")
    post = make_post("Magnetic Rose", author=admin)
    comment = make_comment(post, "The opera house scene.", name="Ann")
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    tools = page.locator(f"#comment-{comment.id} .comment-tools button")
    expect(tools).to_have_count(3)
    boxes = [tools.nth(i).bounding_box() for i in range(3)]
    for left, right in itertools.pairwise(boxes):
        same_line = abs(left["y"] - right["y"]) < 4
        gap = right["x"] - (left["x"] + left["width"])
        assert not same_line or gap >= 8, f"buttons {gap:.1f}px apart"

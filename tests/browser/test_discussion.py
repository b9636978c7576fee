"""A reader asks to be told of replies, confirms through the emailed link, another reader replies,
and the first reader's email leads to the reply. Mail goes to a real SMTP server on loopback."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from blog.mail import stop_worker
from tests.browser.conftest import screenshot
from tests.test_discussion_notify import body_of, wait_mail
from tests.test_mail_outbox import smtp, smtp_settings  # noqa: F401  (the aiosmtpd fixture)


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", GRAVATAR=False, PAGE_CACHE_ENABLED=False)
def test_reader_is_emailed_a_link_to_the_reply_after_confirming(
    app, page, browser, live_server, smtp, make_post  # noqa: F811
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

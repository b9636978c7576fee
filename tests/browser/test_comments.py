"""A guest replies to a comment in a real browser, waits for moderation, and an admin approves it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD


@pytest.mark.settings(COMMENTS_MODERATION="hold-all", GRAVATAR=False)
def test_guest_reply_is_held_then_approved_and_appears_nested(
    page, browser, live_server, make_user, make_post, make_comment
):
    author = make_user("author", name="Bebop Shock")
    admin = make_user("admin", name="Site Admin", email="admin@example.org")
    post = make_post("Fond Memories Part 1: Magnetic Rose", "Memories is a three episode anthology.", author=author)
    parent = make_comment(post, "The opera scenes are **haunting**.", name="Ann")
    make_comment(post, "Thanks, Ann!", parent=parent, user=author)

    # The guest opens the post and clicks Reply under Ann's comment: the form moves under it.
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    ann = page.locator(f"#comment-{parent.id}")
    ann.get_by_role("link", name="Reply to Ann").first.click()
    expect(ann.locator("#respond")).to_be_visible()
    expect(page.locator("#reply-title")).to_contain_text("Reply to Ann")
    expect(page.locator("#comment_parent")).to_have_value(str(parent.id))
    expect(page.locator("#comment")).to_be_focused()

    page.locator("#comment").fill("Kanno's score carries the whole *short*.")
    page.locator("#author").fill("Guest Reader")
    page.locator("#email").fill("guest@example.org")
    screenshot(page, "comments-reply-form", full_page=False)
    page.get_by_role("button", name="Post Comment").click()

    # Back on the post, the guest sees their reply, marked as awaiting moderation.
    held = page.locator("li.comment.is-pending")
    expect(held).to_contain_text("Kanno's score carries the whole short.")
    expect(held).to_contain_text("Your comment is awaiting moderation.")
    expect(page.locator(f"#comment-{parent.id} .children li.is-pending")).to_have_count(1)

    # Another reader does not see it.
    stranger = browser.new_context()
    other = stranger.new_page()
    other.goto(f"{live_server.url}/posts/{post.slug}/")
    expect(other.locator("body")).not_to_contain_text("Kanno's score")
    stranger.close()

    # The admin signs in, finds it in the pending tab and approves it.
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    admin_page = staff.new_page()
    admin_page.goto(f"{live_server.url}/login")
    admin_page.get_by_label("Email").fill(admin.email)
    admin_page.get_by_label("Password").fill(PASSWORD)
    admin_page.get_by_role("button", name="Sign in").click()
    admin_page.goto(f"{live_server.url}/admin/comments")
    row = admin_page.locator("tr", has_text="Kanno's score")
    expect(row).to_contain_text("Guest Reader")
    expect(admin_page.locator(".moderation-tabs")).to_contain_text("Pending (1)")
    screenshot(admin_page, "comments-moderation-queue")
    row.get_by_role("button", name="Approve").click()
    expect(admin_page.locator(".flashes")).to_contain_text("1 comment approved.")
    expect(admin_page.locator(".moderation-tabs")).to_contain_text("Pending (0)")
    staff.close()

    # Everyone now sees the reply nested under Ann's comment, without the moderation notice.
    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    view = reader.new_page()
    view.goto(f"{live_server.url}/posts/{post.slug}/")
    nested = view.locator(f"#comment-{parent.id} > ol.children > li", has_text="Kanno's score")
    expect(nested).to_be_visible()
    expect(nested).not_to_contain_text("awaiting moderation")
    expect(nested.locator("[itemprop=name]").first).to_have_text("Guest Reader")
    screenshot(view, "comments-thread")
    reader.close()

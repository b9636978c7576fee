"""A commenter edits and deletes their own comment where it stands on the post (Jetpack, Remark42),
instead of on a page of its own; the page of its own still works without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", GRAVATAR=False, PAGE_CACHE_ENABLED=False)


def _post_as_guest(page, url: str, text: str) -> None:
    page.goto(url)
    page.locator("#comment").fill(text)
    page.locator("#author").fill("Eve")
    page.locator("#email").fill("eve@example.org")
    page.get_by_role("button", name="Post Comment").click()


def test_a_guest_edits_their_comment_in_place(page, live_server, make_post):
    post = make_post("Perfect Blue", "A review.")
    url = f"{live_server.url}/posts/{post.slug}/"
    _post_as_guest(page, url, "The mirror scenes *unsettle* me.")
    own = page.locator("li.comment", has_text="The mirror scenes")
    own.get_by_role("link", name="Edit").click()

    box = own.get_by_label("Edit your comment")
    expect(box).to_be_focused()
    expect(box).to_have_value("The mirror scenes *unsettle* me.")  # the Markdown, not the HTML
    expect(own.locator(".comment-form-hint")).to_contain_text("Markdown works")
    assert page.url.startswith(url)  # still on the post

    # An empty comment is refused with the reason, in place.
    box.fill("   ")
    own.get_by_role("button", name="Save changes").click()
    expect(own.locator(".comment-inline-edit .form-error")).to_have_text("Type your comment before posting.")

    box.fill("The mirror scenes **haunt** me.")
    own.get_by_role("button", name="Save changes").click()
    expect(own.locator(".comment-content strong")).to_have_text("haunt")
    expect(own.locator(".comment-edited")).to_have_text("edited")
    expect(own.locator(".comment-inline-edit")).to_have_count(0)
    expect(page.locator("#comments-status")).to_have_text("Your comment was updated.")
    assert page.url.startswith(url)

    # Stored: a reload shows the new text.
    page.reload()
    expect(page.locator("li.comment", has_text="The mirror scenes haunt me.")).to_have_count(1)

    # Cancel (or Escape) leaves the comment as it was.
    own = page.locator("li.comment", has_text="The mirror scenes")
    own.get_by_role("link", name="Edit").click()
    own.get_by_label("Edit your comment").fill("Something else")
    own.get_by_role("button", name="Cancel").click()
    expect(own.locator(".comment-content")).to_have_text("The mirror scenes haunt me.")
    expect(own.get_by_role("link", name="Edit")).to_be_focused()


def test_a_guest_deletes_their_comment_and_sees_it_go(page, live_server, make_post, make_comment):
    post = make_post("Paprika", "A review.")
    url = f"{live_server.url}/posts/{post.slug}/"
    make_comment(post, "An older comment by someone else.", name="Ann")
    _post_as_guest(page, url, "A comment I regret.")
    page.on("dialog", lambda dialog: dialog.accept())
    own = page.locator("li.comment", has_text="A comment I regret.")
    own.get_by_role("button", name="Delete").click()
    expect(page.locator("#comments-status")).to_have_text("Your comment was deleted.")
    expect(page.locator("li.comment", has_text="A comment I regret.")).to_have_count(0)
    assert page.url.startswith(url)
    page.reload()
    expect(page.locator("li.comment", has_text="A comment I regret.")).to_have_count(0)
    expect(page.locator("li.comment", has_text="An older comment")).to_have_count(1)


def test_deleting_a_comment_with_replies_leaves_its_place_in_the_thread(page, live_server, make_post, make_comment):
    post = make_post("Tokyo Godfathers", "A review.")
    url = f"{live_server.url}/posts/{post.slug}/"
    _post_as_guest(page, url, "Christmas in Tokyo.")
    own = page.locator("li.comment", has_text="Christmas in Tokyo.")
    own_id = own.get_attribute("id").removeprefix("comment-")
    from blog.extensions import db
    from blog.models import Comment

    make_comment(post, "Agreed!", name="Ann", parent=db.session.get(Comment, int(own_id)))
    page.reload()
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(f"#comment-{own_id} > article").get_by_role("button", name="Delete").click()
    expect(page.locator(f"#comment-{own_id} > .comment-placeholder")).to_have_text("This comment was deleted.")
    expect(page.locator(f"#comment-{own_id} .children li.comment", has_text="Agreed!")).to_have_count(1)

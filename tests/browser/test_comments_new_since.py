"""A returning reader sees which comments arrived since their last visit (Remark42's and Disqus's "new")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", GRAVATAR=False)
def test_comments_since_the_last_visit_are_marked_new(page, live_server, make_post, make_comment):
    post = make_post("Perfect Blue", "A review of Satoshi Kon's first film.")
    first = make_comment(post, "The mirror scenes still unsettle me.", name="Ann")
    make_comment(post, "Mima's apartment says everything.", name="Ben")
    url = f"{live_server.url}/posts/{post.slug}/"

    # A first visit: nothing is "new" to someone who has never been here.
    page.goto(url)
    expect(page.locator("#comments li.comment")).to_have_count(2)
    expect(page.locator(".badge-new")).to_have_count(0)
    expect(page.locator(".comments-new-note")).to_have_count(0)

    # Two comments arrive while the reader is away: a reply to Ann and a new thread.
    reply = make_comment(post, "And the train scene.", name="Cleo", parent=first)
    later = make_comment(post, "Rewatched it yesterday.", name="Dev")

    page.goto(url)
    expect(page.locator(".comments-new-note")).to_have_text("2 new comments since your last visit. Read the first")
    expect(page.locator(".comments-new-note a")).to_have_attribute("href", f"#comment-{reply.id}")
    expect(page.locator(f"#comment-{reply.id} > article .badge-new")).to_have_text("New")
    expect(page.locator(f"#comment-{later.id} > article .badge-new")).to_have_count(1)
    expect(page.locator(".badge-new")).to_have_count(2)
    expect(page.locator(f"#comment-{first.id}")).not_to_have_class("comment is-new")

    # Once read, they are not new on the next visit.
    page.goto(url)
    expect(page.locator("#comments li.comment")).to_have_count(4)
    expect(page.locator(".badge-new")).to_have_count(0)

    # The reader's own comment is not news to them.
    page.locator("#comment").fill("Kon's editing is a magic trick.")
    page.locator("#author").fill("Eve")
    page.locator("#email").fill("eve@example.org")
    page.get_by_role("button", name="Post Comment").click()
    own = page.locator("li.comment", has_text="Kon's editing is a magic trick.")
    expect(own).to_have_count(1)
    expect(own.locator(".comment-edit-link")).to_have_count(1)
    expect(page.locator(".badge-new")).to_have_count(0)
    expect(page.locator(".comments-new-note")).to_have_count(0)


@pytest.mark.settings(GRAVATAR=False)
def test_no_badges_when_the_browser_keeps_no_storage(browser, live_server, make_post, make_comment):
    """A browser that refuses storage (a strict privacy setting) reads the page as it always was."""
    post = make_post("Paprika", "Dreams leak into the city.")
    make_comment(post, "The parade!", name="Ann")
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(window, 'localStorage', {get() { throw new Error('denied'); }});")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    make_comment(post, "The fridge scene.", name="Ben")
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    expect(page.locator("#comments li.comment")).to_have_count(2)
    expect(page.locator(".badge-new")).to_have_count(0)
    assert errors == []
    context.close()

"""The editor's toolbar on an empty line (heading, quote, lists) and its spoiler buttons."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from blog.models import Role
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_editor import _sign_in


def _new_post(page: Any, base: str, make_user: Any) -> Any:
    make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, base, "ann@example.org")
    page.goto(base + "/admin/posts/new")
    body = page.get_by_label("Body")
    body.click()
    return body


def test_heading_quote_and_list_buttons_work_on_an_empty_line(
    author_page: Any, live_server: Any, make_user: Any
) -> None:
    page = author_page
    body = _new_post(page, live_server.url, make_user)
    keys = page.keyboard
    page.get_by_role("button", name="Heading").click()
    keys.type("Magnetic Rose")
    expect(body).to_have_value("## Magnetic Rose")

    keys.press("Enter")
    keys.press("Enter")
    keys.press("Control+Alt+3")
    keys.type("The opera")
    expect(body).to_have_value("## Magnetic Rose\n\n### The opera")

    keys.press("Enter")
    keys.press("Enter")
    page.get_by_role("button", name="Quote").click()
    keys.type("Memories are the scent of a rose.")
    keys.press("Enter")
    keys.press("Enter")
    page.get_by_role("button", name="Bulleted list").click()
    keys.type("Heintz")
    keys.press("Enter")
    keys.type("Miguel")
    keys.press("Enter")
    keys.press("Enter")
    page.get_by_role("button", name="Numbered list").click()
    keys.type("Eva")
    expect(body).to_have_value(
        "## Magnetic Rose\n\n### The opera\n\n> Memories are the scent of a rose.\n\n- Heintz\n- Miguel\n\n1. Eva"
    )
    preview = page.locator("[data-editor-preview]")
    # Headings step down one level in a post (its title is the page's h1, "#" gives h2).
    expect(preview.locator("h3")).to_have_text("Magnetic Rose")
    expect(preview.locator("h4")).to_have_text("The opera")
    expect(preview.locator("ul li")).to_have_count(2)
    expect(preview.locator("ol li")).to_have_text("Eva")

    # On a line with text the buttons still toggle, as before.
    page.get_by_role("button", name="Numbered list").click()
    expect(body).to_have_value(
        "## Magnetic Rose\n\n### The opera\n\n> Memories are the scent of a rose.\n\n- Heintz\n- Miguel\n\nEva"
    )


def test_spoiler_buttons_hide_a_phrase_or_a_block(author_page: Any, live_server: Any, make_user: Any) -> None:
    page = author_page
    body = _new_post(page, live_server.url, make_user)
    toolbar = page.get_by_role("toolbar", name="Formatting")
    spoiler = toolbar.get_by_role("button", name="Spoiler", exact=True)
    block = toolbar.get_by_role("button", name="Spoiler block")
    expect(spoiler).to_have_attribute("title", "Spoiler (Ctrl+Shift+X)")
    expect(spoiler).to_have_attribute("aria-keyshortcuts", "Control+Shift+X")
    expect(block).to_have_attribute("title", "Spoiler block (Ctrl+Shift+0)")

    page.keyboard.type("Mima is the killer.")
    body.evaluate("el => el.setSelectionRange(0, 4)")
    spoiler.click()
    expect(body).to_have_value("||Mima|| is the killer.")
    body.evaluate("el => el.setSelectionRange(16, 22)")
    body.press("Control+Shift+X")
    expect(body).to_have_value("||Mima|| is the ||killer||.")
    body.evaluate("el => el.setSelectionRange(16, 26)")
    body.press("Control+Shift+X")  # again on the spoiler with its marks: it comes off
    expect(body).to_have_value("||Mima|| is the killer.")

    body.press("Control+End")
    body.press("Enter")
    body.press("Enter")
    block.click()  # on an empty line: a block around a placeholder, which is selected to type over
    page.keyboard.type("Rumi was never real.")
    expect(body).to_have_value("||Mima|| is the killer.\n\n::: spoiler\nRumi was never real.\n:::")

    body.press("Control+Home")  # the first line, a paragraph: the shortcut makes it a block of its own
    body.press("Control+Shift+0")
    expect(body).to_have_value("::: spoiler\n||Mima|| is the killer.\n:::\n\n::: spoiler\nRumi was never real.\n:::")
    preview = page.locator("[data-editor-preview]")
    expect(preview.locator("details.spoiler")).to_have_count(2)
    expect(preview.locator("details.spoiler summary").first).to_have_text("Spoiler")
    expect(preview.locator("span.spoiler")).to_have_text("Mima")
    assert_accessible(page)

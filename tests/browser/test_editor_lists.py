"""Lists typed in the web editor: Enter continues a list, and markers typed by hand are not doubled."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from blog.models import Role
from tests.browser.test_editor import _sign_in


def test_typing_a_list_by_hand_or_with_enter_gives_one_clean_list(page: Any, live_server: Any, make_user: Any) -> None:
    make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    body = page.get_by_label("Body")
    body.click()
    keys = page.keyboard

    # The UX audit's keystrokes: Enter adds "- " and the author types "- " as well.
    keys.type("- Tense")
    keys.press("Enter")
    expect(body).to_have_value("- Tense\n- ")
    keys.type("- Dreamlike")
    keys.press("Enter")
    expect(body).to_have_value("- Tense\n- Dreamlike\n- ")
    keys.press("Enter")  # on the empty item: the list ends, no stray marker, a blank line after it
    expect(body).to_have_value("- Tense\n- Dreamlike\n\n")

    # Numbered, marker typed or left to Enter; indentation is kept.
    keys.type("1. Magnetic Rose")
    keys.press("Enter")
    keys.type("Stink Bomb")
    keys.press("Enter")
    keys.type("3. Cannon Fodder")
    keys.press("Enter")
    keys.press("Enter")  # ends the list and leaves the caret after a blank line
    keys.type("  * Otomo")
    keys.press("Enter")
    keys.type("* Morimoto")
    keys.press("Enter")
    keys.press("Enter")
    expect(body).to_have_value(
        "- Tense\n- Dreamlike\n\n1. Magnetic Rose\n2. Stink Bomb\n3. Cannon Fodder\n\n  * Otomo\n  * Morimoto\n\n"
    )

    # Text that only starts like a marker stays as typed; a lone "-" then Enter ends the list.
    keys.type("- Cold")
    keys.press("Enter")
    keys.type("-5 degrees at night")
    keys.press("Enter")
    keys.type("-")
    keys.press("Enter")
    keys.type("The end.")
    expect(body).to_have_value(
        "- Tense\n- Dreamlike\n\n1. Magnetic Rose\n2. Stink Bomb\n3. Cannon Fodder\n\n  * Otomo\n  * Morimoto\n\n"
        "- Cold\n- -5 degrees at night\n\nThe end."
    )


def test_undo_after_a_doubled_marker_brings_back_what_was_typed(page: Any, live_server: Any, make_user: Any) -> None:
    make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    body = page.get_by_label("Body")
    body.click()
    page.keyboard.type("- Tense")
    page.keyboard.press("Enter")
    page.keyboard.type("- ")
    expect(body).to_have_value("- Tense\n- ")
    page.keyboard.press("Control+z")  # the collapse is one undo step
    expect(body).to_have_value("- Tense\n- - ")
    page.keyboard.press("Control+Shift+z")
    expect(body).to_have_value("- Tense\n- ")


def test_enter_twice_after_an_item_or_a_quote_starts_a_paragraph(page: Any, live_server: Any, make_user: Any) -> None:
    """The QA walk-through's keystrokes: the text after the list is a paragraph, not part of its last item."""
    make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    body = page.get_by_label("Body")
    body.click()
    keys = page.keyboard
    keys.type("- first item")
    keys.press("Enter")
    keys.type("second item")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("The twist comes late.")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("1. One")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("After the numbers.")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("> A quote")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("After the quote.")
    expect(body).to_have_value(
        "- first item\n- second item\n\nThe twist comes late.\n\n1. One\n\nAfter the numbers.\n\n"
        "> A quote\n\nAfter the quote."
    )
    preview = page.locator("[data-editor-preview]")
    expect(preview.locator("li").nth(1)).to_have_text("second item")
    expect(preview.locator("p", has_text="The twist comes late.")).to_have_count(1)
    expect(preview.locator("li", has_text="The twist")).to_have_count(0)
    expect(preview.locator("blockquote")).to_have_text("A quote")
    expect(preview.locator(":scope > p", has_text="After the quote.")).to_have_count(1)

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
    keys.press("Enter")  # on the empty item: the list ends, no stray marker
    expect(body).to_have_value("- Tense\n- Dreamlike\n")

    # Numbered, marker typed or left to Enter; indentation is kept.
    keys.press("Enter")
    keys.type("1. Magnetic Rose")
    keys.press("Enter")
    keys.type("Stink Bomb")
    keys.press("Enter")
    keys.type("3. Cannon Fodder")
    keys.press("Enter")
    keys.press("Enter")  # ends the list and leaves the caret on the empty line
    keys.press("Enter")
    keys.type("  * Otomo")
    keys.press("Enter")
    keys.type("* Morimoto")
    keys.press("Enter")
    keys.press("Enter")
    expect(body).to_have_value(
        "- Tense\n- Dreamlike\n\n1. Magnetic Rose\n2. Stink Bomb\n3. Cannon Fodder\n\n  * Otomo\n  * Morimoto\n"
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
        "- Tense\n- Dreamlike\n\n1. Magnetic Rose\n2. Stink Bomb\n3. Cannon Fodder\n\n  * Otomo\n  * Morimoto\n"
        "- Cold\n- -5 degrees at night\nThe end."
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

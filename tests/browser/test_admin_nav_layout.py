"""The admin menu keeps one shape (a sidebar on wide screens, a compact "Menu" disclosure on phones
and on the post editor), and the home grid leaves no empty half beside a lone last card."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from blog.models import Role
from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def new_context(browser: Any) -> Iterator[Any]:
    """Contexts of any size (and with or without JavaScript), closed after the test."""
    opened: list[Any] = []

    def _open(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        ctx = browser.new_context(viewport=viewport, **options)
        ctx.set_default_timeout(10_000)
        opened.append(ctx)
        return ctx.new_page()

    yield _open
    for ctx in opened:
        ctx.close()


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.ADMIN, email="admin@example.org", name="Admin")


def _sign_in(page: Any, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/admin/")


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box, f"{locator} is not laid out"
    return box


@pytest.mark.parametrize("path", ["/admin/", "/admin/posts/new", "/admin/comments", "/admin/users"])
def test_on_a_phone_the_admin_page_starts_near_the_top(new_context, live_server, admin, path):
    page = new_context(PHONE)
    _sign_in(page, live_server.url)
    page.goto(live_server.url + path)
    main_top = _box(page.locator("main"))["y"]
    heading = _box(page.locator(".admin-header h1"))
    # The menu is one line above the heading, not a 17-link block (it pushed the heading ~400px down).
    assert heading["y"] - main_top < 130, (path, main_top, heading)
    assert heading["y"] < 420, heading
    # Every link is still there, one tap away; the summary says where you are.
    menu = page.get_by_role("navigation", name="Admin")
    toggle = menu.locator("summary")
    expect(toggle).to_be_visible()
    expect(menu.get_by_role("link", name="Users")).to_be_hidden()
    toggle.click()
    expect(menu.get_by_role("link", name="Users")).to_be_visible()
    expect(menu.get_by_role("link", name="View site")).to_be_visible()
    expect(menu.locator("a[aria-current=page]")).to_have_count(1)


def test_phone_menu_opens_from_the_keyboard_and_without_javascript(new_context, live_server, admin):
    page = new_context(PHONE, java_script_enabled=False)
    _sign_in(page, live_server.url)
    menu = page.get_by_role("navigation", name="Admin")
    expect(menu.locator("summary")).to_contain_text("Posts")  # the current page, shown while closed
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    current = menu.locator("a[aria-current=page]")
    expect(current).to_be_visible()
    expect(current).to_have_text("Posts")
    page.keyboard.press("Tab")
    # The next Tab goes into the opened list (the first admin link), not past the menu.
    assert page.evaluate("!!document.activeElement.closest('nav[aria-label=Admin] li')")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(current).to_be_hidden()


def test_wide_admin_pages_keep_the_sidebar_and_the_editor_keeps_its_width(new_context, live_server, admin):
    page = new_context(DESKTOP)
    _sign_in(page, live_server.url)
    menu = page.get_by_role("navigation", name="Admin")
    # Dashboard: a sidebar left of the page, every link showing, no toggle.
    expect(menu.locator("summary")).to_be_hidden()
    expect(menu.get_by_role("link", name="View site")).to_be_visible()
    assert _box(menu)["x"] + _box(menu)["width"] <= _box(page.locator(".admin-header h1"))["x"]

    page.goto(live_server.url + "/admin/posts/new")
    main = _box(page.locator(".admin-main"))
    nav = _box(menu)
    # The editor: one compact row on top (it was a strip wrapping to two rows, ~155px tall).
    assert nav["height"] < 70, nav
    assert abs(nav["width"] - main["width"]) < 2 and main["width"] > 1100, (nav, main)
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Sign-in providers")).to_be_visible()
    expect(menu.get_by_role("link", name="New post")).to_have_attribute("aria-current", "page")


def _card_widths(page: Any) -> list[float]:
    return [box["width"] for box in (c.bounding_box() for c in page.locator(".post-list > .post-card").all()) if box]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_lone_last_card_spans_the_row(new_context, live_server, make_post, make_user, scheme):
    author = make_user(Role.AUTHOR, name="Ann")
    make_post("First review", author=author)
    make_post("Second review", author=author)
    page = new_context(DESKTOP, color_scheme=scheme)
    page.goto(live_server.url + "/")
    content = _box(page.locator(".post-list"))["width"]
    widths = _card_widths(page)
    assert len(widths) == 2
    assert widths == pytest.approx([content, content], abs=1), (widths, content)

    make_post("Third review", author=author)
    page.reload()
    widths = _card_widths(page)
    assert widths[0] == pytest.approx(content, abs=1)
    assert widths[1] == pytest.approx(widths[2], abs=1) and widths[1] < content * 0.6  # a full row stays two-up

    make_post("Fourth review", author=author)
    page.reload()
    widths = _card_widths(page)
    assert widths[1] < content * 0.6 and widths[3] == pytest.approx(content, abs=1), widths

"""A staff member signs in, writes and publishes a post, and reads it on the site, in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from blog.models import Role
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import PASSWORD


@pytest.fixture
def staff_page(browser: Any) -> Iterator[Any]:
    """A page that may inject axe (CSP bypassed for the checker only)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _sign_in(page: Any, base: str, email: str, next_path: str = "") -> None:
    page.goto(base + "/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_admin_signs_in_publishes_a_post_and_views_it(staff_page, live_server, make_user, make_post):
    page = staff_page
    admin = make_user(Role.ADMIN, email="admin@example.org", name="Admin")
    make_post(
        "Fond Memories Part 1: Magnetic Rose",
        "Out of all three shorts, it cuts the deepest.",
        author=admin,
        series_title="Fond Memories",
        series_part=1,
        tags=["anime"],
    )
    make_post(
        "Fond Memories Part 2: Stink Bomb",
        "Notes.",
        author=admin,
        status="draft",
        series_title="Fond Memories",
        series_part=2,
    )

    page.goto(live_server.url + "/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")

    _sign_in(page, live_server.url, "admin@example.org")
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.get_by_role("heading", name="All posts")).to_be_visible()
    expect(page.get_by_role("link", name="Fond Memories Part 2: Stink Bomb").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "admin-dashboard")

    page.get_by_role("link", name="New post").first.click()
    page.get_by_label("Title").fill("Fond Memories Part 2: Stink Bomb, revisited")
    page.get_by_label("Body").fill("# Stink Bomb\n\nA *lightweight* comedy about a very smelly researcher.")
    page.get_by_label("Tags").fill("anime, Memories")
    page.get_by_label("Series name").fill("Fond Memories")
    page.get_by_label("Part").fill("4")
    assert_accessible(page)
    screenshot(page, "admin-post-form")
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_text("Post published.")).to_be_visible()
    page.get_by_role("link", name="View post").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fond Memories Part 2: Stink Bomb, revisited")
    expect(page.locator("h2", has_text="Stink Bomb")).to_be_visible()


def test_empty_title_keeps_what_was_typed_and_says_why(staff_page, live_server, make_user):
    page = staff_page
    make_user(Role.CONTRIBUTOR, email="cory@example.org")
    _sign_in(page, live_server.url, "cory@example.org", "/admin/posts/new")
    expect(page).to_have_url(live_server.url + "/admin/posts/new")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    page.get_by_label("Title").fill("   ")  # passes the browser's "required", not the server
    page.get_by_label("Body").fill("Half a thought about Cannon Fodder.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("alert").first).to_contain_text("Give the post a title.")
    expect(page.get_by_label("Body")).to_have_value("Half a thought about Cannon Fodder.")
    assert_accessible(page)


def test_admin_manages_roles_on_the_users_page(staff_page, live_server, make_user):
    page = staff_page
    make_user(Role.ADMIN, email="admin@example.org", name="Admin")
    make_user(Role.READER, email="rita@example.org", name="Rita Reader")
    _sign_in(page, live_server.url, "admin@example.org", "/admin/users")
    page.get_by_label("Role of Rita Reader").select_option("contributor")
    page.get_by_role("button", name="Change role of Rita Reader").click()
    expect(page.get_by_text("Rita Reader is now contributor.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "admin-users")

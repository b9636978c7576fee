"""The editor's date hint reads the field in the site's zone, as the server does, and tells the
writer when that is on their own clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from blog.models import Role
from tests.conftest import PASSWORD


@pytest.fixture
def new_york_page(browser: Any) -> Iterator[Any]:
    """A writer whose computer is in New York (the site is in Paris)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="America/New_York", locale="en-US"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.mark.settings(SITE_TIMEZONE="Europe/Paris")
def test_nine_in_paris_is_three_in_new_york(new_york_page, live_server, make_user):
    page = new_york_page
    make_user(Role.AUTHOR, email="ann@example.org", name="Ann")
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("ann@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/"))
    page.goto(live_server.url + "/admin/posts/new")

    page.get_by_label("Publish date (Europe/Paris)").fill("2099-01-15T09:00")
    expect(page.locator("[data-editor-when]")).to_have_text(
        re.compile(r"Scheduled: goes out Jan 15, 2099, 3:00\sAM your time\.")
    )
    # Summer: Paris and New York are both on summer time, still six hours apart.
    page.get_by_label("Publish date (Europe/Paris)").fill("2099-07-15T09:00")
    expect(page.locator("[data-editor-when]")).to_have_text(re.compile(r"Jul 15, 2099, 3:00\sAM your time"))

"""After a refused submit of a long form the page opens at the error summary, with the focus on
it, and a link in it puts the focus in its field."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from blog.models import Role
from tests.conftest import PASSWORD


def test_a_refused_work_form_opens_at_its_summary_and_its_links_reach_the_fields(page: Any, live_server, make_user):
    make_user(Role.EDITOR, email="editor@example.org", name="Editor")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("editor@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(live_server.url + "/admin/works/new")
    page.locator("#title").fill("Paprika")
    runtime = page.locator("#runtime_minutes")
    runtime.fill("-90")
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert page.locator("#runtime_minutes").input_value() == "-90"
    summary.get_by_role("link").first.click()
    expect(page.locator("#runtime_minutes")).to_be_focused()
    expect(page.locator("#runtime_minutes")).to_be_in_viewport()

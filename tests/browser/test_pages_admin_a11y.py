"""The page editor with a moved page's old address, its revisions and a comparison, and the People
list by family name: what this session's work added to staff and readers' pages, checked by axe in
both colour schemes, as a person uses them (signed in through the form, saved through the editor)."""

from __future__ import annotations

from playwright.sync_api import expect

from blog.extensions import db
from blog.models import PageStatus, Role
from blog.pages.editing import PageInput, write_page
from blog.reviews.editing import PersonInput, save_person
from tests.browser.test_accessibility import assert_accessible, scheme_page  # noqa: F401 (a fixture)
from tests.conftest import PASSWORD


def test_a_moved_and_revised_page_and_its_revisions_are_accessible(scheme_page, live_server, make_user):  # noqa: F811
    page = scheme_page
    admin = make_user(Role.ADMIN, email="pages.admin@example.org", name="Ada")
    about = write_page(admin, PageInput(title="About me", body_md="I write about films.", status=PageStatus.PUBLISHED))
    for name in ("Satoshi Kon", "Yoko Kanno", "Koji Morimoto"):
        save_person(admin, PersonInput(name=name))
    db.session.commit()

    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("pages.admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + f"/admin/pages/{about.id}/edit")
    page.get_by_label("Address").fill("about")
    page.locator("#body_md").fill("I write about films and anime.")
    page.get_by_role("button", name="Save page").click()
    expect(page.get_by_text("Page updated. It is now at /about/, and /about-me/ leads there.")).to_be_visible()
    expect(page.locator(".old-addresses")).to_contain_text("/about-me/")
    assert_accessible(page)

    page.get_by_role("link", name="Revisions (2)").click()
    expect(page.get_by_role("heading", name="Revisions of “About me”")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Compare with current").click()
    expect(page.locator("ins, .diff-add").first).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + "/about-me/")
    assert page.url.endswith("/about/")
    page.goto(live_server.url + "/people/")
    names = page.locator("main .people-list a").all_inner_texts()
    assert names[:3] == ["Yoko Kanno", "Satoshi Kon", "Koji Morimoto"]
    assert_accessible(page)

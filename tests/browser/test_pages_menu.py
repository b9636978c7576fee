"""Pages in the site menu: on a 390 px phone the header stays as compact as it was without them,
and every menu link is still reached by a finger or by the keyboard, in light and dark mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from blog.extensions import db
from blog.models import PageStatus, Role
from blog.pages.editing import PageInput, write_page
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import assert_accessible

PHONE = {"width": 390, "height": 844}
MENU = [("About", 1), ("How I score", 2), ("Review policy", 3), ("Contact", 4)]
CONTACT = (
    "Comments are open on every review, and I read them all. Spotted a mistake in a credit? Every work "
    "page has a *Suggest a correction* link.\n\n# Anything else\n\nLeave a note under the newest post "
    "and I’ll get back to you. Later!"
)


@pytest.fixture(params=["light", "dark"])
def phone(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A 390 × 844 phone in one colour scheme (the CSP bypassed only so axe can be injected)."""
    context = browser.new_context(viewport=PHONE, color_scheme=request.param, bypass_csp=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.scheme = request.param
    yield page
    context.close()


def _header_height(page: Any) -> float:
    page.evaluate("() => document.fonts.ready")
    box = page.locator(".site-header").bounding_box()
    assert box is not None
    return float(box["height"])


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def test_on_a_phone_menu_pages_leave_the_header_as_compact_and_every_link_reachable(
    phone, live_server, make_user, make_post
):
    make_post("Magnetic Rose", "A space opera in one act.")
    phone.goto(live_server.url + "/")
    without_pages = _header_height(phone)
    assert without_pages < 175  # name, one row of links, search (the footer carries the tagline)
    assert not phone.locator(".site-tagline").is_visible()
    assert phone.locator(".site-footer").get_by_text(phone.locator(".site-tagline").text_content()).count() == 1

    admin = make_user(Role.ADMIN)
    for title, order in MENU:
        body = CONTACT if title == "Contact" else f"What {title.lower()} means on this site."
        data = PageInput(title=title, body_md=body, status=PageStatus.PUBLISHED, show_in_menu=True, menu_order=order)
        write_page(admin, data)
    db.session.commit()

    phone.goto(live_server.url + "/")
    assert abs(_header_height(phone) - without_pages) < 1, "menu pages made the phone's header taller"
    row = phone.locator(".site-nav .nav-links")
    links = row.locator("a")
    assert links.all_inner_texts()[-4:] == [title for title, _ in MENU]
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways page
    # The row scrolls, the page does not: the last link starts out of sight...
    last = row.get_by_role("link", name="Contact")
    assert not _inside(last.bounding_box(), row.bounding_box())

    # ...and the keyboard reaches every link, each scrolled into the row's view as it gets the focus.
    phone.locator("body").focus()
    seen = []
    for _ in range(20):
        phone.keyboard.press("Tab")
        focused = phone.evaluate("() => document.activeElement.textContent.trim()")
        if focused in dict(MENU):
            assert _inside(phone.locator(":focus").bounding_box(), row.bounding_box()), focused
            seen.append(focused)
        if focused == "Contact":
            break
    assert seen == [title for title, _ in MENU]
    phone.keyboard.press("Enter")
    phone.wait_for_url(live_server.url + "/contact/")

    # On the page it links to, that link is marked and in view without scrolling the row by hand.
    current = phone.locator('.site-nav .nav-links a[aria-current="page"]')
    assert current.inner_text() == "Contact"
    assert _inside(current.bounding_box(), phone.locator(".site-nav .nav-links").bounding_box())
    assert abs(_header_height(phone) - without_pages) < 1
    assert_accessible(phone)
    if phone.scheme == "dark":
        screenshot(phone, "page-phone-dark", full_page=False)

    # A finger swipe works too: back at the start of the row, Home is in view.
    row = phone.locator(".site-nav .nav-links")
    row.evaluate("el => el.scrollTo({left: 0})")
    home = row.get_by_role("link", name="Home")
    assert _inside(home.bounding_box(), row.bounding_box())

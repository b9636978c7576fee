"""The theme as a reader sees it: home, a review, the same review on a phone and in dark mode.

Each test saves a screenshot to ``docs/screenshots/`` (shown in the README) and checks what a
reader would notice: the vendored fonts load, nothing overflows a phone's width, dark mode
really is dark.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot

PHONE = {"width": 390, "height": 844}


def _luminance(page: Any, selector: str = "body") -> float:
    """Relative brightness (0 black .. 1 white) of an element's computed background colour."""
    rgb = page.evaluate(
        "(s) => getComputedStyle(document.querySelector(s)).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)",
        selector,
    )
    return sum(rgb) / (3 * 255)


def _wait_for_pictures_and_fonts(page: Any) -> None:
    """Load and decode every picture (lazy ones too) so a full-page screenshot shows them."""
    page.evaluate("() => document.fonts.ready")
    page.evaluate(
        """() => Promise.all(Array.from(document.images).map((img) => {
            img.loading = 'eager';
            img.decoding = 'sync';
            return img.decode().catch(() => null);
        }))"""
    )


def test_reader_sees_the_home_page_with_review_cards(page, live_server, review_site):
    page.goto(live_server.url + "/")
    _wait_for_pictures_and_fonts(page)
    expect(page.get_by_role("link", name=review_site.post.title)).to_be_visible()
    assert page.evaluate("() => document.fonts.check('1em \"Source Serif 4\"')")
    screenshot(page, "home")


def test_reader_sees_a_review_with_its_pictures_and_series(page, live_server, review_site):
    page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
    _wait_for_pictures_and_fonts(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(review_site.post.title)
    expect(page.locator(".post-body figure figcaption").first).to_contain_text("Miguel (left)")
    broken = page.evaluate("() => Array.from(document.images).filter((i) => !i.naturalWidth).map((i) => i.src)")
    assert broken == []
    screenshot(page, "post")


def test_reader_on_a_phone_reads_a_review_without_sideways_scrolling(browser, live_server, review_site):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
        _wait_for_pictures_and_fonts(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        body_size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.post-body p')).fontSize)")
        assert body_size >= 16
        screenshot(page, "post-phone")
    finally:
        context.close()


def test_reader_with_dark_mode_gets_a_dark_page(browser, live_server, review_site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
        _wait_for_pictures_and_fonts(page)
        assert _luminance(page) < 0.2
        screenshot(page, "post-dark")
    finally:
        context.close()

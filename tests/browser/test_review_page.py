"""A reader opens the seed review in a real browser: the infobox, the score, then the work page."""

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.reviews_support import seed_memories


def test_reader_sees_the_review_infobox_and_the_work_page(page, live_server, make_post):
    post = seed_memories(make_post)
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    infobox = page.locator("aside.review-infobox")
    expect(infobox).to_be_visible()
    expect(infobox.get_by_role("heading", name="General Information")).to_be_visible()
    expect(infobox.locator(".score")).to_have_attribute("aria-label", "Score: 9 out of 10")
    expect(infobox).to_contain_text("Magnetic Rose")
    expect(infobox).to_contain_text("Dec. 23, 1995")
    expect(infobox).to_contain_text("Koji Morimoto")
    infobox.scroll_into_view_if_needed()
    infobox.screenshot(path=str(screenshot(page, "review-infobox", full_page=False)))

    page.get_by_role("link", name="Memories", exact=True).first.click()
    expect(page).to_have_url(f"{live_server.url}/works/memories/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Memories")
    expect(page.locator(".credits")).to_contain_text("Satoshi Kon")
    expect(page.get_by_role("heading", name="Top Editors")).to_be_visible()
    # The infobox's sub-heading ranks below its title, as h3 below h2.
    sizes = page.evaluate(
        """() => ['#general-title', '.work-infobox h3'].map(
            (s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"""
    )
    assert sizes[1] < sizes[0], sizes
    # A visitor is offered the readers' sign-in to rate the work from its own page.
    expect(page.locator(".rating-signin")).to_contain_text("Sign in to give your own score.")
    screenshot(page, "work-page")

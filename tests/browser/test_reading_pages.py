"""A reader finds their way around in a real browser: series box, archives, search and the 404 page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from blog.models import PostStatus, Role
from tests.browser.conftest import screenshot


@pytest.fixture
def series_site(make_post, make_user):
    author = make_user(Role.AUTHOR, name="Mina Kovač", bio="Writes about anime and old films.")
    body = (
        "Memories is a three episode anthology produced by Katsuhiro Otomo.\n\n"
        "# Story\n\nA salvage crew answers a distress call from a derelict station."
    )
    first = make_post(
        "Fond Memories Part 1: Magnetic Rose",
        body,
        author=author,
        tags=["anime", "Satoshi Kon"],
        categories=["Anime"],
        series_title="Fond Memories",
        series_part=1,
        published_at=datetime(2024, 3, 5, 9, 0, tzinfo=UTC),
    )
    second = make_post(
        "Fond Memories Part 2: Stink Bomb",
        "A lab worker swallows the wrong pills and becomes a walking weapon of mass destruction.",
        author=author,
        tags=["anime"],
        categories=["Anime"],
        series_title="Fond Memories",
        series_part=2,
        published_at=datetime(2024, 4, 2, 9, 0, tzinfo=UTC),
    )
    make_post(
        "Fond Memories Part 3: Cannon Fodder",
        "A city that fires cannons at an enemy nobody has seen.",
        author=author,
        series_title="Fond Memories",
        series_part=3,
        status=PostStatus.DRAFT,
    )
    return first, second


def test_reader_follows_a_series_from_part_to_part(page, live_server, series_site):
    first, second = series_site
    page.goto(live_server.url + f"/posts/{first.slug}/")
    box = page.locator(".series-box")
    expect(box).to_contain_text("Part 1 of 2")
    expect(box.get_by_role("link", name="Fond Memories", exact=True)).to_be_visible()
    expect(page.locator(".series-next")).to_contain_text("Stink Bomb")
    page.locator(".series-next").click()
    expect(page).to_have_url(live_server.url + f"/posts/{second.slug}/")
    expect(page.locator(".series-box")).to_contain_text("Part 2 of 2")
    page.locator(".series-box").get_by_role("link", name="Fond Memories", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fond Memories")
    screenshot(page, "series")


def test_reader_browses_the_archives_to_a_tag(page, live_server, series_site):
    page.goto(live_server.url + "/archives/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Archives")
    screenshot(page, "archives")
    page.get_by_role("link", name="April").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("April 2024")
    page.get_by_role("link", name="anime").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("anime")
    expect(page.locator(".post-card")).to_have_count(2)
    screenshot(page, "tag")


def test_reader_searches_from_the_header(page, live_server, series_site):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").first.fill("salvage crew")
    page.keyboard.press("Enter")
    expect(page.locator(".search-summary")).to_have_text("1 result for “salvage crew”")
    expect(page.locator(".post-card mark").first).to_have_text("salvage")
    screenshot(page, "search")


def test_lost_reader_gets_a_helpful_404(page, live_server, series_site):
    response = page.goto(live_server.url + "/posts/not-here/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn’t find that page")
    page.get_by_label("Search the reviews instead").fill("stink")
    page.get_by_label("Search the reviews instead").press("Enter")
    expect(page.locator(".post-card-title")).to_have_text("Fond Memories Part 2: Stink Bomb")
    page.goto(live_server.url + "/posts/not-here/")
    screenshot(page, "not-found")


def test_the_series_box_numbers_each_part_by_its_own_number(page, live_server, make_post, make_user):
    """ "Part 4 of 4" sat above badges reading 1 and 2: the badges counted the list, not the parts."""
    author = make_user("author")
    make_post("Memories Part 1: Magnetic Rose", author=author, series_title="Fond Memories", series_part=1)
    last = make_post("Memories Part 4: Cannon Fodder", author=author, series_title="Fond Memories", series_part=4)
    page.goto(f"{live_server.url}/posts/{last.slug}/")
    expect(page.locator(".series-position")).to_have_text("Part 4 of 4")
    badges = page.locator(".series-parts li").evaluate_all(
        "items => items.map(li => getComputedStyle(li, '::before').content)"
    )
    assert badges == ['"1"', '"4"']

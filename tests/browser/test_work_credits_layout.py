"""The work page's credits on a 390 px phone: one row per role and per character, and every row's
label and names starting at the same x, with nothing wider than the screen (a QA walk-through saw
three "Director" rows apart and roles wrapping to different x positions)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from blog.extensions import db
from blog.models import Role
from blog.reviews.editing import CreditInput, save_work, snapshot_of, snapshot_to_input
from tests.reviews_support import seed_memories, work

PHONE = {"width": 390, "height": 844}


def _lefts(page: Any, selector: str) -> set[float]:
    return {round(box["x"]) for box in page.locator(selector).evaluate_all(_BOXES)}


_BOXES = "els => els.map(e => { const r = e.getBoundingClientRect(); return {x: r.left, w: r.width}; })"


def test_on_a_phone_credits_line_up_by_role_and_by_character(browser, live_server, make_user, make_post, tmp_path):
    seed_memories(make_post)
    rose = work("magnetic-rose")
    data = snapshot_to_input(snapshot_of(rose))
    data.credits.append(CreditInput("Mamoru Yamaguchi", "Voice Actor", character="Heintz Beckner"))
    save_work(make_user(Role.EDITOR), data, rose, parent=rose.parent, position=rose.position)
    db.session.commit()
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/works/memories/")
        crew = page.locator("dl.credits")
        directors = crew.locator(".credit-group").filter(has=page.locator("dt", has_text=re.compile("^Director$")))
        expect(directors).to_have_count(1)
        expect(directors.locator("a")).to_have_count(3)
        assert len(_lefts(page, "dl.credits dt")) == 1, "roles start at one x"
        assert len(_lefts(page, "dl.credits dd")) == 1, "names start at one x"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(tmp_path / "memories-phone.png"), full_page=True)

        page.goto(f"{live_server.url}/works/magnetic-rose/")
        cast = page.locator("dl.cast-list")
        expect(page.get_by_role("heading", name="Characters & Voice Actors")).to_be_visible()
        expect(cast.locator(".credit-group", has_text="Heintz Beckner")).to_contain_text("Mamoru Yamaguchi")
        assert _lefts(page, "dl.cast-list dd") == _lefts(page, "dl.credits dd"), "cast and crew columns align"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(tmp_path / "magnetic-rose-phone.png"), full_page=True)
    finally:
        context.close()


def test_the_key_facts_come_under_the_title_on_a_phone_and_beside_the_text_on_a_desktop(
    browser, live_server, make_post
):
    """The General Information box sat after the synopsis, parts, reviews and credits on a phone
    (about 4,400 px down): the facts a reader came for come first."""
    seed_memories(make_post)
    for viewport, beside in ((PHONE, False), ({"width": 1280, "height": 900}, True)):
        context = browser.new_context(viewport=viewport)
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/works/memories/")
            facts = page.get_by_role("heading", name="General Information").bounding_box()
            synopsis = page.get_by_role("heading", name="Synopsis").bounding_box()
            assert facts and synopsis
            if beside:
                assert facts["x"] > synopsis["x"] + synopsis["width"] / 2 and abs(facts["y"] - synopsis["y"]) < 40
            else:
                assert facts["y"] < synopsis["y"] and facts["y"] < 700, facts
        finally:
            context.close()

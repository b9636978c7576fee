"""The comment moderation queue on a phone, spoilers shown to moderators, and the report form.

From a UX audit: at 390px the queue was wider than the screen with a comment column one word
wide; moderators saw spoilers as black bars; the report form had its radios off their labels, a
font of its own and no way back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from blog.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False, GRAVATAR=False)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TABS = ("pending", "approved", "spam", "trash")


@pytest.fixture
def queue(make_user: Any, make_post: Any, make_comment: Any) -> dict[str, Any]:
    """An admin, a post, and one comment in each tab; the approved one has both kinds of spoiler."""
    admin = make_user(Role.ADMIN, email="admin@example.org", name="Admin")
    post = make_post("Fond Memories Part 1: Magnetic Rose", "Out of all three shorts.", author=admin)
    words = "The opera scenes are haunting and the score by Yoko Kanno carries the whole short. " * 3
    comments = {
        "pending": make_comment(
            post, words, status="pending", name="Jamie Reader", email="jamie.reader.long.address@example.org"
        ),
        "approved": make_comment(
            post,
            "Great write-up! The *Tosca* motif still gets me. ||Eva never left the station||\n\n"
            ":::spoiler The ending\nThe ship was her memory all along.\n:::\n",
            name="Ann",
        ),
        "spam": make_comment(post, "Buy cheap watches at our shop, best prices " * 3, status="spam"),
        "trash": make_comment(post, words, status="trash", name="Bea"),
    }
    return {"admin": admin, "post": post, "comments": comments}


def _staff_context(browser: Any, base: str, email: str, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/admin/")
    return context


@pytest.fixture
def phone_admin(browser: Any, live_server: Any, queue: dict[str, Any]) -> Iterator[Any]:
    context = _staff_context(browser, live_server.url, queue["admin"].email, viewport=PHONE)
    yield context.pages[0]
    context.close()


def _width(page: Any, selector: str) -> float:
    return float(page.locator(selector).first.evaluate("el => el.getBoundingClientRect().width"))


def test_moderation_queue_fits_a_phone_in_every_tab(browser, live_server, queue):
    for scheme in ("light", "dark"):
        context = _staff_context(browser, live_server.url, queue["admin"].email, viewport=PHONE, color_scheme=scheme)
        page = context.pages[0]
        for tab in TABS:
            comment = queue["comments"][tab]
            page.goto(f"{live_server.url}/admin/comments?status={tab}")
            row = page.locator(f"#mod-comment-{comment.id}")
            expect(row).to_be_visible()
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{tab} ({scheme}): the page is {scroll}px wide on a {inner}px screen"
            text_width = _width(page, f"#mod-comment-{comment.id} .comment-content")
            assert text_width >= 250, f"{tab} ({scheme}): the comment text is {text_width}px wide"
            # Everything a moderator needs is on the screen: the row's checkbox and its buttons.
            for control in (row.locator('input[name="ids"]'), row.locator(".moderation-row-actions > *").first):
                box = control.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= inner
        # Bulk selection still works: "Select all" is a visible, tappable label.
        page.goto(f"{live_server.url}/admin/comments?status=pending")
        page.get_by_text("Select all", exact=True).click()
        expect(page.locator("#select-all")).to_be_checked()
        expect(page.locator('input[name="ids"]').first).to_be_checked()
        context.close()


def test_moderation_queue_keeps_its_table_on_a_desktop(browser, live_server, queue):
    context = _staff_context(browser, live_server.url, queue["admin"].email, viewport=DESKTOP)
    admin_page = context.pages[0]
    admin_page.goto(f"{live_server.url}/admin/comments?status=pending")
    assert admin_page.locator(".moderation-table").evaluate("el => getComputedStyle(el).display") == "table"
    expect(admin_page.get_by_role("columnheader", name="Comment", exact=True)).to_be_visible()
    expect(admin_page.get_by_text("Select all", exact=True)).to_be_hidden()
    context.close()


def test_a_long_code_line_scrolls_in_its_box_and_the_queue_fits_a_desktop(browser, live_server, queue, make_comment):
    """A comment with a long line of code made the table wider than the screen, cutting off the
    "In response to" column; the code box now scrolls, on its own, with the keyboard too."""
    code = make_comment(queue["post"], "```\n" + "const x = " + "a_long_identifier + " * 20 + "1;\n```", name="Coder")
    context = _staff_context(browser, live_server.url, queue["admin"].email, viewport=DESKTOP)
    page = context.pages[0]
    page.goto(f"{live_server.url}/admin/comments?status=approved")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"the queue is {scroll}px wide on a {inner}px screen"
    expect(page.get_by_role("columnheader", name="In response to")).to_be_in_viewport()
    pre = page.locator(f"#mod-comment-{code.id} pre")
    assert pre.evaluate("el => el.scrollWidth > el.clientWidth")  # it scrolls inside its box
    expect(pre).to_have_attribute("tabindex", "0")  # and a keyboard can scroll it (axe: scrollable-region-focusable)
    context.close()


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_trash_a_comment_then_undo_brings_it_back_to_pending(browser, live_server, queue):
    comment = queue["comments"]["pending"]
    context = _staff_context(browser, live_server.url, queue["admin"].email, viewport=DESKTOP)
    page = context.pages[0]
    page.goto(f"{live_server.url}/admin/comments?status=pending")
    row = page.locator(f"#mod-comment-{comment.id}")
    row.get_by_role("button", name="Trash").click()
    expect(page.locator(".flashes")).to_contain_text("1 comment moved to the trash.")
    expect(row).to_have_count(0)
    undo = page.locator(".flashes").get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    undo.click()
    expect(page.locator(".flashes")).to_contain_text("Undone: 1 comment put back.")
    expect(page).to_have_url(re.compile(r"/admin/comments\?status=pending(&page=1)?$"))
    expect(row).to_be_visible()
    expect(row.locator(".status-pill")).to_have_text("Pending")
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)  # nothing left to undo
    context.close()


def _spoiler_state(page: Any, selector: str) -> dict[str, Any]:
    return page.locator(selector).first.evaluate(
        """el => { const s = getComputedStyle(el);
                   return {color: s.color, background: s.backgroundColor,
                           label: getComputedStyle(el, '::before').content}; }"""
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_moderators_read_spoilers_the_post_page_still_hides_them(browser, live_server, queue, viewport):
    comment = queue["comments"]["approved"]
    context = _staff_context(browser, live_server.url, queue["admin"].email, viewport=viewport)
    page = context.pages[0]
    page.goto(f"{live_server.url}/admin/comments?status=approved")
    row = f"#mod-comment-{comment.id}"
    inline = _spoiler_state(page, f"{row} span.spoiler")
    assert inline["color"] != inline["background"], "the inline spoiler's text is the colour of its background"
    assert "spoiler" in inline["label"].lower()  # marked as a spoiler, not just shown
    expect(page.locator(f"{row} span.spoiler")).to_have_text("Eva never left the station")
    expect(page.locator(f"{row} details.spoiler")).to_have_attribute("open", "")
    expect(page.get_by_text("The ship was her memory all along.")).to_be_visible()

    # Readers of the post still have to ask for them.
    page.goto(f"{live_server.url}/posts/{queue['post'].slug}/")
    public = _spoiler_state(page, f"#comment-{comment.id} span.spoiler")
    assert public["color"] == public["background"]
    expect(page.get_by_text("The ship was her memory all along.")).to_be_hidden()
    context.close()


def test_the_ban_page_shows_the_comment_whole_to_the_moderator(browser, live_server, queue):
    comment = queue["comments"]["approved"]
    context = _staff_context(browser, live_server.url, queue["admin"].email, viewport=DESKTOP)
    page = context.pages[0]
    page.goto(f"{live_server.url}/comments/{comment.id}/ban")
    inline = _spoiler_state(page, "blockquote span.spoiler")
    assert inline["color"] != inline["background"]
    expect(page.get_by_text("The ship was her memory all along.")).to_be_visible()
    context.close()


def _radio_and_label_boxes(page: Any) -> list[dict[str, float]]:
    # Measured once the web fonts are in: with the fallback font a first line sits a pixel or
    # two apart, and on a busy machine the fonts can still be loading after a resize.
    page.evaluate("() => document.fonts.ready")
    return page.evaluate(
        """() => [...document.querySelectorAll('input[type=radio][name=reason]')].map(radio => {
             const label = document.querySelector(`label[for="${radio.id}"]`);
             const r = radio.getBoundingClientRect(), l = label.getBoundingClientRect();
             const first = label.getClientRects()[0];
             const line = parseFloat(getComputedStyle(label).lineHeight);
             return {radioTop: r.top, radioBottom: r.bottom, radioRight: r.right,
                     radioMiddle: (r.top + r.bottom) / 2, labelLeft: l.left,
                     labelTop: first.top, firstLineMiddle: first.top + line / 2};
           })"""
    )


@pytest.mark.settings(WTF_CSRF_ENABLED=True, COMMENTS_MODERATION="all-approved")
def test_report_form_radios_sit_beside_their_labels_with_a_cancel_link(browser, live_server, queue):
    comment = queue["comments"]["approved"]
    post = queue["post"]
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    form_font = page.get_by_label("Email").evaluate("el => getComputedStyle(el.labels[0]).fontFamily")

    page.goto(f"{live_server.url}/posts/{post.slug}/")
    page.locator(f"#comment-{comment.id}").get_by_role("link", name="Report").first.click()
    expect(page).to_have_url(f"{live_server.url}/comments/{comment.id}/report")
    cancel = page.get_by_role("link", name="Cancel")
    assert cancel.get_attribute("href") == f"/comments/{comment.id}"

    for width in (1280, 390, 320):  # at 320px a label wraps: it must wrap beside its radio
        page.set_viewport_size({"width": width, "height": 900})
        boxes = _radio_and_label_boxes(page)
        assert len(boxes) == 5
        for box in boxes:
            assert box["labelLeft"] >= box["radioRight"], f"{width}px: a label runs under its radio"
            assert box["labelTop"] < box["radioBottom"], f"{width}px: a radio sits above its label"
            assert abs(box["radioMiddle"] - box["firstLineMiddle"]) <= 2, f"{width}px: {box}"
    assert page.locator('label[for="reason-spam"]').evaluate("el => getComputedStyle(el).fontFamily") == form_font

    # Cancel goes back to the comment on its post; the report itself still works (with CSRF).
    cancel.click()
    expect(page).to_have_url(f"{live_server.url}/posts/{post.slug}/#comment-{comment.id}")
    page.go_back()
    page.get_by_text("It is spam or advertising").click()
    expect(page.locator("#reason-spam")).to_be_checked()
    assert page.locator('input[name="csrf_token"]').first.get_attribute("value")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".flashes")).to_contain_text("the moderators will look at this comment")
    context.close()

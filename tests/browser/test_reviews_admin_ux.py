"""The reviews area's rough edges, in a real browser: taking part of a correction, adding a work
without leaving the editor, delete buttons well apart from Save, posters that keep their box while
loading, and a part's facts labelled alike on its page and in its review."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Post, Review, Role, Work
from blog.reviews.corrections import propose_correction
from blog.reviews.editing import save_work, snapshot_of, snapshot_to_input
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import PASSWORD
from tests.reviews_support import add_work, seed_memories, work

PHONE = {"width": 390, "height": 844}
BOX = "el => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; }"


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/"))


def test_staff_untick_one_change_of_a_correction_and_approve_the_rest(author_page, live_server, make_user, make_post):
    page = author_page
    seed_memories(make_post)
    reader = make_user(Role.READER, name="Obsidian609")
    memories = work("memories")
    proposed = snapshot_to_input(dict(snapshot_of(memories), runtime_minutes=113, content_rating="R15+"))
    correction = propose_correction(reader, memories, proposed, "The Japanese Blu-ray says 113 minutes.")
    db.session.commit()
    make_user(Role.EDITOR, email="ed@example.org", name="Mandatory Network")
    _sign_in(page, live_server.url, "ed@example.org")

    page.goto(f"{live_server.url}/admin/works/corrections/{correction.id}/")
    runtime = page.get_by_role("checkbox", name="Take Runtime (minutes)")
    rating = page.get_by_role("checkbox", name="Take Age rating")
    expect(runtime).to_be_checked()
    expect(rating).to_be_checked()
    page.locator("label[for=take-content_rating]").click()  # the field's name is the box's label
    expect(rating).not_to_be_checked()
    page.get_by_label("Note to the reader").fill("The rating on the sleeve is R.")
    assert_accessible(page)
    screenshot(page, "correction-review")
    page.get_by_role("button", name="Approve the ticked changes").click()
    expect(page.get_by_text("was partly accepted: taken runtime (minutes); not taken age rating.")).to_be_visible()
    db.session.expire_all()
    assert (work("memories").runtime_minutes, work("memories").content_rating) == (113, "R")


def test_on_a_phone_each_changed_field_reads_as_a_block(browser, live_server, make_user, make_post):
    seed_memories(make_post)
    memories = work("memories")
    proposed = snapshot_to_input(dict(snapshot_of(memories), runtime_minutes=113, content_rating="R15+"))
    correction = propose_correction(make_user(Role.READER), memories, proposed)
    db.session.commit()
    make_user(Role.EDITOR, email="ed@example.org")
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        _sign_in(page, live_server.url, "ed@example.org")
        page.goto(f"{live_server.url}/admin/works/corrections/{correction.id}/")
        old = page.locator("td.diff-old").first.evaluate(BOX)
        new = page.locator("td.diff-new").first.evaluate(BOX)
        assert new["y"] > old["y"] and old["w"] > 250, (old, new)  # one under the other, the full width
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
    finally:
        context.close()


def test_author_adds_a_work_from_the_editor_and_keeps_their_text(author_page, live_server, make_user, make_post):
    page = author_page
    seed_memories(make_post)
    make_user(Role.AUTHOR, email="ann@example.org", name="Ann")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    page.get_by_label("Title").fill("Akira at 35")
    page.get_by_label("Body").fill("Neo-Tokyo still burns.")
    page.get_by_label("Score").fill("9")

    link = page.get_by_role("button", name="Add a work")
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add a work")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("textbox", name="Name", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()

    link.click()
    dialog.get_by_role("button", name="Add and choose it").click()
    expect(dialog.get_by_role("alert")).to_have_text("Give the work a name.")
    dialog.get_by_role("textbox", name="Name", exact=True).fill("Akira")
    dialog.get_by_label("Original name").fill("アキラ")
    dialog.get_by_label("Kind").select_option("film")
    dialog.get_by_role("button", name="Add and choose it").click()
    expect(dialog).to_be_hidden()
    akira = db.session.scalar(select(Work).where(Work.slug == "akira"))
    assert akira is not None
    select_box = page.get_by_label("Reviewed work")
    expect(select_box).to_have_value(str(akira.id))
    expect(select_box).to_be_focused()
    expect(page.locator("[data-add-work-status]")).to_have_text(re.compile("Added “Akira” and chose it."))
    # Nothing left the page: same address, one tab, every word still there.
    assert page.url.endswith("/admin/posts/new") and len(page.context.pages) == 1
    expect(page.get_by_label("Title")).to_have_value("Akira at 35")
    expect(page.get_by_label("Body")).to_have_value("Neo-Tokyo still burns.")

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Post published.")).to_be_visible()
    post = db.session.scalar(select(Post).where(Post.title == "Akira at 35"))
    review = db.session.scalar(select(Review).where(Review.post_id == post.id))
    assert (review.work_id, review.score) == (akira.id, 9.0)


def test_delete_stands_apart_from_save_and_asks_first(author_page, live_server, make_user):
    page = author_page
    editor = make_user(Role.EDITOR, email="ed@example.org")
    paprika = add_work(editor, "Paprika")
    _sign_in(page, live_server.url, "ed@example.org")
    page.goto(f"{live_server.url}/admin/works/{paprika.id}/")
    save = page.get_by_role("button", name="Save", exact=True).evaluate(BOX)
    delete = page.get_by_role("link", name="Delete Paprika…")
    gap = delete.evaluate(BOX)["y"] - (save["y"] + save["h"])
    assert gap >= 48, gap  # well apart, not 4 px

    page.get_by_role("link", name="Cancel").focus()
    page.keyboard.press("Tab")
    expect(delete).to_be_focused()  # the next stop from the keyboard, and reached by it
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Delete a work")).to_be_visible()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert db.session.get(Work, paprika.id) is not None
    page.get_by_role("button", name="Delete permanently").click()
    expect(page.get_by_text("Paprika was deleted.")).to_be_visible()
    assert db.session.scalar(select(Work.id).where(Work.id == paprika.id)) is None


def _poster_png(author: Any) -> str:
    out = io.BytesIO()
    Image.new("RGB", (1000, 1500), (90, 20, 60)).save(out, "PNG")
    media = store_upload(out.getvalue(), "poster.png", author)
    db.session.commit()
    return f"/media/{media.key}"


def test_posters_hold_their_box_before_the_image_arrives(page, live_server, make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    rose = work("magnetic-rose")
    save_work(
        editor, snapshot_to_input(dict(snapshot_of(rose), poster_url=_poster_png(editor))), rose, parent=rose.parent
    )
    add_work(editor, "Remote", poster_url="https://images.example.org/remote.jpg")
    db.session.commit()
    page.route(re.compile(r".*(/media/|images\.example\.org).*"), lambda route: route.abort())  # never loads

    page.goto(f"{live_server.url}/works/magnetic-rose/")
    box = page.locator("img.poster").evaluate(BOX)
    assert (round(box["w"]), round(box["h"])) == (224, 336), box
    page.goto(f"{live_server.url}/works/remote/")
    box = page.locator("img.poster").evaluate(BOX)
    assert (round(box["w"]), round(box["h"])) == (224, 336), box  # a poster's 2:3, size unknown
    post = db.session.scalar(select(Post))
    page.goto(f"{live_server.url}/posts/{post.slug}/")
    box = page.locator(".review-infobox img.poster").evaluate(BOX)
    assert (round(box["w"]), round(box["h"])) == (136, 204), box


def test_a_parts_facts_read_the_same_and_fit_on_its_page_and_in_its_review(browser, live_server, make_post):
    post = seed_memories(make_post)
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        context = browser.new_context(viewport=viewport)
        try:
            page = context.new_page()
            seen = {}
            for url, box in (("/works/magnetic-rose/", ".work-infobox"), (f"/posts/{post.slug}/", ".review-infobox")):
                page.goto(live_server.url + url)
                genres = page.locator(f"{box} dt", has_text="Genres")
                expect(genres).to_contain_text("(from Memories)")
                value = genres.locator("xpath=following-sibling::dd[1]")
                assert value.evaluate(BOX)["w"] >= 150, (url, viewport)  # the label column leaves room
                seen[url] = page.locator(f"{box} dt", has_text="(from Memories)").all_inner_texts()
            assert len(set(map(tuple, seen.values()))) == 1, seen
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        finally:
            context.close()

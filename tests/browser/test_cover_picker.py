"""A post's cover in the editor: upload one (the body's uploader, its progress), or pick one from the
media library in a dialog, see its thumbnail, remove it; readers get the resized copies."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Post, Role
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_editor import _png, _sign_in

MEDIA_URL = re.compile(r"^/media/[0-9a-f]{32}\.png$")


def test_author_uploads_a_cover_sees_its_thumbnail_and_readers_get_its_copies(author_page, live_server, make_user):
    page = author_page
    make_user(Role.AUTHOR, email="ann@example.org", name="Ann")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    page.get_by_label("Title").fill("Magnetic Rose")
    page.get_by_label("Body").fill("A ghost story in orbit.")

    cover = page.locator("[data-cover]")
    expect(cover.locator("[data-cover-empty]")).to_be_visible()  # the placeholder while there is none
    cover.locator("[data-cover-upload-input]").set_input_files(
        {"name": "station.png", "mimeType": "image/png", "buffer": _png(3, "sea")}
    )
    expect(cover.get_by_text("Uploaded station.png.")).to_be_visible()  # the body uploader's progress line
    url_field = page.get_by_label("Cover image URL")
    expect(url_field).to_have_value(MEDIA_URL)
    thumb = cover.locator("[data-cover-preview] img")
    expect(thumb).to_be_visible()
    expect(thumb).to_have_attribute("src", re.compile(r"-640\.png$"))
    expect(cover.locator("[data-cover-empty]")).to_be_hidden()
    description = page.get_by_label("Cover image description")
    expect(description).to_be_focused()  # no description in the library: the writer is asked for one
    description.fill("The derelict station")
    assert_accessible(page)

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Post published.")).to_be_visible()
    saved_url = url_field.input_value()
    assert MEDIA_URL.match(saved_url)
    expect(page.locator("[data-cover-preview] img")).to_be_visible()  # the saved cover, on the page again

    # A file that is not an image: the uploader's own message, and the cover stays as it was.
    cover.locator("[data-cover-upload-input]").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"this is a text file, not a picture"}
    )
    expect(cover.locator("[role=alert]")).to_contain_text("“notes.png” was not uploaded: That file is not an image")
    expect(url_field).to_have_value(saved_url)

    page.get_by_role("link", name="View post").first.click()
    image = page.locator(".post-cover img")
    expect(image).to_have_attribute("alt", "The derelict station")
    expect(image).to_have_attribute("srcset", re.compile(r"-640\.png 640w, .*-1280\.png 1280w, .*\.png 1600w$"))
    expect(image).to_have_attribute("sizes", re.compile(r"\S"))
    page.goto(live_server.url + "/")
    expect(page.locator(".post-card-cover img")).to_have_attribute("srcset", re.compile(r"-1280\.png 1280w"))


@pytest.mark.settings(MEDIA_LIBRARY_PAGE_SIZE=2)
def test_author_picks_a_library_image_with_the_keyboard_then_removes_it(author_page, live_server, make_user):
    page = author_page
    ann = make_user(Role.AUTHOR, email="ann@example.org", name="Ann")
    oldest = store_upload(_png(11, "opera"), "opera.png", ann)
    oldest.alt_text = "The opera house in the rose"
    store_upload(_png(12, "dusk"), "dusk.png", ann)
    store_upload(_png(13, "neon"), "neon.png", ann)
    db.session.commit()
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    page.get_by_label("Title").fill("Cannon Fodder")
    page.get_by_label("Body").fill("A town that only fires cannons.")

    opener = page.get_by_role("button", name="Choose from library")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Choose a cover image")
    expect(dialog).to_be_visible()
    choices = dialog.locator("[data-cover-choice]")
    expect(choices).to_have_count(2)  # newest first, a page at a time
    expect(choices.first.locator("img")).to_have_attribute("alt", "neon.png")
    expect(choices.first.locator("img")).to_have_attribute("src", re.compile(r"-640\.png$"))
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="More").click()
    expect(choices).to_have_count(3)
    expect(dialog.get_by_role("button", name="More")).to_be_hidden()
    chosen = dialog.get_by_role("button", name="The opera house in the rose")
    expect(chosen).to_be_focused()  # the first of the new page
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()

    expect(page.get_by_label("Cover image URL")).to_have_value(f"/media/{oldest.key}")
    expect(page.get_by_label("Cover image description")).to_have_value("The opera house in the rose")
    expect(page.locator("[data-cover-preview] img")).to_have_attribute("src", f"/media/{oldest.variant_key(640)}")

    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_label("Cover image URL")).to_have_value("")
    expect(page.get_by_label("Cover image description")).to_have_value("")
    expect(page.locator("[data-cover-empty]")).to_be_visible()

    opener.click()
    dialog.get_by_role("button", name="neon.png").click()  # the name stands in for a missing description
    expect(page.get_by_label("Cover image description")).to_have_value("")
    expect(page.get_by_label("Cover image description")).to_be_focused()
    page.get_by_label("Cover image description").fill("Neon rooftops")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    db.session.expire_all()
    saved = db.session.scalar(select(Post).where(Post.title == "Cannon Fodder"))
    assert saved.cover_image and MEDIA_URL.match(saved.cover_image)
    assert saved.cover_alt == "Neon rooftops" and "1280w" in saved.cover_srcset

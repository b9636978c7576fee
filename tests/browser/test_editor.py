"""The web editor in a real browser: write, upload, preview, publish; autosave and a two-tab conflict."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from blog.extensions import db
from blog.models import Post, Role
from blog.models.posts import PostAutosave
from blog.posts.editing import post_input_from, save_post
from tests.browser.conftest import screenshot
from tests.browser.pictures import still
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import PASSWORD

CAPTION = "Miguel (left) Heintz (right)"


def _png(seed: int = 7, palette: str = "rose", size: tuple[int, int] = (1600, 900)) -> bytes:
    """A real PNG, wide enough that the 640 and 1280 px copies are made."""
    picture = Image.open(io.BytesIO(still(seed, palette, size))).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/"))


def test_author_writes_uploads_a_captioned_image_previews_and_publishes(author_page, live_server, make_user, browser):
    page = author_page
    make_user(Role.AUTHOR, email="ann@example.org", name="Ann")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")

    page.get_by_label("Title").fill("Fond Memories Part 1: Magnetic Rose")
    body = page.get_by_label("Body")
    body.fill(
        "# Magnetic Rose\n\nOut of all three shorts, it cuts the deepest. "
        "Read [Satoshi Kon's notes](https://example.org/kon) first.\n\n"
    )
    body.press("Control+End")
    page.locator("[data-editor-image-input]").set_input_files(
        {"name": "heintz.png", "mimeType": "image/png", "buffer": _png()}
    )
    # The upload finishes in the background, inserts the image and selects the caption placeholder.
    expect(body).to_have_value(re.compile(r"!\[heintz\]\(/media/[0-9a-f]{32}\.png\)\nCaption: "))
    page.keyboard.type(CAPTION)
    body.press("Control+End")
    page.keyboard.type("The opera music swells as the rose opens.")
    page.get_by_label("Tags").fill("anime, Satoshi Kon")

    preview = page.locator("[data-editor-preview]")
    expect(preview.locator("h2")).to_have_text("Magnetic Rose")
    expect(preview.get_by_role("link", name=re.compile("Satoshi Kon.s notes"))).to_have_attribute(
        "href", "https://example.org/kon"
    )
    expect(preview.locator("figure figcaption")).to_have_text(CAPTION)
    expect(preview.locator("figure img")).to_have_attribute("srcset", re.compile(r"-640\.png 640w"))
    expect(page.locator("[data-word-count]")).not_to_have_text("0")
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, document.querySelector('.admin-header').offsetTop - 16)")
    screenshot(page, "editor", full_page=False)

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Post published.")).to_be_visible()

    # The same post on a phone: tabs instead of side by side.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=page.context.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(page.url)
    expect(phone_page.get_by_role("tab", name="Write")).to_be_visible()
    expect(phone_page.locator("#editor-preview")).to_be_hidden()
    phone_page.get_by_role("tab", name="Preview").click()
    expect(phone_page.locator("#editor-preview figure figcaption")).to_have_text(CAPTION)
    phone_page.get_by_role("tab", name="Write").click()
    screenshot(phone_page, "editor-phone", full_page=False)
    phone.close()

    page.get_by_role("link", name="View post").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fond Memories Part 1: Magnetic Rose")
    figure = page.locator(".post-body figure")
    expect(figure.locator("figcaption")).to_have_text(CAPTION)
    expect(figure.locator("img")).to_have_attribute("loading", "lazy")
    expect(figure.locator("img")).to_have_attribute("srcset", re.compile(r"-1280\.png 1280w"))
    expect(page.locator(".post-body h2", has_text="Magnetic Rose")).to_be_visible()


def test_autosave_then_a_save_from_elsewhere_offers_keep_mine(author_page, live_server, make_user, make_post):
    page = author_page
    ann = make_user(Role.AUTHOR, email="ann@example.org", name="Ann")
    post = make_post("Stink Bomb", "A lightweight comedy.", author=ann)
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(f"{live_server.url}/admin/posts/{post.id}/edit")

    body = page.get_by_label("Body")
    body.fill("A lightweight comedy about a very smelly researcher.")
    expect(page.locator("[data-editor-banner]")).to_contain_text(re.compile(r"Saved \d"))
    db.session.expire_all()
    autosave = db.session.scalar(select(PostAutosave).where(PostAutosave.post_id == post.id))
    assert autosave.body_md == "A lightweight comedy about a very smelly researcher."
    assert db.session.get(Post, post.id).body_md == "A lightweight comedy."  # readers still see the saved post

    # Another tab saves the post; this tab's next autosave must not overwrite it silently.
    other = db.session.get(Post, post.id)
    data = post_input_from(other)
    data.body_md = "Saved from the other tab."
    save_post(ann, data, other, base_version=other.version)
    db.session.commit()

    body.press("End")
    page.keyboard.type(" Typed after.")
    banner = page.locator("[data-editor-banner]")
    expect(banner).to_contain_text("saved elsewhere")
    expect(banner.get_by_role("button", name="Load their version")).to_be_visible()
    banner.get_by_role("button", name="Keep mine").click()
    expect(banner).to_contain_text(re.compile(r"Saved \d"))
    db.session.expire_all()
    autosave = db.session.scalar(select(PostAutosave).where(PostAutosave.post_id == post.id))
    assert autosave.body_md.endswith("Typed after.")
    # Publishing now ("Update") keeps mine, because the form carries the version it was shown.
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_text("Post updated.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_md.endswith("Typed after.")


def test_toolbar_and_shortcuts_format_the_selection_and_a_bad_upload_changes_nothing(
    author_page, live_server, make_user
):
    page = author_page
    make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    body = page.get_by_label("Body")
    body.fill("Magnetic Rose")
    body.press("Control+a")
    page.get_by_role("button", name="Bold").click()
    expect(body).to_have_value("**Magnetic Rose**")
    body.press("End")
    body.press("Enter")
    body.press("Enter")
    body.press("Control+i")
    page.keyboard.type("opera")
    expect(body).to_have_value("**Magnetic Rose**\n\n*opera*")
    body.press("Control+a")
    body.press("Control+Alt+2")
    expect(body).to_have_value("## **Magnetic Rose**\n\n## *opera*")

    before = body.input_value()
    page.locator("[data-editor-image-input]").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"this is a text file, not a picture"}
    )
    expect(page.locator("[data-editor-banner]")).to_contain_text(
        "“notes.png” was not uploaded: That file is not an image"
    )
    expect(body).to_have_value(before)


def test_offline_and_signed_out_the_text_stays_in_the_browser(author_page, live_server, make_user, make_post):
    page = author_page
    ann = make_user(Role.AUTHOR, email="ann@example.org")
    post = make_post("Cannon Fodder", "Grim.", author=ann)
    _sign_in(page, live_server.url, "ann@example.org")
    edit_url = f"{live_server.url}/admin/posts/{post.id}/edit"
    page.goto(edit_url)
    body = page.get_by_label("Body")
    banner = page.locator("[data-editor-banner]")

    page.context.set_offline(True)
    body.fill("Grim, and drawn as one long take.")
    expect(banner).to_contain_text("No connection. Your text is kept in this browser")
    page.context.set_offline(False)
    expect(banner).to_contain_text(re.compile(r"Saved \d"), timeout=15_000)

    page.context.clear_cookies()  # the session is gone
    body.fill("Grim, and drawn as one long take. The cannon fires at dusk.")
    expect(banner).to_contain_text("You are signed out")
    expect(banner.get_by_role("link", name="Sign in (opens a new tab)")).to_be_visible()

    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(edit_url)
    expect(body).to_have_value("Grim.")
    expect(banner).to_contain_text(re.compile(r"Restore your unsaved changes from \d"))
    banner.get_by_role("button", name="Restore").click()
    expect(body).to_have_value("Grim, and drawn as one long take. The cannon fires at dusk.")
    expect(banner).to_contain_text(re.compile(r"Saved \d"))

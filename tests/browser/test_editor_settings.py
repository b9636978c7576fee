"""The editor's settings beside the text: guarded and kept like the text, saved with Ctrl+S, and a
publish button that says what it will do with the date."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Post, PostStatus, Role
from blog.models.base import utcnow
from blog.models.posts import PostAutosave
from tests.browser.test_editor import _png, _sign_in

EDIT_URL = re.compile(r"/admin/posts/\d+/edit$")


def _leave_and_answer(page: Any, link: Any, accept: bool) -> list[str]:
    """Click ``link`` and answer a "Leave site?" prompt if one comes; the prompts seen."""
    seen: list[str] = []

    def answer(dialog: Any) -> None:
        seen.append(dialog.type)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    link.click()
    page.wait_for_timeout(500)
    page.remove_listener("dialog", answer)
    return seen


def test_changing_only_a_setting_asks_before_leaving(
    author_page: Any, live_server: Any, make_user: Any, make_post: Any
):
    page = author_page
    ann = make_user(Role.AUTHOR, email="ann@example.org")
    post = make_post("Memories", "Three shorts.", author=ann, tags=["anime"])
    _sign_in(page, live_server.url, "ann@example.org")
    edit = f"{live_server.url}/admin/posts/{post.id}/edit"

    page.goto(edit)
    view = page.get_by_role("link", name="View post")
    assert _leave_and_answer(page, view, accept=True) == []  # nothing changed: no question
    expect(page).to_have_url(re.compile(rf"/posts/{post.slug}/$"))

    for change in (
        lambda: page.get_by_label("Tags").fill("anime, Katsuhiro Otomo"),
        lambda: page.get_by_label("Part").fill("2"),
        lambda: page.get_by_label("Closed").check(),
        lambda: page.get_by_label(re.compile("Publish date")).fill("2099-01-15T09:00"),
        lambda: page.get_by_label("Cover image URL").fill("https://img.example/rose.jpg"),
    ):
        page.goto(edit)
        change()
        assert _leave_and_answer(page, view, accept=False) == ["beforeunload"]
        expect(page).to_have_url(edit)  # stayed, with the change still there


def test_a_lost_new_post_comes_back_with_every_setting(author_page: Any, live_server: Any, make_user: Any):
    page = author_page
    make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    typed = {
        "Title": "Magnetic Rose",
        "Body": "A ghost story in orbit.",
        "Excerpt": "Opera in space.",
        "Tags": "anime, Katsuhiro Otomo, comedy",
        "Categories": "Reviews",
        "Series name": "Memories",
        "Part": "1",
        "Cover image URL": "https://img.example/rose.jpg",
        "Cover image description": "A giant rose of metal",
    }
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label(re.compile("Publish date")).fill("2099-01-15T09:00")
    page.get_by_label("Closed").check()

    # The tab crashes (no chance to save); the author opens the editor again.
    again = page.context.new_page()
    page.close()
    again.goto(live_server.url + "/admin/posts/new")
    banner = again.locator("[data-editor-banner]")
    expect(banner).to_contain_text("Restore your unsaved changes")
    banner.get_by_role("button", name="Restore").click()
    for label, value in typed.items():
        expect(again.get_by_label(label, exact=True)).to_have_value(value)
    expect(again.get_by_label(re.compile("Publish date"))).to_have_value("2099-01-15T09:00")
    expect(again.get_by_label("Closed")).to_be_checked()
    expect(again.locator("[data-editor-when]")).to_contain_text("Scheduled: goes out")
    expect(again.get_by_role("button", name="Schedule", exact=True)).to_be_visible()
    expect(again.locator("[data-cover-preview] img")).to_have_attribute("src", "https://img.example/rose.jpg")


def test_ctrl_s_saves_a_new_post_as_a_draft_and_a_failed_save_keeps_everything(
    author_page: Any, live_server: Any, make_user: Any
):
    page = author_page
    make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    page.get_by_label("Title").fill("Stink Bomb")
    page.get_by_label("Body").fill("A very smelly researcher.")
    tags = page.get_by_label("Tags")
    tags.fill("anime, comedy")
    tags.press("Control+s")  # from any field, not only the body
    expect(page).to_have_url(EDIT_URL)
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    db.session.expire_all()
    saved = db.session.scalar(select(Post).where(Post.title == "Stink Bomb"))
    assert saved.status == PostStatus.DRAFT and sorted(t.name for t in saved.tags) == ["anime", "comedy"]
    expect(page.locator("[data-editor-banner]")).to_be_hidden()  # nothing left to offer back

    # Ctrl+S on the draft saves it again, settings and all.
    page.get_by_label("Series name").fill("Memories")
    page.get_by_label("Body").press("Control+s")
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Post, saved.id).series.title == "Memories"

    # Offline: nothing is sent, nothing leaves the page.
    page.goto(live_server.url + "/admin/posts/new")
    page.get_by_label("Title").fill("Cannon Fodder")
    page.get_by_label("Body").fill("A town that fires cannons.")
    page.context.set_offline(True)
    page.get_by_label("Body").press("Control+s")
    expect(page.locator("[data-editor-banner]")).to_contain_text("No connection, so the draft was not sent")
    expect(page.get_by_label("Title")).to_have_value("Cannon Fodder")
    page.context.set_offline(False)

    # The request fails on its way: the text is offered back on return.
    page.route(
        "**/admin/posts/new", lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )
    page.get_by_label("Tags").fill("grim")
    page.get_by_label("Body").press("Control+s")
    page.wait_for_timeout(500)
    page.unroute("**/admin/posts/new")
    page.goto(live_server.url + "/admin/posts/new")
    banner = page.locator("[data-editor-banner]")
    expect(banner).to_contain_text("Restore your unsaved changes")
    banner.get_by_role("button", name="Restore").click()
    expect(page.get_by_label("Title")).to_have_value("Cannon Fodder")
    expect(page.get_by_label("Body")).to_have_value("A town that fires cannons.")
    expect(page.get_by_label("Tags")).to_have_value("grim")
    db.session.expire_all()
    assert db.session.scalar(select(Post).where(Post.title == "Cannon Fodder")) is None


def test_ctrl_s_on_a_published_post_keeps_it_out_and_autosaves_the_text(
    author_page: Any, live_server: Any, make_user: Any, make_post: Any
):
    page = author_page
    ann = make_user(Role.AUTHOR, email="ann@example.org")
    post = make_post("Perfect Blue", "Who is the real Mima?", author=ann)
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(f"{live_server.url}/admin/posts/{post.id}/edit")
    body = page.get_by_label("Body")
    body.fill("Who is the real Mima? Nobody, and everybody.")
    body.press("Control+s")
    expect(page.locator("[data-editor-banner]")).to_contain_text(
        re.compile(r"Saved \d.*Readers see the changes once you press “Update”")
    )
    expect(page).to_have_url(re.compile(rf"/admin/posts/{post.id}/edit$"))
    db.session.expire_all()
    assert db.session.get(Post, post.id).is_live
    assert db.session.get(Post, post.id).body_md == "Who is the real Mima?"
    autosave = db.session.scalar(select(PostAutosave).where(PostAutosave.post_id == post.id))
    assert autosave.body_md.endswith("and everybody.")


def test_the_publish_button_follows_the_date_and_an_emptied_date_publishes_now(
    author_page: Any, live_server: Any, make_user: Any, make_post: Any
):
    page = author_page
    ann = make_user(Role.AUTHOR, email="ann@example.org")
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    date = page.get_by_label(re.compile("Publish date"))
    publish = page.locator("[data-editor-publish]")
    expect(publish).to_have_text("Publish")
    date.fill("2099-01-15T09:00")
    expect(publish).to_have_text("Schedule")
    date.fill("2001-01-15T09:00")
    expect(publish).to_have_text("Publish")
    date.fill("")
    expect(publish).to_have_text("Publish")

    post = make_post("Paprika", "Dreams leak out.", author=ann, published_at=utcnow() + timedelta(days=3))
    page.goto(f"{live_server.url}/admin/posts/{post.id}/edit")
    expect(publish).to_have_text("Update")
    expect(page.get_by_role("button", name="Publish now")).to_be_visible()
    date.fill("")
    expect(publish).to_have_text("Publish")
    expect(page.locator("[data-editor-when]")).to_have_text("Goes out as soon as it is published.")
    publish.click()
    expect(page.get_by_text("Post published.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Post, post.id).is_live
    expect(publish).to_have_text("Update")


def test_a_chosen_cover_asks_for_its_description_and_brings_the_librarys(
    author_page: Any, live_server: Any, make_user: Any
):
    page = author_page
    ann = make_user(Role.AUTHOR, email="ann@example.org")
    opera = store_upload(_png(11, "opera"), "opera.png", ann)
    opera.alt_text = "The opera house in the rose"
    db.session.commit()
    _sign_in(page, live_server.url, "ann@example.org")
    page.goto(live_server.url + "/admin/posts/new")
    description = page.get_by_label("Cover image description")

    page.get_by_role("button", name="Choose from library").click()
    page.get_by_role("dialog").get_by_role("button", name="The opera house in the rose").click()
    expect(description).to_have_value("The opera house in the rose")
    expect(description).to_be_focused()  # to check it, or to say more
    expect(page.locator(".cover-alt-ask")).to_have_count(1)

    page.get_by_role("button", name="Remove").click()
    url = page.get_by_label("Cover image URL")
    url.fill(f"/media/{opera.key}")  # typed, or picked from the field's suggestions
    url.press("Tab")
    expect(description).to_have_value("The opera house in the rose")

"""Revisions of pages: each save of a published page keeps one, the admin lists and compares them, restore."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from blog.extensions import db
from blog.models import Page, PageRevision, PageStatus, Role
from blog.models.base import utcnow
from blog.pages.editing import PageInput, input_from, write_page
from blog.pages.revisions import revision_list

PageBuilder = Callable[..., Page]


@pytest.fixture
def make_page(app: Any, make_user: Any) -> PageBuilder:
    def _make_page(
        title: str = "How I score",
        body: str = "A 10 is a favourite for life.\nA 5 is fine.",
        *,
        status: PageStatus | str = PageStatus.PUBLISHED,
        author: Any = None,
        **fields: Any,
    ) -> Page:
        page = write_page(
            author or make_user(Role.ADMIN, name="Ada"),
            PageInput(title=title, body_md=body, status=PageStatus(status), **fields),
        )
        db.session.commit()
        return page

    return _make_page


@pytest.fixture
def author(make_user, client, login):
    user = make_user(Role.AUTHOR, name="Bebop")
    login(client, user)
    return user


def save(client: Any, page: Page, **changes: Any) -> Any:
    """The editor's form as it was loaded for ``page``, with ``changes`` typed into it, saved."""
    data = {k: v for k, v in vars(input_from(page)).items() if k not in {"show_in_menu"}}
    data |= {"status": page.status.value, "base_version": str(page.version)}
    if page.show_in_menu:
        data["show_in_menu"] = "y"
    data |= changes
    return client.post(f"/admin/pages/{page.id}/edit", data=data)


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def revisions_of(page: Page) -> list[PageRevision]:
    db.session.expire_all()
    return revision_list(page)


def spread(page: Page) -> None:
    """Give the revisions distinct times, as edits minutes apart would."""
    for n, revision in enumerate(reversed(revision_list(page))):
        revision.created_at = revision.created_at - timedelta(minutes=10 * (5 - n))
    db.session.commit()


# ----------------------------------------------------------------------------- recording


def test_saving_a_published_page_keeps_a_revision_saying_what_changed(client, author, make_page):
    page = make_page()
    assert [r.summary for r in revisions_of(page)] == ["first published version"]
    reply = save(client, page, title="How I rate", body_md="A 10 is a favourite for life.\nA 6 is fine.\nA 1 is not.")
    assert reply.status_code == 303
    newest, first = revisions_of(page)
    assert newest.summary == "title, body (+2 −1 lines)"
    assert newest.author.name == "Bebop" and first.author.name == "Ada"
    assert (newest.title, newest.body_md) == ("How I rate", "A 10 is a favourite for life.\nA 6 is fine.\nA 1 is not.")
    save(client, db.session.get(Page, page.id), description="What my scores mean.")
    assert revisions_of(page)[0].summary == "description"


def test_a_drafts_saves_keep_no_revision_until_it_is_published(client, author):
    reply = client.post("/admin/pages/new", data={"title": "Policy", "body_md": "Soon.", "status": "draft"})
    page = db.session.scalar(select(Page))
    assert reply.status_code == 303
    save(client, page, body_md="Sooner.")
    assert revisions_of(page) == []
    save(client, db.session.get(Page, page.id), status="published")
    assert [(r.summary, r.body_md) for r in revisions_of(page)] == [("first published version", "Sooner.")]


def test_a_save_that_changes_no_text_keeps_no_revision(client, author, make_page):
    page = make_page()
    save(client, page, menu_order="3", show_in_menu="y", slug="scores")
    assert len(revisions_of(page)) == 1
    assert db.session.get(Page, page.id).slug == "scores"


# ----------------------------------------------------------------------------- the admin's pages


def test_the_editor_links_to_the_revisions_listed_newest_first_with_who_when_and_what(client, author, make_page):
    page = make_page()
    save(client, page, body_md="A 10 is a favourite for life.\nA 5 is average.")
    spread(page)
    editor = client.get(f"/admin/pages/{page.id}/edit").get_data(as_text=True)
    assert f'href="/admin/pages/{page.id}/revisions"' in editor and "Revisions (2)" in editor
    listing = client.get(f"/admin/pages/{page.id}/revisions")
    assert listing.status_code == 200
    rows = soup(listing).select("table.revisions-table tbody tr")
    texts = [row.get_text(" ", strip=True) for row in rows]
    assert "Bebop" in texts[0] and "body (+1 −1 lines)" in texts[0] and "Same as now" in texts[0]
    assert "Ada" in texts[1] and "first published version" in texts[1]
    assert rows[0].select_one(".row-actions a") is None  # nothing to compare with: it is the current text
    older = revisions_of(page)[1]
    assert rows[1].select_one(".row-actions a")["href"] == f"/admin/pages/{page.id}/revisions/{older.id}"
    assert "Compare with current" in texts[1]


def test_a_page_without_revisions_has_no_link(client, author, make_page):
    page = make_page(status="draft")
    assert "Revisions (" not in client.get(f"/admin/pages/{page.id}/edit").get_data(as_text=True)
    assert "No revisions yet" in client.get(f"/admin/pages/{page.id}/revisions").get_data(as_text=True)


def test_comparing_shows_the_old_words_removed_and_the_new_added(client, author, make_page):
    page = make_page(body="Stink Bomb is fun.\nCannon Fodder is grim.", description="Scores.")
    first = revisions_of(page)[0]
    save(
        client,
        page,
        title="How I rate",
        description="What scores mean.",
        body_md="Stink Bomb is a comedy.\nCannon Fodder is grim.",
    )
    html = client.get(f"/admin/pages/{page.id}/revisions/{first.id}")
    assert html.status_code == 200
    view = soup(html)
    assert "Title: How I score → How I rate" in view.get_text(" ", strip=True).replace("  ", " ")
    assert [d.get_text() for d in view.select(".admin-panel p del")] == ["How I score", "Scores."]
    assert [i.get_text() for i in view.select(".admin-panel p ins")] == ["How I rate", "What scores mean."]
    removed = view.select_one("tr.diff-remove")
    added = view.select_one("tr.diff-add")
    assert removed.code.get_text() == "Stink Bomb is fun." and removed.code.find("del").get_text() == "fun"
    assert added.code.get_text() == "Stink Bomb is a comedy." and added.code.ins.get_text() == "a comedy"
    restore = view.select_one("form.revision-restore")
    assert restore["action"] == f"/admin/pages/{page.id}/revisions/{first.id}/restore"
    assert restore.select_one('input[name="base_version"]')["value"] == str(db.session.get(Page, page.id).version)


# ----------------------------------------------------------------------------- restoring


def test_restoring_brings_the_old_text_back_on_the_public_page_and_keeps_a_revision(client, author, make_page):
    page = make_page(body="The first take.")
    first = revisions_of(page)[0]
    save(client, page, body_md="The second take.")
    spread(page)
    page = db.session.get(Page, page.id)
    assert "The second take." in client.get("/how-i-score/").get_data(as_text=True)
    reply = client.post(f"/admin/pages/{page.id}/revisions/{first.id}/restore", data={"base_version": page.version})
    assert reply.status_code == 303 and reply.headers["Location"] == f"/admin/pages/{page.id}/edit"
    assert "Restored the version of" in client.get(reply.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    page = db.session.get(Page, page.id)
    assert page.body_md == "The first take." and page.body_html == "<p>The first take.</p>"
    public = client.get("/how-i-score/").get_data(as_text=True)
    assert "The first take." in public and "The second take." not in public
    revisions = revisions_of(page)
    assert [r.body_md for r in revisions] == ["The first take.", "The second take.", "The first take."]
    assert revisions[0].author.name == "Bebop"
    # Dated as the list dates revisions ("07 Dec 2026, 22:43:31 UTC"), not "2026-12-07 22:43:31".
    assert re.fullmatch(r"Restored the revision of \d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d \S+", revisions[0].note)
    assert revisions[0].summary == "body (+1 −1 lines)"


def test_a_stale_restore_is_refused_with_a_message_and_nothing_changes(client, author, make_page):
    page = make_page(body="one")
    first = revisions_of(page)[0]
    stale = page.version
    save(client, page, body_md="two")
    reply = client.post(
        f"/admin/pages/{page.id}/revisions/{first.id}/restore", data={"base_version": stale}, follow_redirects=True
    )
    assert reply.request.path == f"/admin/pages/{page.id}/revisions/{first.id}"
    assert "The page changed since you opened this comparison" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Page, page.id).body_md == "two"
    assert len(revisions_of(page)) == 2


def test_contributors_and_readers_cannot_see_or_restore_revisions(client, make_user, login, make_page):
    page = make_page(body="one")
    first = revisions_of(page)[0]
    page = db.session.get(Page, page.id)
    urls = [f"/admin/pages/{page.id}/revisions", f"/admin/pages/{page.id}/revisions/{first.id}"]
    restore = f"/admin/pages/{page.id}/revisions/{first.id}/restore"
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for role in (Role.CONTRIBUTOR, Role.READER):
        login(client, make_user(role))
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
        assert client.post(restore, data={"base_version": page.version}).status_code == 403
    db.session.expire_all()
    assert len(revisions_of(page)) == 1


def test_a_revision_of_another_page_or_none_is_not_found(client, author, make_page):
    about = make_page("About", "Me.")
    scores = make_page("How I score", "Tens.")
    theirs = revisions_of(about)[0]
    scores = db.session.get(Page, scores.id)
    assert client.get(f"/admin/pages/{scores.id}/revisions/{theirs.id}").status_code == 404
    assert client.get(f"/admin/pages/{scores.id}/revisions/999999").status_code == 404
    reply = client.post(
        f"/admin/pages/{scores.id}/revisions/{theirs.id}/restore", data={"base_version": scores.version}
    )
    assert reply.status_code == 404
    assert client.get("/admin/pages/999999/revisions").status_code == 404
    db.session.expire_all()
    assert db.session.get(Page, scores.id).body_md == "Tens."


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_a_restore_without_its_csrf_token_changes_nothing_and_with_it_works(client, author, make_page):
    page = make_page(body="one")
    first = revisions_of(page)[0]
    save(client, page, body_md="two", csrf_token=_token(client, page))
    page = db.session.get(Page, page.id)
    restore = f"/admin/pages/{page.id}/revisions/{first.id}/restore"
    assert client.post(restore, data={"base_version": page.version}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Page, page.id).body_md == "two"
    restore_form = soup(client.get(f"/admin/pages/{page.id}/revisions/{first.id}")).select_one("form.revision-restore")
    token = restore_form.select_one('input[name="csrf_token"]')["value"]
    assert client.post(restore, data={"base_version": page.version, "csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Page, page.id).body_md == "one"


def _token(client: Any, page: Page) -> str:
    html = client.get(f"/admin/pages/{page.id}/edit").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_upgrading_keeps_each_published_pages_text_as_its_first_revision(tmp_path):
    """Pages published before revisions began: the first edit afterwards must not lose the text
    readers had been reading (a revision records the text a save leaves)."""
    from flask_migrate import upgrade

    from blog.models import User
    from tests.conftest import empty_database_app

    with empty_database_app(tmp_path) as app, app.app_context():
        upgrade(revision="a18339415230")
        with db.engine.begin() as conn:
            conn.execute(
                db.metadata.tables["users"]
                .insert()
                .values(id=1, email="a@example.org", name="Ada", role=Role.ADMIN, password_hash="x", active=True,
                        email_verified=True, created_at=utcnow())
            )  # fmt: skip
            pages = db.metadata.tables["pages"]
            for pid, title, status in ((1, "About", "published"), (2, "Policy", "draft")):
                conn.execute(
                    pages.insert().values(
                        id=pid, title=title, slug=title.lower(), body_md=f"{title}, as readers know it.",
                        body_html="", description="", summary="", status=status, show_in_menu=False,
                        menu_order=0, menu_label="", author_id=1, unfiltered_html=False, version=1,
                        created_at=utcnow(), updated_at=utcnow() - timedelta(days=3),
                    )
                )  # fmt: skip
        upgrade()
        kept = db.session.scalars(select(PageRevision)).all()
        assert [(r.page_id, r.body_md, r.summary) for r in kept] == [
            (1, "About, as readers know it.", "first published version")
        ]
        assert kept[0].author_id == 1 and kept[0].created_at < utcnow() - timedelta(days=2)
        # The first edit afterwards is a change from it, and the old text can be restored.
        about = db.session.get(Page, 1)
        data = input_from(about)
        data.body_md = "About, rewritten."
        write_page(db.session.get(User, 1), data, about)
        db.session.commit()
        assert [r.summary for r in revision_list(about)] == ["body (+1 −1 lines)", "first published version"]

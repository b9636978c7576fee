"""An author adds the work their post reviews without leaving the editor, or (without JavaScript)
through the work form in the same tab, which comes back with the work chosen; never another site."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Role, Work, WorkKind, WorkRevision
from tests.conftest import login_as
from tests.reviews_support import add_work, review, seed_memories, work
from tests.test_works_admin import GOOD


def _selected(html: str, name: str) -> str:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
    assert select_html, name
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html.group(0))
    return next(filter(None, chosen.groups())) if chosen else ""


def test_the_editor_offers_add_a_work_in_this_tab_and_a_dialog(client, make_user, make_post):
    seed_memories(make_post)
    login_as(client, make_user(Role.AUTHOR))
    html = client.get("/admin/posts/new").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" data-add-work>Add a work</a>', html)
    assert link and link.group(1) == "/admin/works/new?next=/admin/posts/new"
    assert 'target="_blank"' not in html[html.index("Review details") :] and "reload this page" not in html
    dialog = html[html.index('<dialog class="add-work-dialog"') :]
    assert 'data-url="/admin/works/quick-add"' in dialog
    assert '<option value="segment">Segment</option>' in dialog
    assert f'<option value="{work("memories").id}">Memories (1995)</option>' in dialog


def test_the_work_form_goes_back_to_the_editor_with_the_new_work_chosen(client, make_user):
    editor = make_user(Role.EDITOR)
    login_as(client, editor)
    form = client.get("/admin/works/new?next=/admin/posts/new").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/admin/posts/new">' in form
    assert "After saving, you go back to" in form and "Save and go back to the post" in form
    assert '<a href="/admin/posts/new">Cancel</a>' in form

    response = client.post("/admin/works/new", data=dict(GOOD, next="/admin/posts/new"))
    paprika = work("paprika")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/posts/new?work={paprika.id}"
    editor_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Paprika was added and chosen." in editor_page
    assert _selected(editor_page, "review-work_id") == str(paprika.id)


def test_refused_work_form_keeps_the_way_back(client, make_user):
    login_as(client, make_user(Role.EDITOR))
    response = client.post("/admin/works/new", data=dict(GOOD, title="", next="/admin/posts/new"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/admin/posts/new">' in page and "Give the work a name." in page


def test_a_posts_review_page_gets_the_new_work_chosen_too(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    post = make_post("Two films", author=editor)
    review(editor, post, akira, 8)
    login_as(client, editor)
    page = client.get(f"/admin/reviews/{post.id}/").get_data(as_text=True)
    assert f'href="/admin/works/new?next=/admin/reviews/{post.id}/">Add a work</a>' in page
    response = client.post("/admin/works/new", data=dict(GOOD, next=f"/admin/reviews/{post.id}/?work=1"))
    paprika = work("paprika")
    assert response.headers["Location"] == f"/admin/reviews/{post.id}/?work={paprika.id}"
    assert _selected(client.get(response.headers["Location"]).get_data(as_text=True), "work_id") == str(paprika.id)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)", "/x\r\nLocation: //e"],
)
def test_next_never_leads_off_the_site(client, make_user, target):
    login_as(client, make_user(Role.EDITOR))
    form = client.get("/admin/works/new", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next"' not in form
    response = client.post("/admin/works/new", data=dict(GOOD, next=target))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/works/{work('paprika').id}/"


def test_the_dialog_adds_a_work_and_answers_the_option_to_choose(client, make_user, make_post):
    seed_memories(make_post)
    author = make_user(Role.AUTHOR)
    login_as(client, author)
    memories = work("memories")
    response = client.post(
        "/admin/works/quick-add",
        json={"title": "  Stink Bomb 2 ", "original_title": "", "kind": "segment", "parent_id": str(memories.id)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    data = response.get_json()
    made = db.session.get(Work, data["id"])
    assert (made.title, made.kind, made.parent_id) == ("Stink Bomb 2", WorkKind.SEGMENT, memories.id)
    assert data["label"] == "Stink Bomb 2 — part of Memories" and data["edit_url"] == f"/admin/works/{made.id}/"
    revision = db.session.scalar(select(WorkRevision).where(WorkRevision.work_id == made.id))
    assert revision.summary == "Created from the post editor" and revision.author_id == author.id
    # The new post's editor lists it and can choose it.
    assert f'<option value="{made.id}">Stink Bomb 2 — part of Memories</option>' in client.get(
        "/admin/posts/new"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"title": "", "kind": "film", "parent_id": "0"}, "title", "Give the work a name."),
        ({"title": "X", "kind": "opera", "parent_id": "0"}, "kind", "Not a valid choice"),
        ({"title": "X", "kind": "film", "parent_id": "999999"}, "parent_id", "Not a valid choice"),
        ({"title": "X" * 301, "kind": "film", "parent_id": "0"}, "title", "300"),
        ({"title": ["X"], "kind": {"a": 1}, "parent_id": "abc"}, "", ""),
    ],
)
def test_the_dialog_refuses_bad_input_with_a_message_never_a_500(client, make_user, payload, field, message):
    login_as(client, make_user(Role.EDITOR))
    response = client.post("/admin/works/quick-add", json=payload, headers={"Accept": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)
    data = response.get_json()
    assert field in data["field"] and message in data["error"]
    assert db.session.scalar(select(Work.id)) is None


def test_the_dialog_refuses_malformed_bodies_and_strangers(client, make_user):
    response = client.post("/admin/works/quick-add", json={"title": "X"}, headers={"Accept": "application/json"})
    assert response.status_code == 401 and "signed out" in response.get_json()["error"]
    for role in (Role.READER, Role.CONTRIBUTOR):
        login_as(client, make_user(role))
        assert client.post("/admin/works/quick-add", json={"title": "X"}).status_code == 403
    login_as(client, make_user(Role.EDITOR))
    for body in (b"{not json", b"[]", b"null"):
        response = client.post("/admin/works/quick-add", data=body, content_type="application/json")
        assert response.status_code == 400
    assert db.session.scalar(select(Work.id)) is None

"""Deleting a work or a person, or a post's review details, sits apart from Save and asks first."""

from __future__ import annotations

import re

from sqlalchemy import select

from blog.extensions import db
from blog.models import Person, Review, Role, Work
from tests.conftest import login_as
from tests.reviews_support import add_person, add_work, review, seed_memories, work


def _form_html(page: str) -> str:
    match = re.search(r'<form method="post" class="form[^"]*" novalidate>.*?</form>', page, re.S)
    assert match
    return match.group(0)


def test_the_work_form_keeps_delete_out_of_the_save_row_and_links_to_a_confirmation(client, make_user):
    editor = make_user(Role.EDITOR)
    paprika = add_work(editor, "Paprika")
    login_as(client, editor)
    page = client.get(f"/admin/works/{paprika.id}/").get_data(as_text=True)
    form = _form_html(page)
    assert '<div class="form-actions">' in form and 'class="button button-primary">Save</button>' in form
    assert "Delete" not in form  # not beside Save
    danger = page[page.index('<section class="danger-zone"') :]
    assert f'<a class="button button-danger" href="/admin/works/{paprika.id}/delete">Delete Paprika…</a>' in danger
    assert "/css/reviews.css" in page  # the admin pages load the styles that space it out

    confirm = client.get(f"/admin/works/{paprika.id}/delete").get_data(as_text=True)
    assert "Delete “Paprika”? Its information, credits, reader scores and history go with it." in confirm
    assert "This cannot be undone." in confirm
    assert f'<form method="post" action="/admin/works/{paprika.id}/delete" class="form-actions">' in confirm
    assert 'name="csrf_token"' in confirm and "Delete permanently" in confirm
    assert f'href="/admin/works/{paprika.id}/">Keep it</a>' in confirm
    assert db.session.get(Work, paprika.id) is not None  # opening the page deletes nothing

    response = client.post(f"/admin/works/{paprika.id}/delete", follow_redirects=True)
    assert "Paprika was deleted." in response.get_data(as_text=True)
    assert db.session.get(Work, paprika.id) is None


def test_a_work_that_cannot_go_says_why_before_anyone_tries(client, make_user, make_post):
    seed_memories(make_post)
    login_as(client, make_user(Role.EDITOR))
    for slug, why in (
        ("magnetic-rose", "Posts review this work; detach the reviews before deleting it."),
        ("memories", "This work has parts; delete or move them first."),
    ):
        page = client.get(f"/admin/works/{work(slug).id}/delete").get_data(as_text=True)
        assert "cannot be deleted yet." in page and why in page
        assert "Delete permanently" not in page


def test_a_person_is_deleted_after_confirming_and_a_credited_one_is_explained(client, make_user):
    editor = make_user(Role.EDITOR)
    nobody = add_person(editor, "Nobody Yet")
    add_work(editor, "Paprika", credits=[("Satoshi Kon", "Director")])
    kon = db.session.scalar(select(Person).where(Person.name == "Satoshi Kon"))
    login_as(client, editor)

    page = client.get(f"/admin/people/{nobody.id}/").get_data(as_text=True)
    assert "Delete" not in _form_html(page)
    assert f'href="/admin/people/{nobody.id}/delete">Delete Nobody Yet…</a>' in page
    assert "Delete “Nobody Yet”? Their page and note go with them." in client.get(
        f"/admin/people/{nobody.id}/delete"
    ).get_data(as_text=True)
    assert client.post(f"/admin/people/{nobody.id}/delete").status_code == 303
    assert db.session.get(Person, nobody.id) is None

    refused = client.get(f"/admin/people/{kon.id}/delete").get_data(as_text=True)
    assert "Satoshi Kon still has credits; remove them from the works first." in refused
    assert "Delete permanently" not in refused


def test_a_post_stops_reviewing_a_work_only_after_confirming(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    post = make_post("Akira at 35", author=editor)
    review(editor, post, akira, 9, "Still astonishing.")
    login_as(client, editor)
    page = client.get(f"/admin/reviews/{post.id}/").get_data(as_text=True)
    assert "reviews nothing" not in _form_html(page)
    assert f'href="/admin/reviews/{post.id}/remove">This post reviews nothing…</a>' in page

    confirm = client.get(f"/admin/reviews/{post.id}/remove").get_data(as_text=True)
    assert "Make “Akira at 35” review nothing? Its score and verdict for Akira go; the post and the work stay." in (
        confirm
    )
    assert db.session.scalar(select(Review).where(Review.post_id == post.id)) is not None
    response = client.post(f"/admin/reviews/{post.id}/remove", follow_redirects=True)
    assert "“Akira at 35” no longer reviews a work." in response.get_data(as_text=True)
    assert db.session.scalar(select(Review).where(Review.post_id == post.id)) is None
    # Once there is nothing to remove, the page says so instead of asking.
    again = client.get(f"/admin/reviews/{post.id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "“Akira at 35” reviews no work." in again


def test_only_those_who_manage_works_reach_the_confirmations(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    paprika = add_work(editor, "Paprika")
    person = add_person(editor, "Nobody Yet")
    post = make_post("Paprika again", author=editor)
    review(editor, post, paprika, 7)
    urls = [
        f"/admin/works/{paprika.id}/delete",
        f"/admin/people/{person.id}/delete",
        f"/admin/reviews/{post.id}/remove",
    ]
    for role in (Role.READER, Role.CONTRIBUTOR):
        login_as(client, make_user(role))
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
            assert client.post(url).status_code == 403, (role, url)
    assert client.get("/admin/works/999999/delete").status_code in (403, 404)
    assert db.session.get(Work, paprika.id) is not None

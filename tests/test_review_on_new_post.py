"""A new post takes its review details (work, score, verdict) in the editor, saved with its first save."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from blog.admin.posts import save_from_form
from blog.errors import DomainError
from blog.extensions import db
from blog.models import Post, Review, Role
from blog.reviews.editing import ReviewInput
from tests.conftest import login_as
from tests.reviews_support import add_work


def _form(**overrides: Any) -> dict[str, str]:
    data = {
        "title": "Akira at 35",
        "body_md": "Neo-Tokyo still burns.",
        "comment_status": "open",
        "action": "publish",
    }
    data.update(overrides)
    return data


def _counts() -> tuple[int, int]:
    posts = db.session.scalar(select(func.count()).select_from(Post))
    reviews = db.session.scalar(select(func.count()).select_from(Review))
    return posts or 0, reviews or 0


def test_the_new_post_form_has_the_review_fields(client, make_user):
    editor = make_user(Role.EDITOR)
    add_work(editor, "Akira", year=1988)
    login_as(client, editor)
    html = client.get("/admin/posts/new").get_data(as_text=True)
    assert "<legend>Review details</legend>" in html
    assert 'name="review-work_id"' in html and "Akira (1988)" in html
    assert 'name="review-score"' in html and "Out of 10" in html
    assert 'name="review-verdict"' in html
    assert "Save the post once" not in html


def test_publishing_a_new_post_with_a_work_and_score_in_one_request(client, make_user):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira", year=1988)
    login_as(client, editor)
    response = client.post(
        "/admin/posts/new",
        data=_form(**{"review-work_id": str(akira.id), "review-score": "8,5", "review-verdict": "Still astonishing."}),
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post))
    review = db.session.scalar(select(Review).where(Review.post_id == post.id))
    assert (review.work_id, review.score, review.scale, review.verdict) == (akira.id, 8.5, 10, "Still astonishing.")
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'class="infobox review-infobox"' in page
    assert 'aria-label="Score: 8.5 out of 10"' in page
    assert "Still astonishing." in page
    assert 'href="/works/akira/">Akira</a>' in page


def test_a_draft_keeps_its_review_details_too(client, make_user):
    author = make_user(Role.AUTHOR)
    akira = add_work(author, "Akira")
    login_as(client, author)
    response = client.post("/admin/posts/new", data=_form(action="draft", **{"review-work_id": str(akira.id)}))
    assert response.status_code == 302
    assert _counts() == (1, 1)
    assert db.session.scalar(select(Review.score)) is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"review-score": "11"}, "review-score", "The score goes from 0 to 10."),
        ({"review-score": "8.3"}, "review-score", "The score is a whole or half number"),
        ({"review-score": "great"}, "review-score", "is not a score; write a number"),
        ({"review-work_id": "999999"}, "review-work_id", "Not a valid choice"),
        ({"review-work_id": "0"}, "review-work_id", "Choose the work this post reviews."),
    ],
)
def test_invalid_review_details_save_nothing_and_keep_what_was_typed(client, make_user, fields, field, message):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    login_as(client, editor)
    data = _form(**{"review-work_id": str(akira.id), "review-score": "9", "review-verdict": "A landmark."})
    data.update(fields)
    response = client.post("/admin/posts/new", data=data)
    assert response.status_code == 400
    assert _counts() == (0, 0)
    html = response.get_data(as_text=True)
    # The message sits in the field's own error block, and the field points at it.
    errors = re.search(rf'<div class="field-errors" id="{field}-error" role="alert">(.*?)</div>', html, re.S)
    assert errors is not None and message in errors.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in html or f'aria-describedby="{field}-error"' in html
    assert 'value="Akira at 35"' in html and "Neo-Tokyo still burns.</textarea>" in html
    assert 'value="A landmark."' in html
    if field != "review-score":
        assert 'name="review-score"' in html and 'value="9"' in html
    else:
        assert f'value="{fields["review-score"]}"' in html
    if field != "review-work_id":
        assert re.search(rf'<option selected value="{akira.id}">Akira</option>', html)


def test_a_score_without_a_work_is_refused(client, make_user):
    editor = make_user(Role.EDITOR)
    add_work(editor, "Akira")
    login_as(client, editor)
    response = client.post("/admin/posts/new", data=_form(**{"review-score": "7"}))
    assert response.status_code == 400
    assert _counts() == (0, 0)
    assert "Choose the work this post reviews." in response.get_data(as_text=True)


def test_a_new_post_without_review_details_saves_as_before(client, make_user):
    editor = make_user(Role.EDITOR)
    add_work(editor, "Akira")
    login_as(client, editor)
    response = client.post("/admin/posts/new", data=_form(**{"review-work_id": "0", "review-score": ""}))
    assert response.status_code == 302
    assert _counts() == (1, 0)
    response = client.post("/admin/posts/new", data=_form(title="Plain"))  # no review fields at all
    assert response.status_code == 302
    assert _counts() == (2, 0)


def test_a_post_error_keeps_the_review_details_typed(client, make_user):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    login_as(client, editor)
    data = _form(cover_image="javascript:alert(1)", **{"review-work_id": str(akira.id), "review-score": "9"})
    response = client.post("/admin/posts/new", data=data)
    assert response.status_code == 400
    assert _counts() == (0, 0)
    html = response.get_data(as_text=True)
    assert re.search(rf'<option selected value="{akira.id}">Akira</option>', html) and 'value="9"' in html


def test_a_contributor_cannot_sneak_a_review_in_on_a_new_post(client, make_user):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    contributor = make_user(Role.CONTRIBUTOR)
    login_as(client, contributor)
    assert 'name="review-work_id"' not in client.get("/admin/posts/new").get_data(as_text=True)
    response = client.post(
        "/admin/posts/new", data=_form(action="review", **{"review-work_id": str(akira.id), "review-score": "10"})
    )
    assert response.status_code == 302
    assert _counts() == (1, 0)


def test_saving_with_review_details_needs_the_right_to_set_reviews(app, make_user):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    contributor = make_user(Role.CONTRIBUTOR)
    with pytest.raises(DomainError) as refused:
        save_from_form(
            contributor, _form(), "review", max_bytes=1024 * 1024, review=ReviewInput(work_id=akira.id, score=10)
        )
    assert refused.value.status == 403
    assert _counts() == (0, 0)


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_the_review_details_ride_on_the_post_forms_csrf_token(client, make_user):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    login_as(client, editor)
    review = {"review-work_id": str(akira.id), "review-score": "9"}
    assert client.post("/admin/posts/new", data=_form(**review)).status_code == 400
    assert _counts() == (0, 0)
    html = client.get("/admin/posts/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    response = client.post("/admin/posts/new", data=_form(csrf_token=token.group(1), **review))
    assert response.status_code == 302
    assert _counts() == (1, 1)

"""The role matrix, as people meet it in the admin: who reaches which page and who may publish."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Post, PostStatus, Role, User


def _post_form(**fields):
    data = {"title": "Perfect Blue", "body_md": "A **thriller** by Satoshi Kon.", "comment_status": "open"}
    data.update(fields)
    return data


@pytest.fixture
def admin_pages(make_post, make_user):
    """One URL of every admin page (GET), with a post to edit and delete."""
    post = make_post("Someone's review", author=make_user(Role.AUTHOR))
    return [
        "/admin/",
        "/admin/posts/new",
        f"/admin/posts/{post.id}/edit",
        f"/admin/posts/{post.id}/delete",
        "/admin/users",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, admin_pages):
    for url in admin_pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url


def test_anonymous_posts_to_admin_are_refused_and_write_nothing(client, make_post):
    post = make_post("Keep me")
    assert client.post("/admin/posts/new", data=_post_form(action="publish")).status_code == 302
    assert client.post(f"/admin/posts/{post.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_reader_reaches_no_admin_page(client, make_user, login, admin_pages):
    login(client, make_user(Role.READER))
    for url in admin_pages:
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/posts/new", data=_post_form(action="draft")).status_code == 403
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_contributor_sees_no_publish_button(client, make_user, login):
    login(client, make_user(Role.CONTRIBUTOR))
    html = client.get("/admin/posts/new").get_data(as_text=True)
    assert 'value="review"' in html and "Submit for review" in html
    assert 'value="publish"' not in html


def test_contributor_cannot_publish_even_by_crafting_the_request(client, make_user, login):
    login(client, make_user(Role.CONTRIBUTOR))
    response = client.post("/admin/posts/new", data=_post_form(action="publish"))
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Contributors cannot publish" in html
    assert 'value="Perfect Blue"' in html  # what was typed is kept
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_contributor_submits_for_review_and_editor_sees_it_queued(app, make_user, login):
    contributor = make_user(Role.CONTRIBUTOR, name="Cory")
    writer = login(app.test_client(), contributor)
    response = writer.post("/admin/posts/new", data=_post_form(action="review"))
    assert response.status_code == 302
    post = db.session.scalar(select(Post))
    assert post.status == PostStatus.PENDING and post.author_id == contributor.id

    editor = login(app.test_client(), make_user(Role.EDITOR))
    html = editor.get("/admin/").get_data(as_text=True)
    assert "Pending review" in html and "Perfect Blue" in html and "Cory" in html
    editor.post(f"/admin/posts/{post.id}/edit", data=_post_form(action="publish"))
    db.session.refresh(post)
    assert post.is_live


def test_contributor_cannot_edit_their_post_once_published(client, make_user, make_post, login):
    contributor = make_user(Role.CONTRIBUTOR)
    post = make_post("Approved piece", author=make_user(Role.EDITOR))
    post.author_id = contributor.id
    db.session.commit()
    login(client, contributor)
    assert client.get(f"/admin/posts/{post.id}/edit").status_code == 403


def test_author_publishes_their_own_post(client, make_user, login):
    login(client, make_user(Role.AUTHOR))
    response = client.post("/admin/posts/new", data=_post_form(action="publish"))
    assert response.status_code == 302
    assert db.session.scalar(select(Post)).is_live


def test_author_cannot_edit_or_delete_another_authors_post(client, make_user, make_post, login):
    other = make_post("Not yours", author=make_user(Role.AUTHOR))
    login(client, make_user(Role.AUTHOR))
    assert client.get(f"/admin/posts/{other.id}/edit").status_code == 403
    assert client.post(f"/admin/posts/{other.id}/edit", data=_post_form(action="publish")).status_code == 403
    assert client.post(f"/admin/posts/{other.id}/delete").status_code == 403
    db.session.refresh(other)
    assert other.title == "Not yours"


def test_author_dashboard_lists_only_their_posts(client, make_user, make_post, login):
    me = make_user(Role.AUTHOR)
    make_post("Mine", author=me)
    make_post("Theirs", author=make_user(Role.AUTHOR))
    login(client, me)
    html = client.get("/admin/").get_data(as_text=True)
    assert "Mine" in html and "Theirs" not in html
    assert "Your posts" in html


def test_editor_edits_anyones_post_and_sees_all(client, make_user, make_post, login):
    post = make_post("Theirs", author=make_user(Role.AUTHOR))
    login(client, make_user(Role.EDITOR))
    assert "Theirs" in client.get("/admin/").get_data(as_text=True)
    response = client.post(f"/admin/posts/{post.id}/edit", data=_post_form(title="Theirs, edited", action="publish"))
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.title == "Theirs, edited"


@pytest.mark.parametrize("role", [Role.EDITOR, Role.AUTHOR, Role.CONTRIBUTOR])
def test_only_admins_reach_the_users_page(client, make_user, login, role):
    login(client, make_user(role))
    assert client.get("/admin/users").status_code == 403
    target = make_user(Role.READER)
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code == 403
    db.session.refresh(target)
    assert target.role == Role.READER


def test_admin_changes_a_users_role(client, make_user, login):
    login(client, make_user(Role.ADMIN))
    reader = make_user(Role.READER, name="Rita")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Rita" in html
    response = client.post(f"/admin/users/{reader.id}/role", data={"role": "author"}, follow_redirects=True)
    assert "Rita is now author." in response.get_data(as_text=True)
    db.session.refresh(reader)
    assert reader.role == Role.AUTHOR


def test_the_last_admin_cannot_be_demoted(client, make_user, login):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "editor"}, follow_redirects=True)
    assert "the only admin" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).role == Role.ADMIN


def test_an_admin_may_step_down_when_another_admin_exists(client, make_user, login):
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN)
    login(client, admin)
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "editor"})
    assert response.headers["Location"] == "/admin/"
    assert db.session.get(User, admin.id).role == Role.EDITOR
    assert client.get("/admin/users").status_code == 403


def test_unknown_role_is_refused(client, make_user, login):
    login(client, make_user(Role.ADMIN))
    reader = make_user(Role.READER)
    response = client.post(f"/admin/users/{reader.id}/role", data={"role": "overlord"}, follow_redirects=True)
    assert "Choose one of the listed roles." in response.get_data(as_text=True)
    db.session.refresh(reader)
    assert reader.role == Role.READER

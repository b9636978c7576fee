"""Autosave from the editor, two-tab conflicts, and getting unsaved text back after a failure."""

import re

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Post, Role
from blog.models.posts import PostAutosave
from blog.posts.editing import post_input_from, save_post


def _autosave(client, post, **fields):
    payload = {"title": post.title, "body_md": "typed in the editor", "excerpt": "", "base_version": post.version}
    payload.update(fields)
    return client.post(f"/admin/posts/{post.id}/autosave", json=payload, headers={"Accept": "application/json"})


def _save_elsewhere(user, post, body):
    data = post_input_from(post)
    data.body_md = body
    save_post(user, data, post, base_version=post.version)
    db.session.commit()


@pytest.fixture
def author(client, login, make_user):
    user = make_user(Role.AUTHOR, name="Ann")
    login(client, user)
    return user


def test_autosave_keeps_the_text_without_touching_the_published_page(app, client, author, make_post):
    post = make_post("Stink Bomb", "A comedy.", author=author)
    reply = _autosave(client, post, body_md="A comedy about a smelly researcher.")
    assert reply.status_code == 200
    assert reply.json["version"] == post.version and re.match(r"\d{4}-\d\d-\d\dT", reply.json["saved_at"])
    saved = db.session.get(PostAutosave, (post.id, author.id))
    assert saved.body_md == "A comedy about a smelly researcher."
    assert "A comedy.</p>" in app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)


def test_a_stale_tab_gets_a_409_with_the_servers_version(client, author, make_post):
    post = make_post("Two tabs", "original", author=author)
    opened = post.version
    _save_elsewhere(author, post, "saved from the other tab")
    reply = _autosave(client, post, body_md="typed in the old tab", base_version=opened)
    assert reply.status_code == 409
    assert reply.json["conflict"] is True
    assert reply.json["server"]["body_md"] == "saved from the other tab"
    assert reply.json["server"]["title"] == "Two tabs"
    assert reply.json["server"]["version"] == post.version == opened + 1
    assert db.session.get(PostAutosave, (post.id, author.id)) is None
    # "Keep mine": the same text against the version the server has now.
    kept = _autosave(client, post, body_md="typed in the old tab", base_version=reply.json["server"]["version"])
    assert kept.status_code == 200
    assert db.session.get(PostAutosave, (post.id, author.id)).body_md == "typed in the old tab"


def test_an_author_cannot_autosave_someone_elses_post(client, author, make_user, make_post):
    theirs = make_post("Theirs", "x", author=make_user(Role.AUTHOR))
    reply = _autosave(client, theirs)
    assert reply.status_code == 403
    assert db.session.scalar(select(PostAutosave)) is None


def test_autosave_without_a_version_or_for_a_missing_post_is_refused(client, author, make_post):
    post = make_post("x", "y", author=author)
    assert _autosave(client, post, base_version=None).status_code == 400
    assert client.post("/admin/posts/9999/autosave", json={"base_version": 1}).status_code == 404


@pytest.mark.settings(POST_BODY_MAX_BYTES=100)
def test_an_autosave_over_the_size_limit_says_so(client, author, make_post):
    post = make_post("x", "y", author=author)
    reply = _autosave(client, post, body_md="z" * 200)
    assert reply.status_code == 413 and "too long" in reply.json["error"]


def test_signed_out_autosave_is_a_json_401_so_the_browser_keeps_the_text(app, make_user, make_post):
    post = make_post("x", "y", author=make_user(Role.AUTHOR))
    reply = _autosave(app.test_client(), post)
    assert reply.status_code == 401
    assert "your text is kept in this browser" in reply.json["error"]
    assert reply.json["login_url"] == "/login"


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_leaving_the_page_sends_a_beacon_form_with_the_csrf_token(client, author, make_post):
    post = make_post("Beacon", "before", author=author)
    page = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    form = {
        "csrf_token": token,
        "title": "Beacon",
        "body_md": "typed just before closing",
        "excerpt": "",
        "base_version": str(post.version),
    }
    assert client.post(f"/admin/posts/{post.id}/autosave", data=form).status_code == 200
    assert db.session.get(PostAutosave, (post.id, author.id)).body_md == "typed just before closing"
    assert client.post(f"/admin/posts/{post.id}/autosave", data={**form, "csrf_token": ""}).status_code == 400


def test_after_signing_in_again_the_editor_offers_the_unsaved_text(client, author, make_post):
    post = make_post("Cannon Fodder", "Grim.", author=author)
    _autosave(client, post, body_md="Grim, and drawn in one long take.")
    page = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert "You have unsaved changes from" in page and "Restore your unsaved changes" in page
    restored = client.get(f"/admin/posts/{post.id}/edit?restore=autosave").get_data(as_text=True)
    assert "Grim, and drawn in one long take." in restored
    assert "These are your unsaved changes" in restored
    assert 'data-unsaved="text"' in restored  # the text is not saved; the settings are the post's
    # Saving the post takes the autosave's place: nothing more to offer.
    _save_elsewhere(author, post, "Grim, and drawn in one long take.")
    assert "You have unsaved changes" not in client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)


def _form(post, **fields):
    data = {
        "title": post.title,
        "slug": post.slug,
        "body_md": post.body_md,
        "excerpt": "",
        "tags": "",
        "categories": "",
        "series_title": "",
        "series_part": "",
        "cover_image": "",
        "cover_alt": "",
        "comment_status": "open",
        "published_at": "",
        "action": "publish",
        "base_version": str(post.version),
    }
    data.update(fields)
    return data


def test_the_post_form_from_a_stale_tab_shows_both_texts_and_keeps_mine(client, author, make_post):
    post = make_post("Memories", "Line one\nLine two", author=author)
    opened = post.version
    _save_elsewhere(author, post, "Line one\nLine two, from the other tab")
    reply = client.post(
        f"/admin/posts/{post.id}/edit", data=_form(post, body_md="Line one\nMy line two", base_version=str(opened))
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert "Someone else saved this post" in html
    assert "My line two" in html and "Line two, from the other tab" in html  # both, in the form and the diff
    assert f'name="base_version" value="{post.version}"' in html
    db.session.refresh(post)
    assert post.body_md == "Line one\nLine two, from the other tab"
    # Pressing the button again keeps mine.
    again = client.post(f"/admin/posts/{post.id}/edit", data=_form(post, body_md="Line one\nMy line two"))
    assert again.status_code == 302
    db.session.refresh(post)
    assert post.body_md == "Line one\nMy line two"


def test_a_form_error_keeps_the_text_marked_unsaved_for_the_browser(client, author):
    reply = client.post(
        "/admin/posts/new", data={"title": "", "body_md": "Half a thought", "action": "draft", "comment_status": "open"}
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "Half a thought" in html and 'data-unsaved="1"' in html
    assert db.session.scalar(select(Post)) is None


@pytest.mark.settings(COMMENTS_MODERATION="all-approved")
def test_readers_comments_do_not_make_the_post_look_edited_or_hide_the_unsaved_text(app, client, author, make_post):
    """A comment changes the post's count, not its text: the autosave is still offered, and the
    post's "edited" time (admin lists, feeds, dateModified) stays the writer's last save."""
    post = make_post("Cannon Fodder", "Grim.", author=author)
    saved_at = post.updated_at
    _autosave(client, post, body_md="Grim, and drawn in one long take.")
    reader = app.test_client()
    answer = reader.post(
        f"/posts/{post.slug}/comments", data={"body": "The cannon scene!", "name": "Gil", "email": "gil@example.org"}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).comment_count == 1
    assert db.session.get(Post, post.id).updated_at == saved_at
    page = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert "Restore your unsaved changes" in page

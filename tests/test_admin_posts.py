"""Staff write, publish, schedule, edit and delete posts with the minimal post form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Post, PostStatus, Role
from blog.models.base import utcnow


def _form(**fields):
    data = {
        "title": "Fond Memories Part 1: Magnetic Rose",
        "slug": "",
        "body_md": "# Magnetic Rose\n\nOut of all three shorts, it *cuts the deepest*.",
        "excerpt": "",
        "tags": "anime, Satoshi Kon, ",
        "categories": "Anime",
        "series_title": "Fond Memories",
        "series_part": "1",
        "cover_image": "",
        "cover_alt": "",
        "comment_status": "open",
        "published_at": "",
        "action": "draft",
    }
    data.update(fields)
    return data


@pytest.fixture
def author(client, make_user, login):
    user = make_user(Role.AUTHOR, name="Ann")
    login(client, user)
    return user


def _only_post() -> Post:
    return db.session.scalar(select(Post))


def test_new_post_form_has_every_field_and_the_buttons(client, author):
    html = client.get("/admin/posts/new").get_data(as_text=True)
    for name in (
        "title",
        "slug",
        "body_md",
        "excerpt",
        "tags",
        "categories",
        "series_title",
        "series_part",
        "cover_image",
        "cover_alt",
        "comment_status",
        "published_at",
    ):
        assert f'name="{name}"' in html, name
    assert "Save draft" in html and "Publish" in html
    assert 'type="datetime-local"' in html
    assert html.index('value="draft"') < html.index('value="publish"')  # Enter saves a draft, not publishes


def test_author_saves_a_draft_with_tags_categories_and_series(app, client, author):
    response = client.post("/admin/posts/new", data=_form())
    assert response.status_code == 302
    post = _only_post()
    assert response.headers["Location"] == f"/admin/posts/{post.id}/edit"
    assert post.status == PostStatus.DRAFT
    assert post.slug == "fond-memories-part-1-magnetic-rose"
    assert {t.name for t in post.tags} == {"anime", "Satoshi Kon"}
    assert [c.name for c in post.categories] == ["Anime"]
    assert post.series.title == "Fond Memories" and post.series_part == 1
    assert "<h2>Magnetic Rose</h2>" in post.body_html
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft saved." in page
    assert app.test_client().get(f"/posts/{post.slug}/").status_code == 404


def test_publishing_shows_a_view_post_link_and_the_post_is_public(client, author):
    response = client.post("/admin/posts/new", data=_form(action="publish"), follow_redirects=True)
    html = response.get_data(as_text=True)
    post = _only_post()
    assert "Post published." in html
    assert f'href="/posts/{post.slug}/"' in html and "View post" in html
    assert post.is_live and post.published_at <= utcnow()
    assert client.get(f"/posts/{post.slug}/").status_code == 200


def test_a_future_date_schedules_the_post(app, client, author):
    when = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(
        "/admin/posts/new",
        data=_form(action="publish", published_at=when.strftime("%Y-%m-%dT%H:%M")),
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    post = _only_post()
    assert post.is_scheduled and post.published_at == when
    assert "Scheduled for" in html
    assert app.test_client().get(f"/posts/{post.slug}/").status_code == 404  # readers don't see it yet
    dashboard = client.get("/admin/?status=scheduled").get_data(as_text=True)
    assert post.title in dashboard and "status-scheduled" in dashboard


def test_dashboard_shows_each_posts_status(client, author, make_post):
    make_post("A draft", author=author, status=PostStatus.DRAFT)
    make_post("Out now", author=author)
    make_post("Coming soon", author=author, published_at=utcnow() + timedelta(days=1))
    html = client.get("/admin/").get_data(as_text=True)
    assert 'All <span class="count">(3)</span>' in html
    assert "status-draft" in html and "status-published" in html and "status-scheduled" in html
    drafts = client.get("/admin/?status=draft").get_data(as_text=True)
    assert "A draft" in drafts and "Out now" not in drafts


def test_dashboard_runs_the_same_number_of_queries_for_many_posts(client, author, make_post, count_queries):
    make_post("One", author=author, series_title="S", series_part=1)
    db.session.expire_all()
    with count_queries() as few:
        client.get("/admin/")
    for n in range(8):
        make_post(f"Post {n}", author=author, series_title=f"Series {n}", series_part=1)
    db.session.expire_all()
    with count_queries() as many:
        client.get("/admin/")
    assert many.count == few.count


def test_empty_title_and_body_are_form_errors_with_everything_kept(client, author):
    response = client.post("/admin/posts/new", data=_form(title="  ", tags="kept, tags"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the post a title." in html
    assert 'value="kept, tags"' in html and "cuts the deepest" in html
    response = client.post("/admin/posts/new", data=_form(body_md="   "))
    assert "Write something in the body before saving." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_bad_date_and_cover_without_description_are_form_errors(client, author):
    response = client.post(
        "/admin/posts/new",
        data=_form(
            action="publish",
            published_at="next tuesday",
            cover_image="https://img.example/rose.jpg",
            series_part="zero",
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not a valid datetime value" in html
    assert "Describe the cover image" in html
    assert 'value="https://img.example/rose.jpg"' in html
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_cover_image_must_be_a_web_address_or_a_local_path(client, author):
    response = client.post("/admin/posts/new", data=_form(cover_image="javascript:alert(1)", cover_alt="x"))
    assert "Use an address starting with https://" in response.get_data(as_text=True)
    response = client.post(
        "/admin/posts/new", data=_form(cover_image="/media/rose.jpg", cover_alt="A giant metal rose in space")
    )
    assert response.status_code == 302
    assert _only_post().cover_image == "/media/rose.jpg"


@pytest.mark.settings(POST_BODY_MAX_BYTES=2000)
def test_body_over_the_limit_is_refused_with_a_clear_message(client, author):
    response = client.post("/admin/posts/new", data=_form(body_md="word " * 500))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The body is over" in html and "split it into parts of a series" in html
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_a_body_near_one_megabyte_is_accepted(client, author):
    """Flask's own per-field limit (500 kB) must not refuse what POST_BODY_MAX_BYTES allows."""
    body = ("A paragraph about Yoko Kanno's score. " * 20 + "\n\n") * 1100  # ~ 900 kB
    assert 800_000 < len(body.encode()) < 1024 * 1024
    response = client.post("/admin/posts/new", data=_form(body_md=body))
    assert response.status_code == 302
    assert len(_only_post().body_md) == len(body)


@pytest.mark.settings(MAX_CONTENT_LENGTH=50_000)
def test_a_huge_request_gets_a_413_page_not_a_crash(client, author):
    response = client.post("/admin/posts/new", data=_form(body_md="x" * 60_000))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "nothing was saved" in html and "A post body can be at most" in html
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_editing_keeps_values_and_changing_the_slug_redirects_the_old_one(client, author, make_post):
    post = make_post("Memories", author=author, tags=["anime"], series_title="Fond Memories", series_part=2)
    html = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="Memories"' in html and 'value="anime"' in html and 'value="Fond Memories"' in html
    assert "Update" in html and "Switch to draft" in html
    old_slug = post.slug
    response = client.post(
        f"/admin/posts/{post.id}/edit",
        data=_form(title="Memories (1995)", slug="memories-1995", action="publish"),
    )
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.slug == "memories-1995" and post.title == "Memories (1995)"
    moved = client.get(f"/posts/{old_slug}/")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/posts/memories-1995/")


def test_switching_a_published_post_to_draft_hides_it(app, client, author, make_post):
    post = make_post("Going back", author=author)
    client.post(f"/admin/posts/{post.id}/edit", data=_form(title="Going back", action="draft"))
    db.session.refresh(post)
    assert post.status == PostStatus.DRAFT
    assert app.test_client().get(f"/posts/{post.slug}/").status_code == 404


def test_unknown_button_is_a_form_error(client, author):
    response = client.post("/admin/posts/new", data=_form(action="launch"))
    assert response.status_code == 400
    assert "Choose one of the buttons" in response.get_data(as_text=True)


def test_missing_post_is_a_404(client, author):
    assert client.get("/admin/posts/9999/edit").status_code == 404
    assert client.post("/admin/posts/9999/delete").status_code == 404


def test_delete_asks_first_then_moves_the_post_to_the_trash(app, client, author, make_post, make_comment):
    """WordPress's Trash: a deleted post leaves the site at once but can be restored, as a draft."""
    post = make_post("Cannon Fodder notes", author=author)
    make_comment(post, "Great short.")
    confirm = client.get(f"/admin/posts/{post.id}/delete")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Cannon Fodder notes" in html and "restore it, as a draft, for 30 days" in html and 'method="post"' in html
    response = client.post(f"/admin/posts/{post.id}/delete", follow_redirects=True)
    assert "Moved “Cannon Fodder notes” to the trash." in response.get_data(as_text=True)
    assert app.test_client().get(f"/posts/{post.slug}/").status_code == 404  # off the site at once
    listed = client.get("/admin/").get_data(as_text=True)
    assert "Cannon Fodder notes" not in listed and 'Trash <span class="count">(1)' in listed
    trash = client.get("/admin/?status=trash").get_data(as_text=True)
    assert "Cannon Fodder notes" in trash and "Restore" in trash and "Delete permanently" in trash
    # Its editor sends the author to the trash, where it can be restored.
    editing = client.get(f"/admin/posts/{post.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "is in the trash: restore it to edit it." in editing
    restored = client.post(f"/admin/posts/{post.id}/restore", follow_redirects=True)
    assert "Restored “Cannon Fodder notes” as a draft." in restored.get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(Post, post.id)
    assert kept is not None and kept.status == PostStatus.DRAFT and kept.comment_count == 1


def test_a_trashed_post_is_deleted_for_good_by_hand_or_after_thirty_days(app, client, author, make_post):
    now_gone = make_post("Delete me now", author=author)
    old = make_post("Trashed long ago", author=author)
    fresh = make_post("Trashed yesterday", author=author)
    live = make_post("Still here", author=author)
    assert client.post(f"/admin/posts/{live.id}/destroy").status_code == 302  # not in the trash: refused
    for post in (now_gone, old, fresh):
        client.post(f"/admin/posts/{post.id}/delete")
    response = client.post(f"/admin/posts/{now_gone.id}/destroy", follow_redirects=True)
    assert "Deleted “Delete me now” for good." in response.get_data(as_text=True)
    db.session.expire_all()
    db.session.get(Post, old.id).updated_at = utcnow() - timedelta(days=31)
    db.session.get(Post, fresh.id).updated_at = utcnow() - timedelta(days=1)
    db.session.commit()
    client.get("/admin/")  # the trash empties itself when the posts are looked at
    db.session.expire_all()
    assert db.session.get(Post, now_gone.id) is None and db.session.get(Post, old.id) is None
    assert db.session.get(Post, fresh.id) is not None and db.session.get(Post, live.id).status == PostStatus.PUBLISHED


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_post_form_and_delete_need_the_csrf_token(client, author, make_post):
    post = make_post("Guarded", author=author)
    assert client.post("/admin/posts/new", data=_form()).status_code == 400
    assert client.post(f"/admin/posts/{post.id}/delete").status_code == 400
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_updating_a_live_post_says_updated_not_published(client, author):
    first = client.post("/admin/posts/new", data=_form(action="publish"), follow_redirects=True)
    assert "Post published." in first.get_data(as_text=True)
    post = _only_post()
    response = client.post(
        f"/admin/posts/{post.id}/edit", data=_form(action="publish", title="Renamed"), follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Post updated." in html and "Post published." not in html
    response = client.post(f"/admin/posts/{post.id}/edit", data=_form(action="draft"), follow_redirects=True)
    assert "Draft saved." in response.get_data(as_text=True)
    response = client.post(f"/admin/posts/{post.id}/edit", data=_form(action="publish"), follow_redirects=True)
    assert "Post published." in response.get_data(as_text=True)  # out again: this save published it

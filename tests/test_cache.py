"""The page cache: anonymous readers get stored pages until something they show changes."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import pytest
import redis
from flask import Blueprint, render_template_string

from blog import cache, create_app
from blog.extensions import db
from blog.models import Comment, CommentStatus, LoginFailure, Role
from blog.models.base import utcnow
from blog.posts.editing import PostInput, save_post
from tests.conftest import build_config

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["local", "redis"])
def backend(request, app):
    """Each test runs with the in-process cache (generation in the database) and with Redis."""
    if request.param == "redis":
        prefix = f"test-{uuid.uuid4().hex[:10]}:"
        app.config.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
        app.extensions["sargasso.page_cache"] = cache.RedisBackend(REDIS_URL, prefix)
        yield request.param
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
    else:
        yield request.param


def page(client, url, **kw):
    response = client.get(url, **kw)
    return response, response.headers.get("X-Cache")


def without_nonce(html: str) -> str:
    """The page minus what is new for every reader: the CSP nonce and the comment form's stamp."""
    html = re.sub(r'name="shown" type="hidden" value="[^"]*"', 'name="shown" type="hidden" value=""', html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


def add_comment(post, status=CommentStatus.APPROVED, body="Loved the score."):
    comment = Comment(post_id=post.id, author_name="Ann", author_email="ann@example.org",
                      body_source=body, body_html=f"<p>{body}</p>", status=status)
    db.session.add(comment)
    db.session.commit()
    return comment


def test_an_anonymous_reader_gets_the_post_page_from_the_cache(backend, client, make_post, count_queries):
    post = make_post("Magnetic Rose", "A *space opera* in one act.")
    first, status = page(client, f"/posts/{post.slug}/")
    assert (first.status_code, status) == (200, "MISS")
    with count_queries() as queries:
        second, status = page(client, f"/posts/{post.slug}/")
    assert (second.status_code, status) == (200, "HIT")
    assert without_nonce(second.get_data(as_text=True)) == without_nonce(first.get_data(as_text=True))
    assert "Magnetic Rose" in second.get_data(as_text=True)
    assert queries.count <= (1 if backend == "local" else 0)  # the generation, nothing else


def test_an_edit_shows_at_once(backend, client, make_post):
    post = make_post("Magnetic Rose", "First draft of the review.")
    page(client, "/")
    page(client, f"/posts/{post.slug}/")
    assert page(client, f"/posts/{post.slug}/")[1] == "HIT"
    save_post(post.author, PostInput(title="Magnetic Rose (revised)", body_md="Second thoughts.",
                                     status=post.status, published_at=post.published_at), post=post)
    db.session.commit()
    response, status = page(client, f"/posts/{post.slug}/")
    assert status == "MISS"
    assert "Second thoughts." in response.get_data(as_text=True)
    home, status = page(client, "/")
    assert status == "MISS"
    assert "Magnetic Rose (revised)" in home.get_data(as_text=True)


def test_a_new_approved_comment_invalidates_and_a_held_one_does_not(backend, client, make_post):
    post = make_post("Stink Bomb")
    url = f"/posts/{post.slug}/"
    page(client, url)
    held = add_comment(post, CommentStatus.PENDING, "Buy cheap watches")
    assert page(client, url)[1] == "HIT"  # nobody can see a held comment, the page is still right
    held.status = CommentStatus.APPROVED
    db.session.commit()
    assert page(client, url)[1] == "MISS"
    assert page(client, url)[1] == "HIT"
    held.status = CommentStatus.SPAM  # and taking it down again
    db.session.commit()
    assert page(client, url)[1] == "MISS"


def test_bulk_updates_in_raw_orm_statements_invalidate_too(backend, client, make_post):
    from sqlalchemy import update

    from blog.models import Post

    post = make_post("Cannon Fodder")
    page(client, "/")
    assert page(client, "/")[1] == "HIT"
    db.session.execute(update(Post).where(Post.id == post.id).values(title="Cannon Fodder, again"))
    db.session.commit()
    response, status = page(client, "/")
    assert status == "MISS" and "Cannon Fodder, again" in response.get_data(as_text=True)


def test_writes_readers_never_see_keep_the_cache(backend, client, make_post, make_user):
    post = make_post("Memories")
    page(client, f"/posts/{post.slug}/")
    db.session.add(LoginFailure(email="someone@example.org", ip="203.0.113.9"))
    db.session.commit()
    user = make_user(Role.AUTHOR)
    page(client, f"/posts/{post.slug}/")
    user.last_login_at = utcnow()
    db.session.commit()
    assert page(client, f"/posts/{post.slug}/")[1] == "HIT"


def test_bump_site_generation_marks_every_page_stale(backend, client, make_post):
    post = make_post("Memories")
    page(client, f"/posts/{post.slug}/")
    assert page(client, f"/posts/{post.slug}/")[1] == "HIT"
    cache.bump_site_generation()
    db.session.commit()
    assert page(client, f"/posts/{post.slug}/")[1] == "MISS"


def test_signed_in_users_always_get_a_fresh_page(backend, client, make_post, make_user, login):
    post = make_post("Memories")
    page(client, f"/posts/{post.slug}/")
    login(client, make_user(Role.READER))
    response, status = page(client, f"/posts/{post.slug}/")
    assert status == "BYPASS"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "ETag" not in response.headers


def test_a_reader_with_a_pending_comment_gets_a_fresh_page(backend, client, make_post):
    post = make_post("Memories")
    page(client, f"/posts/{post.slug}/")
    client.set_cookie(cache.PENDING_COMMENT_COOKIE, "42.signature")
    assert page(client, f"/posts/{post.slug}/")[1] == "BYPASS"
    client.delete_cookie(cache.PENDING_COMMENT_COOKIE)
    assert page(client, f"/posts/{post.slug}/")[1] == "HIT"


def test_a_waiting_flash_message_is_shown_not_swallowed_by_the_cache(backend, client, make_post):
    post = make_post("Memories")
    page(client, f"/posts/{post.slug}/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Thanks, your comment is waiting for approval.")]
    response, status = page(client, f"/posts/{post.slug}/")
    assert status == "BYPASS"
    assert "your comment is waiting for approval" in response.get_data(as_text=True)


def test_a_scheduled_post_appears_when_its_time_comes(backend, client, make_post):
    make_post("Already out")
    due = utcnow() + timedelta(seconds=1.5)
    make_post("Coming soon", published_at=due)
    home, _ = page(client, "/")
    assert "Coming soon" not in home.get_data(as_text=True)
    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.05)
    home, status = page(client, "/")
    assert status == "MISS"
    assert "Coming soon" in home.get_data(as_text=True)


def test_browsers_revalidate_with_etags_and_get_304(backend, client, make_post):
    post = make_post("Memories")
    first, _ = page(client, "/")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first.headers.get("Vary", "")
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert "Content-Security-Policy" not in again.headers  # the browser keeps the policy of its copy
    save_post(post.author, PostInput(title="Memories, revisited", body_md="More.", status=post.status,
                                     published_at=post.published_at), post=post)
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.settings(PAGE_CACHE_SHARED_MAX_AGE=120)
def test_pages_without_a_form_may_be_kept_by_a_cdn(backend, client, make_post):
    make_post("Memories")
    assert client.get("/").headers["Cache-Control"] == "public, max-age=0, s-maxage=120"


@pytest.mark.settings(PAGE_CACHE_BLUEPRINTS="posts probe", WTF_CSRF_ENABLED=True)
def test_a_cached_form_carries_each_readers_own_csrf_token_and_a_fresh_nonce(backend, app):
    from flask_wtf.csrf import validate_csrf

    probe = Blueprint("probe", __name__)

    @probe.get("/probe/form")
    def form_page():
        return render_template_string(
            '<script nonce="{{ csp_nonce() }}">1</script>'
            '<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'
        )

    app.register_blueprint(probe)
    first_reader, second_reader = app.test_client(), app.test_client()
    first, status = page(first_reader, "/probe/form")
    assert status == "MISS"
    second, status = page(second_reader, "/probe/form")
    assert status == "HIT"
    assert second.headers["Cache-Control"] == "private, no-cache"
    tokens = []
    for client, response in ((first_reader, first), (second_reader, second)):
        html = response.get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        nonce = re.search(r'nonce="([^"]+)"', html).group(1)
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        with app.test_request_context(headers={"Cookie": f"{cookie.key}={cookie.value}"}):
            validate_csrf(token)  # raises if the token is not this reader's
        tokens.append(token)
    assert tokens[0] != tokens[1]


@pytest.mark.settings(COMMENTS_MIN_SECONDS=3, COMMENTS_MODERATION="all-approved")
def test_a_cached_comment_form_gives_each_reader_a_new_shown_at_stamp(backend, app, make_post, monkeypatch):
    """A robot fetching a page stored minutes ago must not pass the minimum time at once: the
    "shown at" stamp is made for each hit, not kept from when the page was stored."""
    from blog.comments import spam
    from blog.models import Comment

    post = make_post("Magnetic Rose")
    url = f"/posts/{post.slug}/"
    stamp = re.compile(r'<input[^>]*name="shown"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="shown"')

    from itsdangerous.timed import TimestampSigner

    with monkeypatch.context() as m:  # the page was stored (and its stamp signed) ten minutes ago
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 600)
        stored, status = page(app.test_client(), url)
    assert status == "MISS"

    robot = app.test_client()
    served, status = page(robot, url)
    assert status == "HIT"
    old, new = (next(filter(None, stamp.search(r.get_data(as_text=True)).groups())) for r in (stored, served))
    assert old != new
    post_id, shown_at = spam._serializer().loads(new, return_timestamp=True)
    assert post_id == post.id and (utcnow() - shown_at).total_seconds() < 60

    quick = robot.post(f"/posts/{post.slug}/comments", data={  # CSRF is off in these tests
        "shown": new, "body": "First!!! Cheap pills", "name": "Bot", "email": "bot@example.org"})
    assert quick.status_code == 429 and "That was quick!" in quick.get_data(as_text=True)
    assert db.session.query(Comment).count() == 0


def test_two_instances_without_redis_share_invalidation_through_the_database(
    app, client, make_post, tmp_path, pg_schema
):
    """Workers on one box (or machines on one PostgreSQL) each keep their own entries."""
    post = make_post("Memories")
    other = create_app(build_config(tmp_path, pg_schema))
    other_client = other.test_client()
    page(other_client, f"/posts/{post.slug}/")
    assert page(other_client, f"/posts/{post.slug}/")[1] == "HIT"
    add_comment(post)  # written through the first instance
    assert page(other_client, f"/posts/{post.slug}/")[1] == "MISS"
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_pages_still_work_when_redis_is_down(app, client, make_post):
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0")
    app.extensions["sargasso.page_cache"] = cache.RedisBackend("redis://127.0.0.1:1/0", "down:")
    post = make_post("Memories")  # the bump after commit fails quietly; the post is saved
    response = client.get(f"/posts/{post.slug}/")
    assert response.status_code == 200 and "Memories" in response.get_data(as_text=True)

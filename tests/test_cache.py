"""The page cache: anonymous readers get stored pages until something they show changes."""

from __future__ import annotations

import re
import socket
import time
import uuid
from datetime import timedelta

import pytest
import redis

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
    comment = Comment(
        post_id=post.id,
        author_name="Ann",
        author_email="ann@example.org",
        body_source=body,
        body_html=f"<p>{body}</p>",
        status=status,
    )
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
    save_post(
        post.author,
        PostInput(
            title="Magnetic Rose (revised)",
            body_md="Second thoughts.",
            status=post.status,
            published_at=post.published_at,
        ),
        post=post,
    )
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
    save_post(
        post.author,
        PostInput(title="Memories, revisited", body_md="More.", status=post.status, published_at=post.published_at),
        post=post,
    )
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.settings(PAGE_CACHE_SHARED_MAX_AGE=120)
def test_cached_pages_may_be_kept_by_a_cdn_even_with_a_form(backend, client, make_post):
    post = make_post("Memories")
    assert client.get("/").headers["Cache-Control"] == "public, max-age=0, s-maxage=120"
    page_with_form = client.get(f"/posts/{post.slug}/")  # the comment form carries no token now
    assert 'id="commentform"' in page_with_form.get_data(as_text=True)
    assert page_with_form.headers["Cache-Control"] == "public, max-age=0, s-maxage=120"


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
    "Content-Type",
    "Cache-Control",
    "Vary",
)
TOKEN_VALUE = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')
SHOWN_VALUE = re.compile(r'<input[^>]*name="shown"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="shown"')


def tokens(html: str) -> list[str]:
    return [a or b for a, b in TOKEN_VALUE.findall(html)]


def shown_stamp(html: str) -> str:
    match = SHOWN_VALUE.search(html)
    assert match, "the comment form has its shown field"
    return next(filter(None, match.groups()), "")


def policy_shape(policy: str) -> str:
    return re.sub(r"'nonce-[^']+'", "'nonce-'", policy)


def test_a_hit_is_answered_before_flask_with_the_headers_of_a_rendered_page(backend, app, make_post):
    post = make_post("Magnetic Rose")
    url = f"/posts/{post.slug}/"
    flask_saw: list[str] = []
    app.before_request(lambda: flask_saw.append(url) and None)
    rendered, status = page(app.test_client(), url)
    assert status == "MISS" and len(flask_saw) == 1
    served, status = page(app.test_client(), url)
    assert status == "HIT"
    assert len(flask_saw) == 1, "a hit never reaches Flask"
    assert served.data == rendered.data
    for name in SECURITY_HEADERS:
        assert name in served.headers, name
        if name == "Content-Security-Policy":
            assert policy_shape(served.headers[name]) == policy_shape(rendered.headers[name])
            assert served.headers[name] != rendered.headers[name], "a new nonce for every response"
        else:
            assert served.headers[name] == rendered.headers[name], name
    assert served.headers["ETag"] == rendered.headers["ETag"]
    assert served.headers["Last-Modified"] == rendered.headers["Last-Modified"]
    assert served.headers["Content-Length"] == str(len(served.data))
    assert served.headers["X-Request-ID"] and served.headers["X-Request-ID"] != rendered.headers["X-Request-ID"]
    assert "Set-Cookie" not in served.headers and "Set-Cookie" not in rendered.headers
    proxied = app.test_client().get(url, headers={"X-Request-ID": "lb-1234"})
    assert proxied.headers["X-Request-ID"] == "lb-1234"  # the id a proxy sent, as for rendered pages


def test_over_https_a_hit_carries_hsts_like_the_rendered_page(backend, app, make_post):
    post = make_post("Magnetic Rose")
    url = f"/posts/{post.slug}/"
    page(app.test_client(), url)
    secure, status = page(app.test_client(), url, base_url="https://localhost")
    assert status == "MISS", "http and https pages are stored apart"
    again, status = page(app.test_client(), url, base_url="https://localhost")
    assert status == "HIT"
    assert again.headers["Strict-Transport-Security"] == secure.headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in page(app.test_client(), url)[0].headers


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_two_anonymous_readers_get_the_same_bytes_with_no_token_in_them(backend, app, make_post, make_comment):
    post = make_post("Magnetic Rose")
    make_comment(post, "The Kanno score carries it.")
    make_comment(post, "The station's decay is the best bit.")
    url = f"/posts/{post.slug}/"
    first, first_status = page(app.test_client(), url)
    second, second_status = page(app.test_client(), url)
    assert (first_status, second_status) == ("MISS", "HIT")
    assert first.data == second.data
    html = first.get_data(as_text=True)
    assert 'class="comment-like-form"' in html  # the like forms are there...
    assert tokens(html) and set(tokens(html)) == {""}  # ...with an empty token, as every form
    assert shown_stamp(html) == ""
    assert "nonce=" not in html
    assert "Set-Cookie" not in first.headers, "a shared page starts no session"
    assert first.headers["Cache-Control"].startswith("public")


def post_as_the_page_script_does(reader, post, body: str):
    """Post a comment with the token and stamp ``/comments/form-token`` hands out, as site.js does
    for a reader of a page that carries none."""
    data = reader.get(f"/comments/form-token?post={post.id}").get_json()
    form = {"csrf_token": data["csrf_token"], "shown": data["shown"], "body": body, "name": "Ann",
            "email": "ann@example.org"}  # fmt: skip
    return reader.post(f"/posts/{post.slug}/comments", data=form)


@pytest.mark.settings(WTF_CSRF_ENABLED=True, COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)
def test_with_the_cache_off_an_anonymous_reader_still_gets_the_shared_page_and_can_post(
    app, make_post, make_comment, make_user
):
    post = make_post("Magnetic Rose")
    make_comment(post, "The Kanno score carries it.")
    reader = app.test_client()
    response = reader.get(f"/posts/{post.slug}/")
    html = response.get_data(as_text=True)
    assert tokens(html) and set(tokens(html)) == {""}
    assert shown_stamp(html) == ""
    assert "Set-Cookie" not in response.headers, "reading starts no session"
    assert "X-Cache" not in response.headers
    assert post_as_the_page_script_does(reader, post, "Posted with the cache off.").status_code == 302
    assert db.session.query(Comment).filter_by(body_source="Posted with the cache off.").count() == 1
    # A reader with something personal (here a session holding their comment) gets their own page.
    html = reader.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert tokens(html) and all(tokens(html))
    assert shown_stamp(html)


@pytest.mark.settings(WTF_CSRF_ENABLED=True, COMMENTS_MODERATION="all-approved")
def test_the_form_token_endpoint_lets_a_reader_of_a_shared_page_post(backend, app, make_post):
    post = make_post("Magnetic Rose")
    reader = app.test_client()
    assert page(reader, f"/posts/{post.slug}/")[1] == "MISS"
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    answer = reader.get(f"/comments/form-token?post={post.id}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert reader.get_cookie(app.config["SESSION_COOKIE_NAME"]) is not None
    assert post_as_the_page_script_does(reader, post, "A station full of memories.").status_code == 302
    assert db.session.query(Comment).filter_by(body_source="A station full of memories.").count() == 1
    assert reader.get("/comments/form-token?post=999999").status_code == 404


@pytest.mark.settings(WTF_CSRF_ENABLED=True, COMMENTS_MODERATION="all-approved")
def test_without_javascript_a_post_from_a_shared_page_keeps_the_text_and_one_more_press_posts(backend, app, make_post):
    post = make_post("Magnetic Rose")
    reader = app.test_client()
    page(reader, f"/posts/{post.slug}/")
    html = page(reader, f"/posts/{post.slug}/")[0].get_data(as_text=True)
    assert shown_stamp(html) == ""
    typed = {"body": "Typed on a cached page.", "name": "Ann", "email": "ann@example.org", "shown": ""}
    first = reader.post(f"/posts/{post.slug}/comments", data=typed)
    assert first.status_code == 400
    html = first.get_data(as_text=True)
    assert "Your comment is not posted yet" in html and "Typed on a cached page." in html
    assert db.session.query(Comment).count() == 0
    again = {**typed, "csrf_token": next(filter(None, tokens(html))), "shown": shown_stamp(html)}
    assert again["shown"]
    assert reader.post(f"/posts/{post.slug}/comments", data=again).status_code == 302
    assert db.session.query(Comment).filter_by(body_source="Typed on a cached page.").count() == 1


@pytest.mark.settings(WTF_CSRF_ENABLED=True, COMMENTS_MIN_SECONDS=3, COMMENTS_MODERATION="all-approved")
def test_a_robot_posting_at_once_from_a_shared_page_gets_nothing_in(backend, app, make_post):
    post = make_post("Magnetic Rose")
    robot = app.test_client()
    page(robot, f"/posts/{post.slug}/")
    spam = {"body": "Cheap pills", "name": "Bot", "email": "bot@example.org"}
    first = robot.post(f"/posts/{post.slug}/comments", data=spam)
    assert first.status_code == 400  # no token: nothing posted with one request
    html = first.get_data(as_text=True)
    at_once = robot.post(
        f"/posts/{post.slug}/comments",
        data={**spam, "csrf_token": next(filter(None, tokens(html))), "shown": shown_stamp(html)},
    )
    assert at_once.status_code == 429 and "That was quick!" in at_once.get_data(as_text=True)
    assert db.session.query(Comment).count() == 0


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_a_like_without_javascript_from_a_shared_page_asks_once_more(backend, app, make_post, make_comment):
    post = make_post("Magnetic Rose")
    comment = make_comment(post, "The Kanno score carries it.")
    reader = app.test_client()
    page(reader, f"/posts/{post.slug}/")
    refused = reader.post(f"/comments/{comment.id}/like", data={"csrf_token": ""})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Like this comment?" in html
    token = next(filter(None, tokens(html)))
    liked = reader.post(f"/comments/{comment.id}/like", data={"csrf_token": token})
    assert liked.status_code == 302
    db.session.refresh(comment)
    assert comment.like_count == 1
    fetch = reader.post(f"/comments/{comment.id}/like", data={}, headers={"Accept": "application/json"})
    assert fetch.status_code == 400 and "error" in fetch.get_json()


def test_a_change_written_straight_into_the_database_is_seen_on_the_next_hit(app, make_post, tmp_path):
    """Another worker's commit (its own connection, plain SQL), seen by this worker's generation
    connection at once, on SQLite and PostgreSQL alike."""
    from sqlalchemy import create_engine, text

    post = make_post("Magnetic Rose")
    cache.bump_site_generation()
    db.session.commit()
    reader = app.test_client()
    page(reader, f"/posts/{post.slug}/")
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    options = {k: v for k, v in app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).items() if k == "connect_args"}
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], **options)
    with other.begin() as conn:
        conn.execute(text("UPDATE posts SET title = 'Magnetic Rose, recut' WHERE id = :id"), {"id": post.id})
        conn.execute(text("UPDATE cache_generation SET generation = generation + 1 WHERE id = 1"))
    other.dispose()
    db.session.expire_all()  # the test's app context shares one ORM session with its requests
    response, status = page(reader, f"/posts/{post.slug}/")
    assert status == "MISS" and "Magnetic Rose, recut" in response.get_data(as_text=True)


def test_the_generation_connection_comes_back_after_it_breaks(app, make_post):
    flask_saw: list[int] = []
    app.before_request(lambda: flask_saw.append(1) and None)
    post = make_post("Magnetic Rose")
    backend = app.extensions["sargasso.page_cache"]
    reader = app.test_client()
    page(reader, f"/posts/{post.slug}/")
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    flask_saw.clear()
    backend._reader._local.connection.close()  # the database went away under this worker
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    assert not flask_saw, "answered on a new connection, before Flask"


def test_signed_in_readers_and_readers_with_other_cookies_never_get_a_shared_page(
    backend, app, make_post, make_user, login
):
    post = make_post("Magnetic Rose")
    reader = make_user(Role.READER)
    url = f"/posts/{post.slug}/"
    page(app.test_client(), url)
    assert page(app.test_client(), url)[1] == "HIT"
    signed_in = login(app.test_client(), reader)
    assert page(signed_in, url)[1] == "BYPASS"
    other_cookie = app.test_client()
    other_cookie.set_cookie("remember_token", "1|abc")
    assert page(other_cookie, url)[1] == "BYPASS"
    author = app.test_client()
    with author.session_transaction() as session:
        session["my_comments"] = [7]  # a guest who posted: sees their own held comments
    assert page(author, url)[1] == "BYPASS"
    forged = app.test_client()
    forged.set_cookie(app.config["SESSION_COOKIE_NAME"], "not-a-signed-session")
    assert page(forged, url)[1] == "HIT"  # Flask reads it as an empty session: served inside Flask
    neutral = app.test_client()
    with neutral.session_transaction() as session:
        session["csrf_token"] = "0" * 40  # a reader who fetched a token before: still anonymous
    assert page(neutral, url)[1] == "HIT"
    with_credentials = app.test_client()
    assert page(with_credentials, url, headers={"Authorization": "Basic YTpi"})[1] == "BYPASS"


def test_head_and_if_none_match_on_a_hit(backend, app, make_post):
    post = make_post("Magnetic Rose")
    url = f"/posts/{post.slug}/"
    rendered, _ = page(app.test_client(), url)
    head = app.test_client().head(url)
    assert head.status_code == 200 and head.data == b"" and head.headers["X-Cache"] == "HIT"
    assert head.headers["Content-Length"] == str(len(rendered.data))
    assert head.headers["ETag"] == rendered.headers["ETag"]
    unchanged = app.test_client().get(url, headers={"If-None-Match": rendered.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["X-Cache"] == "HIT" and unchanged.headers["ETag"] == rendered.headers["ETag"]
    assert "Content-Security-Policy" not in unchanged.headers  # the browser keeps the policy of its copy
    assert unchanged.headers["X-Content-Type-Options"] == "nosniff" and unchanged.headers["X-Request-ID"]
    other = app.test_client().get(url, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200 and other.data == rendered.data


@pytest.mark.settings(TRUSTED_PROXIES=1)
def test_behind_a_proxy_hits_are_keyed_by_the_clients_scheme(backend, app, make_post):
    post = make_post("Magnetic Rose")
    url = f"/posts/{post.slug}/"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "blog.example.org"}
    page(app.test_client(), url, headers=forwarded)
    again, status = page(app.test_client(), url, headers=forwarded)
    assert status == "HIT" and "Strict-Transport-Security" in again.headers
    assert page(app.test_client(), url)[1] == "MISS"  # plain http on another host: its own entry


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


def test_with_redis_a_generation_raised_elsewhere_is_seen_on_the_next_hit(app, make_post):
    prefix = f"test-{uuid.uuid4().hex[:10]}:"
    app.extensions["sargasso.page_cache"] = backend = cache.RedisBackend(REDIS_URL, prefix)
    flask_saw: list[int] = []
    app.before_request(lambda: flask_saw.append(1) and None)
    post = make_post("Magnetic Rose")
    reader = app.test_client()
    page(reader, f"/posts/{post.slug}/")
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    other_machine = redis.Redis.from_url(REDIS_URL)
    other_machine.incr(backend.gen_key)
    assert page(reader, f"/posts/{post.slug}/")[1] == "MISS"
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    flask_saw.clear()
    backend._local.connection._sock.shutdown(socket.SHUT_RDWR)  # the connection died under this worker
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    assert not flask_saw, "answered on a new connection, before Flask"
    keys = list(other_machine.scan_iter(f"{prefix}*"))
    assert any(b":body:" in k for k in keys), "the body is kept apart from the entry's head"
    other_machine.delete(*keys)
    other_machine.close()


@pytest.mark.settings(PAGE_CACHE_BLUEPRINTS="posts probe", WTF_CSRF_ENABLED=True)
def test_a_page_that_still_holds_a_readers_token_is_served_but_never_shared(backend, app):
    """A form not made for sharing (a FlaskForm built on a cached page) must not hand one
    reader's token to the next: that page is rendered for every reader, each with their own."""
    from flask import Blueprint, render_template_string
    from flask_wtf import FlaskForm
    from flask_wtf.csrf import validate_csrf

    probe = Blueprint("probe", __name__)

    @probe.get("/probe/form")
    def form_page():
        return render_template_string('<form method="post">{{ form.csrf_token }}</form>', form=FlaskForm())

    app.register_blueprint(probe)
    seen = []
    for _ in range(2):
        reader = app.test_client()
        response, status = page(reader, "/probe/form")
        assert status is None and "ETag" not in response.headers  # not stored, so no cache headers
        token = next(filter(None, tokens(response.get_data(as_text=True))))
        cookie = reader.get_cookie(app.config["SESSION_COOKIE_NAME"])
        with app.test_request_context(headers={"Cookie": f"{cookie.key}={cookie.value}"}):
            validate_csrf(token)  # this reader's own
        seen.append(token)
    assert seen[0] != seen[1]


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_without_javascript_a_sign_in_icon_on_a_shared_page_asks_once_more_and_keeps_the_text(backend, app, make_post):
    post = make_post("Magnetic Rose")
    reader = app.test_client()
    page(reader, f"/posts/{post.slug}/")
    assert page(reader, f"/posts/{post.slug}/")[1] == "HIT"
    target = {"next": f"/posts/{post.slug}/#respond"}
    refused = reader.post(
        "/login/email/start",
        query_string=target,
        data={"body": "Half of a thought.", "email": "gil@example.org", "parent_id": ""},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Continue with your email address" in html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert fields["body"] == "Half of a thought." and fields["csrf_token"]
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1).replace("&amp;", "&")
    started = reader.post(action, data=fields)
    assert started.status_code == 302 and started.headers["Location"].startswith("/login/email")
    back, status = page(reader, f"/posts/{post.slug}/")
    assert status == "BYPASS" and "Half of a thought." in back.get_data(as_text=True)


def test_after_a_change_of_site_settings_no_page_is_served_from_entries_made_before_it(
    app, make_post, tmp_path, pg_schema
):
    """The Redis cache outlives a restart: a site that restarts in another time zone (or with
    another name) must not serve pages rendered under the old settings."""
    prefix = f"test-{uuid.uuid4().hex[:10]}:"
    app.extensions["sargasso.page_cache"] = cache.RedisBackend(REDIS_URL, prefix)
    post = make_post("Magnetic Rose")
    before = app.test_client()
    page(before, f"/posts/{post.slug}/")
    assert page(before, f"/posts/{post.slug}/")[1] == "HIT"

    restarted = create_app(build_config(tmp_path, pg_schema, SITE_NAME="Rose Reviews", SITE_TIMEZONE="Asia/Tokyo"))
    restarted.extensions["sargasso.page_cache"] = cache.RedisBackend(REDIS_URL, prefix)
    response, status = page(restarted.test_client(), f"/posts/{post.slug}/")
    assert status == "MISS" and "Rose Reviews" in response.get_data(as_text=True)
    assert page(before, f"/posts/{post.slug}/")[1] == "HIT", "the old settings keep their own entry"
    other_machine = redis.Redis.from_url(REDIS_URL)
    other_machine.delete(*other_machine.scan_iter(f"{prefix}*"))
    other_machine.close()
    with restarted.app_context():
        db.session.remove()
        db.engine.dispose()

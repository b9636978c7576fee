"""Hardening: CSRF on every state-changing route, cookie flags, open redirects, |safe in
templates, proxies, request ids, concurrent writers on SQLite."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pytest
from flask import Blueprint, session
from sqlalchemy import func, select

from blog import observability
from blog.extensions import db
from blog.models import Comment, CommentStatus, Post, PostStatus, Role
from blog.posts.editing import PostInput, save_post
from blog.security import cookie_flags
from tests.route_walk import STATE_CHANGING, routes

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


# ----------------------------------------------------------------------------- concurrency


def test_many_writers_at_once_never_see_database_is_locked(app, make_post, make_user):
    """Threads that read then write (the pattern that deadlocks SQLite's deferred transactions)."""
    author = make_user(Role.ADMIN)
    post = make_post("Busy thread", author=author)
    author_id, post_id = author.id, post.id
    errors: list[BaseException] = []
    writers, rounds = 8, 12
    start = threading.Barrier(writers)

    def writer(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(rounds):
                    db.session.scalar(select(func.count(Post.id)))  # a read first...
                    user = db.session.get(type(author), author_id)
                    save_post(
                        user,
                        PostInput(title=f"Writer {n} post {i}", body_md="Concurrent.", status=PostStatus.PUBLISHED),
                    )  # ...then writes
                    db.session.add(
                        Comment(
                            post_id=post_id,
                            author_name=f"w{n}",
                            body_source=str(i),
                            body_html=f"<p>{i}</p>",
                            status=CommentStatus.APPROVED,
                        )
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert db.session.scalar(select(func.count(Post.id))) == 1 + writers * rounds
    assert db.session.scalar(select(func.count(Comment.id))) == writers * rounds


# ----------------------------------------------------------------------------- CSRF


#: Routes that take no CSRF token, each with the reason; anything else exempted fails the test below.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST without cookies; the signed token in the
    # URL is the proof, it can only stop emails, and any other body is refused (400).
    "discussion.one_click_unsubscribe",
}


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_every_state_changing_route_refuses_a_request_without_a_csrf_token(app, make_post, make_user, login):
    """Walks the URL map, so routes added later are checked without editing this test."""
    admin = make_user(Role.ADMIN)
    post = make_post("Target", author=admin)
    comment = Comment(
        post_id=post.id, author_name="Ann", body_source="Hi", body_html="<p>Hi</p>", status=CommentStatus.APPROVED
    )
    db.session.add(comment)
    db.session.commit()
    samples = {"slug": post.slug, "post_id": post.id, "comment_id": comment.id, "id": post.id}
    checked = []
    for signed_in in (False, True):
        client = app.test_client()
        if signed_in:
            login(client, admin)
        for route in routes(app, samples):
            for method in sorted(route.methods & STATE_CHANGING):
                response = client.open(
                    route.url, method=method, data={"body": "Nice film", "title": "x", "author_name": "Eve"}
                )
                if route.endpoint in CSRF_EXEMPT:
                    assert 400 <= response.status_code < 500, (route.url, response.status_code)
                    continue
                assert response.status_code == 400, (
                    f"{method} {route.url} ({route.endpoint}) answered {response.status_code} without a CSRF token"
                )
                checked.append((method, route.endpoint))
    assert len(checked) >= 2, checked
    assert db.session.get(Post, post.id).title == "Target"
    from blog.extensions import csrf

    exempt = {name.rpartition(".")[2] for name in csrf._exempt_views}
    assert exempt == {endpoint.rpartition(".")[2] for endpoint in CSRF_EXEMPT}, exempt


# ----------------------------------------------------------------------------- cookies


def _probe(app, **routes_):
    probe = Blueprint("probe_" + "_".join(sorted(routes_)), __name__)
    for path, view in routes_.items():
        probe.add_url_rule(f"/probe/{path}", path, view)
    app.register_blueprint(probe)


def _set_session():
    session["seen"] = True
    return "ok"


def _session_cookie(response, name="session"):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return cookie_flags(header)
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https(app):
    _probe(app, cookie=_set_session)
    plain = _session_cookie(app.test_client().get("/probe/cookie"))
    assert plain["httponly"] and plain["samesite"] == "Lax"
    assert not plain["secure"]  # a plain-HTTP development server could not send it back
    over_https = _session_cookie(app.test_client().get("/probe/cookie", base_url="https://localhost"))
    assert over_https["httponly"] and over_https["samesite"] == "Lax" and over_https["secure"]


@pytest.mark.settings(SESSION_COOKIE_SECURE=True)
def test_secure_cookies_can_be_forced_when_tls_ends_before_the_app(app):
    _probe(app, cookie=_set_session)
    assert _session_cookie(app.test_client().get("/probe/cookie"))["secure"]


def test_signing_in_with_remember_me_sets_safe_cookies(app, client, make_user):
    from tests.conftest import PASSWORD

    user = make_user(Role.ADMIN, email="ed@example.org")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}, base_url="https://localhost"
    )
    assert response.status_code == 302
    for name in ("session", app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        flags = _session_cookie(response, name)
        assert flags["httponly"] and flags["secure"] and flags["samesite"] == "Lax", (name, flags)


# ----------------------------------------------------------------------------- open redirects

EVIL_TARGETS = [
    "//evil.com",
    "https://evil.com",
    "/\\evil.com",
    "%2F%2Fevil.com",
    "///evil.com",
    "http:/evil.com",
    "\\\\evil.com",
    "/%09/evil.com",
    "javascript:alert(1)",
]


def _is_local(location: str) -> bool:
    """What a browser would do with the Location: stay on this host (tabs and newlines stripped)."""
    from urllib.parse import urlsplit

    cleaned = re.sub(r"[\t\n\r]", "", location)
    parts = urlsplit(cleaned)
    return (
        parts.scheme in ("", "http", "https")
        and parts.netloc in ("", "localhost")
        and not cleaned.startswith(("//", "/\\", "\\"))
    )


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_signing_in_never_sends_the_reader_to_another_site(app, make_user, target):
    from tests.conftest import PASSWORD

    user = make_user(Role.ADMIN)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert _is_local(response.headers["Location"]), response.headers["Location"]
    already_in = client.get(f"/login?next={target}")
    assert already_in.status_code == 302 and _is_local(already_in.headers["Location"])


# ----------------------------------------------------------------------------- templates

#: The only expressions a template may mark ``|safe``: HTML that ``blog.rendering`` produced and
#: the database stores. Anything else is user data and must be escaped. Adding a line here needs a
#: reason in review: where is it sanitized?
SAFE_ALLOWLIST = {
    "post.body_html",  # render_post at save time
    "page.body_html",  # render_post at save time (blog.pages.editing)
    "comment.body_html",  # render_comment at save time
    "c.body_html",  # the same, in loops over comments
}


def test_no_template_marks_user_data_safe():
    found = []
    pattern = re.compile(r"\{[{%]-?\s*(.*?)\s*-?[}%]\}", re.S)
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)
        assert "autoescape false" not in text, f"{path.name} turns autoescaping off"
        for block in pattern.findall(text):
            for match in re.finditer(r"([\w.\[\]'\"]+(?:\([^)]*\))?)\s*\|\s*safe\b", block):
                found.append((path.relative_to(TEMPLATES).as_posix(), match.group(1)))
    offenders = [f"{name}: {expr}|safe" for name, expr in found if expr not in SAFE_ALLOWLIST]
    assert not offenders, "user data marked safe:\n" + "\n".join(offenders)
    assert found, "the scan found no |safe at all: is it still looking in the right folder?"


# ----------------------------------------------------------------------------- proxies


def _client_ip():
    from flask import request

    return f"{request.remote_addr} {request.scheme}"


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(app):
    _probe(app, ip=_client_ip)
    response = app.test_client().get(
        "/probe/ip",
        headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.get_data(as_text=True) == "198.51.100.7 http"


@pytest.mark.settings(TRUSTED_PROXIES=1)
def test_behind_one_proxy_the_client_address_is_the_one_the_proxy_saw(app):
    _probe(app, ip=_client_ip, cookie=_set_session)
    client = app.test_client()
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}
    response = client.get("/probe/ip", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    # The reader could prepend 6.6.6.6 themselves; only what our proxy appended is believed.
    assert response.get_data(as_text=True) == "203.0.113.9 https"
    secured = client.get("/probe/cookie", headers=headers)
    assert secured.headers["Strict-Transport-Security"].startswith("max-age=")
    assert _session_cookie(secured)["secure"]


# ----------------------------------------------------------------------------- request ids and errors


def test_every_response_names_its_request_id_and_keeps_a_sane_one_from_the_proxy(client):
    generated = client.get("/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/", headers={"X-Request-ID": "lb-1234.abc"}).headers["X-Request-ID"] == "lb-1234.abc"
    forged = client.get("/", headers={"X-Request-ID": "x; drop table <script>"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)
    assert client.get("/", headers={"X-Request-ID": "a" * 500}).headers["X-Request-ID"] != "a" * 500


def _explode():
    raise RuntimeError("secret detail 42 in the connection string")


@pytest.mark.settings(PROPAGATE_EXCEPTIONS=False)
def test_an_error_is_logged_with_its_context_and_never_shown_to_the_reader(app, caplog):
    _probe(app, boom=_explode)
    with caplog.at_level(logging.INFO, logger="blog"):
        response = app.test_client().get("/probe/boom?x=1", headers={"X-Request-ID": "req-777"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert "Something went wrong" in body
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the error was not logged"
    line = observability.make_handler().format(errors[0])
    assert "[req-777]" in line
    assert "method=GET path=/probe/boom?x=1" in line and "endpoint=" in line
    assert "secret detail 42" in line  # the operator sees it, with the traceback
    assert "Traceback" in line


def test_log_lines_outside_requests_still_format(app):
    record = logging.LogRecord("blog.cli", logging.INFO, __file__, 1, "Exported %d rows", (3,), None)
    assert "[-] blog.cli: Exported 3 rows" in observability.make_handler().format(record)


@pytest.mark.settings(GITHUB_CLIENT_ID="sargasso-test", GITHUB_CLIENT_SECRET="not-a-real-secret")
@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_social_sign_in_never_sends_the_reader_to_another_site_afterwards(app, target):
    """The reader leaves for the provider (that is the point), but comes back only to our pages."""
    from blog.auth.social import FLOW_KEY

    client = app.test_client()
    for method in ("GET", "POST"):
        response = client.open(f"/login/github?next={target}", method=method)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("https://github.com/")
        with client.session_transaction() as session_:
            assert _is_local(session_[FLOW_KEY]["next"]), session_[FLOW_KEY]["next"]
    # Coming back from the provider with an error still lands on one of our pages.
    back = client.get("/auth/github/callback?error=access_denied")
    assert back.status_code == 302 and _is_local(back.headers["Location"])

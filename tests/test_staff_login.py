"""Staff sign in with email and password, are locked out after repeated failures, and sign out by POST."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import LoginFailure, Role, User
from tests.conftest import PASSWORD


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def test_login_page_has_labelled_fields_with_autocomplete(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="email">Email' in html
    assert '<label for="password">Password' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'type="email"' in html and 'type="password"' in html


def test_staff_member_signs_in_and_lands_on_the_dashboard(client, make_user):
    user = make_user(Role.AUTHOR, email="ann@example.org", name="Ann")
    response = _login(client, "ann@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Signed in as <strong>Ann</strong>" in page.get_data(as_text=True)
    assert db.session.get(User, user.id).last_login_at is not None


def test_email_is_matched_whatever_its_case(client, make_user):
    make_user(Role.EDITOR, email="bea@example.org")
    assert _login(client, "  Bea@Example.ORG ").status_code == 302


def test_wrong_password_shows_an_alert_and_keeps_the_email(client, make_user):
    make_user(email="ann@example.org")
    response = _login(client, "ann@example.org", "not the password")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'role="alert"' in html
    assert "don&#39;t match an account" in html or "don't match an account" in html
    assert 'value="ann@example.org"' in html
    assert "not the password" not in html
    assert client.get("/admin/").status_code == 302


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, make_user):
    make_user(email="ann@example.org")
    wrong = _login(client, "ann@example.org", "nope nope nope").get_data(as_text=True)
    unknown = _login(client, "nobody@example.org", "nope nope nope").get_data(as_text=True)
    assert "match an account" in wrong and "match an account" in unknown


def test_empty_fields_are_form_errors_not_crashes(client):
    response = client.post("/login", data={"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your email." in html and "Enter your password." in html


def test_disabled_account_cannot_sign_in(client, make_user):
    make_user(email="gone@example.org", active=False)
    response = _login(client, "gone@example.org")
    assert response.status_code == 403
    assert "disabled" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", ["/admin/posts/new", "/admin/?status=draft"])
def test_local_next_is_followed_after_sign_in(client, make_user, target):
    make_user(email="ann@example.org")
    response = _login(client, "ann@example.org", next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\tevil",
        "evil.example/path",
    ],
)
def test_next_pointing_off_site_goes_home_instead(client, make_user, target):
    make_user(email="ann@example.org")
    response = _login(client, "ann@example.org", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_anonymous_visit_to_admin_comes_back_after_sign_in(client, make_user):
    make_user(email="ann@example.org")
    first = client.get("/admin/posts/new")
    assert first.status_code == 302
    login_page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/admin/posts/new"' in login_page
    assert _login(client, "ann@example.org", next="/admin/posts/new").headers["Location"] == "/admin/posts/new"


def test_sign_in_starts_a_new_session(client, make_user):
    make_user(email="ann@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["csrf_token"] = "a-token-someone-else-knows"
    _login(client, "ann@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "a-token-someone-else-knows"
        assert session["_fresh"] is True
        assert session["_user_id"].startswith(f"{db.session.scalar(select(User.id))}:")


def test_signed_in_visit_to_login_goes_to_the_dashboard(client, make_user, login):
    login(client, make_user(Role.EDITOR))
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"


def test_reader_with_a_password_signs_in_but_lands_on_the_site(client, make_user):
    make_user(Role.READER, email="reader@example.org")
    response = _login(client, "reader@example.org")
    assert response.headers["Location"] == "/"
    assert client.get("/admin/").status_code == 403


# ----------------------------------------------------------------------------- throttling


@pytest.mark.settings(LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_repeated_failures_lock_the_email_even_for_the_right_password(client, make_user):
    make_user(email="ann@example.org")
    for _ in range(3):
        _login(client, "ann@example.org", "guess guess guess")
    response = _login(client, "ann@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in html
    assert "try again in 10 minutes" in html
    assert client.get("/admin/").status_code == 302
    # The failures are in the database, where every worker process sees them.
    assert db.session.scalar(select(db.func.count(LoginFailure.id))) == 3


@pytest.mark.settings(LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_lock_lifts_when_the_failures_age_out_of_the_window(client, make_user):
    make_user(email="ann@example.org")
    for _ in range(3):
        _login(client, "ann@example.org", "guess guess guess")
    assert _login(client, "ann@example.org").status_code == 429
    for failure in db.session.scalars(select(LoginFailure)):
        failure.created_at -= timedelta(seconds=601)
    db.session.commit()
    assert _login(client, "ann@example.org").status_code == 302
    # A success wipes the slate for that email.
    assert db.session.scalar(select(db.func.count(LoginFailure.id)).where(LoginFailure.email == "ann@example.org")) == 0


@pytest.mark.settings(LOGIN_MAX_FAILURES=2)
def test_lock_on_one_email_does_not_affect_another(client, make_user):
    make_user(email="ann@example.org")
    make_user(email="bob@example.org")
    for _ in range(2):
        _login(client, "ann@example.org", "guess guess guess")
    assert _login(client, "ann@example.org").status_code == 429
    assert _login(client, "bob@example.org").status_code == 302


@pytest.mark.settings(LOGIN_MAX_FAILURES=2)
def test_unknown_emails_are_throttled_too(client):
    for _ in range(2):
        _login(client, "nobody@example.org", "guess guess guess")
    assert _login(client, "nobody@example.org", "guess guess guess").status_code == 429


@pytest.mark.settings(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute", LOGIN_MAX_FAILURES=100)
def test_many_failures_from_one_address_are_refused_with_a_message(client, make_user):
    make_user(email="ann@example.org")
    for n in range(3):
        assert _login(client, f"user{n}@example.org", "guess guess guess").status_code == 401
    response = _login(client, "ann@example.org")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many sign-in attempts from your network" in html
    assert 'role="alert"' in html


@pytest.mark.settings(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute")
def test_successful_sign_ins_do_not_use_up_the_address_limit(app, make_user):
    make_user(email="ann@example.org")
    for _ in range(4):
        client = app.test_client()
        assert _login(client, "ann@example.org").status_code == 302


# ----------------------------------------------------------------------------- sign out


def test_sign_out_is_a_post_and_ends_the_session(client, make_user):
    make_user(email="ann@example.org")
    _login(client, "ann@example.org")
    asked = client.get("/logout")  # a typed or bookmarked link asks first: a GET changes nothing
    assert asked.status_code == 200 and "Sign out?" in asked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "You are signed out." in client.get("/").get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_sign_out_and_sign_in_need_the_csrf_token(client, make_user):
    make_user(email="ann@example.org")
    assert _login(client, "ann@example.org").status_code == 400  # no token: refused
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    assert _login(client, "ann@example.org", csrf_token=token).status_code == 302
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    token = _csrf_from(client.get("/admin/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_the_sign_out_address_sends_a_signed_out_visitor_home(client):
    response = client.get("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_an_expired_session_at_sign_in_keeps_the_address_and_says_what_happened(client, make_user):
    make_user(email="ann@example.org")
    response = _login(client, "ann@example.org")  # the token of a session that is gone
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your session expired" in html and "CSRF" not in html
    assert 'value="ann@example.org"' in html and PASSWORD not in html
    # The page carries a fresh token: sending it again signs in.
    assert _login(client, "ann@example.org", csrf_token=_csrf_from(html)).status_code == 302


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_an_expired_session_at_sign_out_asks_again_and_signs_out_with_the_new_token(client, make_user):
    make_user(email="ann@example.org")
    _login(client, "ann@example.org", csrf_token=_csrf_from(client.get("/login").get_data(as_text=True)))
    response = client.post("/logout", data={"csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "you are still signed in. Sign out again?" in html
    assert client.get("/admin/").status_code == 200
    assert client.post("/logout", data={"csrf_token": _csrf_from(html)}).status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_signing_out_after_the_session_ended_says_so_instead_of_an_error(client):
    response = client.post("/logout")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "You are signed out" in html and "nothing to sign out of" in html
    assert "CSRF" not in html

"""The staff login's "Forgot your password?": an emailed link, signed, expiring and single-use, that
opens a form; only its POST sets the password, signs the account out everywhere, and never tells
anyone which addresses have accounts."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from blog.auth import password_reset
from blog.extensions import db
from blog.models import LoginFailure, OutgoingMail, Role, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def ask(client, email="ann@example.org", **environ):
    return client.post("/login/forgot", data={"email": email}, environ_base=environ)


def sign_in(client, email="ann@example.org", password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def mails_to(address: str) -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address)))


def mail_count() -> int:
    return db.session.scalar(select(func.count(OutgoingMail.id))) or 0


def reset_link(address: str = "ann@example.org") -> str:
    """The path of the newest reset link mailed to ``address``."""
    links = [m for m in mails_to(address) if m.subject.startswith("Reset your password")]
    assert links, f"no reset email to {address}"
    match = re.search(r"http://localhost(/login/reset/\S+)", links[-1].body_text)
    assert match, links[-1].body_text
    return match.group(1)


def choose(client, link, password=NEW_PASSWORD, confirm=None, **extra):
    return client.post(link, data={"password": password, "confirm": password if confirm is None else confirm, **extra})


def state(user_id: int) -> tuple[str | None, int]:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return user.password_hash, user.session_version


def crafted(app, payload, *, age_seconds: int = 0, secret: str | None = None, salt: str = password_reset.SALT) -> str:
    """A token as the app would sign it, optionally made ``age_seconds`` ago or with another key or salt."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    serializer = URLSafeTimedSerializer(secret or app.config["SECRET_KEY"], salt=salt, signer=Then)
    return "/login/reset/" + serializer.dumps(payload)


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# ----------------------------------------------------------------------------- the whole way


def test_staff_member_resets_a_forgotten_password_by_email(app, client, make_user):
    user = make_user(Role.EDITOR, email="ann@example.org", name="Ann")
    elsewhere = app.test_client()  # the same account, signed in on another device
    assert sign_in(elsewhere).status_code == 302
    assert elsewhere.get("/admin/").status_code == 200

    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in login_page and "Forgot your password?" in login_page
    assert "flask reset-password" not in login_page  # a server command is for operators (docs, CLI)
    form = client.get("/login/forgot")
    assert form.status_code == 200 and 'autocomplete="username"' in form.get_data(as_text=True)

    answer = ask(client, "  Ann@Example.ORG ", REMOTE_ADDR="203.0.113.9")
    assert answer.status_code == 200
    assert "If an account uses" in answer.get_data(as_text=True)
    (mail,) = mails_to("ann@example.org")
    assert mail.subject == "Reset your password on Sargasso"
    assert mail.body_html is None  # plain text only
    body = mail.body_text
    assert "reset the password of your account on Sargasso (ann@example.org)" in body
    assert "203.0.113.9" in body  # who asked
    assert "within 60 minutes" in body
    assert "ignore this email" in body and "nothing changes" in body
    link = reset_link()

    # Opening the link (or a mail scanner fetching it, twice) changes nothing.
    before = state(user.id)
    for _ in range(2):
        page = client.get(link)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Choose a new password" in html and "<strong>ann@example.org</strong>" in html
        assert 'autocomplete="new-password"' in html and 'name="referrer" content="no-referrer"' in html
        assert page.headers["Cache-Control"] == "no-store"
    assert state(user.id) == before
    assert elsewhere.get("/admin/").status_code == 200

    done = choose(client, link)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Your password has been changed" in client.get("/login").get_data(as_text=True)
    password_hash, version = state(user.id)
    assert password_hash != before[0] and version == before[1] + 1

    assert elsewhere.get("/admin/").status_code == 302  # the other session was signed out
    assert sign_in(client, password=PASSWORD).status_code == 401  # the old password is refused
    assert sign_in(client, password=NEW_PASSWORD).status_code == 302  # the new one works
    assert client.get("/admin/").status_code == 200

    changed = [m for m in mails_to("ann@example.org") if "was changed" in m.subject]
    assert len(changed) == 1 and "ask the site's admin" in changed[0].body_text


def test_a_reset_does_not_sign_anyone_in_and_ends_this_browsers_session(client, make_user, login):
    user = make_user(Role.AUTHOR, email="ann@example.org")
    other = make_user(Role.ADMIN, email="boss@example.org")
    ask(client)
    login(client, other)  # someone else is signed in on this browser
    assert choose(client, reset_link()).status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/admin/").status_code == 302
    assert state(user.id)[1] == 2


@pytest.mark.settings(LOGIN_MAX_FAILURES=2)
def test_a_reset_lifts_the_lock_out_of_repeated_failures(client, make_user):
    make_user(email="ann@example.org")
    for _ in range(2):
        sign_in(client, password="wrong wrong wrong")
    assert sign_in(client, password=PASSWORD).status_code == 429
    ask(client)
    choose(client, reset_link())
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 0
    assert sign_in(client, password=NEW_PASSWORD).status_code == 302


# ----------------------------------------------------------------------------- who gets an email


def test_unknown_addresses_get_the_same_answer_and_no_email(client, make_user):
    make_user(email="ann@example.org")
    known = ask(client, "ann@example.org")
    unknown = ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace("ann@", "X@") == unknown.get_data(as_text=True).replace("nobody@", "X@")
    assert mails_to("nobody@example.org") == []
    assert mail_count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"role": Role.EDITOR, "active": False}, id="disabled staff"),
        pytest.param({"role": Role.READER, "password": None}, id="reader who signs in with a provider or link"),
        pytest.param({"role": Role.AUTHOR, "password": None}, id="staff without a password"),
    ],
)
def test_accounts_without_a_usable_password_get_no_email_but_the_same_answer(client, make_user, fields):
    make_user(email="ann@example.org", **fields)
    answer = ask(client)
    assert answer.status_code == 200 and "If an account uses" in answer.get_data(as_text=True)
    assert mail_count() == 0


def test_every_staff_role_and_a_reader_with_a_password_can_reset(client, make_user):
    for role in Role:
        make_user(role, email=f"{role.value}@example.org")
        ask(client, f"{role.value}@example.org")
        assert reset_link(f"{role.value}@example.org")


# ----------------------------------------------------------------------------- rate limits


@pytest.mark.settings(RATELIMIT_ENABLED=True, PASSWORD_RESET_RATELIMIT="2 per minute")
def test_asking_is_rate_limited_per_network(client, make_user):
    make_user(email="ann@example.org")
    assert ask(client, "a@example.org").status_code == 200
    assert ask(client, "b@example.org").status_code == 200
    third = ask(client, "ann@example.org")
    assert third.status_code == 429
    html = third.get_data(as_text=True)
    assert "Too many password reset emails were asked for from your network" in html and 'role="alert"' in html
    assert mail_count() == 0
    assert ask(client, "ann@example.org", REMOTE_ADDR="198.51.100.7").status_code == 200  # another network


@pytest.mark.settings(RATELIMIT_ENABLED=True, PASSWORD_RESET_ADDRESS_RATELIMIT="2 per hour")
def test_asking_is_rate_limited_per_address_whatever_the_network(client, make_user):
    make_user(email="ann@example.org")
    assert ask(client, "ann@example.org", REMOTE_ADDR="198.51.100.1").status_code == 200
    assert ask(client, "ANN@example.org", REMOTE_ADDR="198.51.100.2").status_code == 200
    third = ask(client, "ann@example.org", REMOTE_ADDR="198.51.100.3")
    assert third.status_code == 429
    assert "Too many password reset emails were asked for this address" in third.get_data(as_text=True)
    assert len(mails_to("ann@example.org")) == 2
    # An address without an account is limited the same way: a 429 tells nobody who has one.
    for n in range(2):
        ask(client, "nobody@example.org", REMOTE_ADDR=f"198.51.100.{10 + n}")
    assert ask(client, "nobody@example.org", REMOTE_ADDR="198.51.100.20").status_code == 429
    assert ask(client, "other@example.org", REMOTE_ADDR="198.51.100.3").status_code == 200


# ----------------------------------------------------------------------------- links that don't work


def test_an_expired_link_is_refused_with_a_way_to_ask_again(app, client, make_user):
    user = make_user(email="ann@example.org")
    before = state(user.id)
    link = crafted(app, [user.id, password_reset.fingerprint(user)], age_seconds=3600 + 5)
    fresh = crafted(app, [user.id, password_reset.fingerprint(user)], age_seconds=3600 - 60)
    assert client.get(fresh).status_code == 200  # the same token a minute younger still works
    for response in (client.get(link), choose(client, link)):
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert "has expired: links work for 60 minutes" in html
        assert 'action="/login/forgot"' in html and "Email me a reset link" in html
    assert state(user.id) == before


@pytest.mark.settings(PASSWORD_RESET_MAX_AGE_SECONDS=120)
def test_the_lifetime_is_a_setting(app, client, make_user):
    user = make_user(email="ann@example.org")
    ask(client)
    assert "within 2 minutes" in mails_to("ann@example.org")[0].body_text
    link = crafted(app, [user.id, password_reset.fingerprint(user)], age_seconds=125)
    assert "links work for 2 minutes" in client.get(link).get_data(as_text=True)


def test_a_link_works_once_and_using_it_ends_the_other_outstanding_links(client, make_user):
    user = make_user(email="ann@example.org")
    ask(client)
    first = reset_link()
    ask(client)
    second = reset_link()
    assert choose(client, first).status_code == 302
    after = state(user.id)
    for link in (first, second):
        for response in (client.get(link), choose(client, link, "yet another passphrase")):
            assert response.status_code == 410
            html = response.get_data(as_text=True)
            assert "already been used, or the password was changed" in html
            assert 'action="/login/forgot"' in html
    assert state(user.id) == after
    assert sign_in(client, password=NEW_PASSWORD).status_code == 302


def test_a_password_changed_another_way_ends_the_links(client, make_user):
    user = make_user(email="ann@example.org")
    ask(client)
    link = reset_link()
    db.session.get(User, user.id).session_version += 1  # "sign out everywhere", or flask reset-password
    db.session.commit()
    assert client.get(link).status_code == 410


def test_a_link_for_an_account_disabled_since_is_refused(client, make_user):
    user = make_user(email="ann@example.org")
    ask(client)
    link = reset_link()
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert choose(client, link).status_code == 400
    assert state(user.id)[1] == 1


def test_forged_altered_and_malformed_links_are_refused_never_a_500(app, client, make_user):
    user = make_user(email="ann@example.org")
    before = state(user.id)
    ask(client)
    token = reset_link().rsplit("/", 1)[1]
    good = [user.id, password_reset.fingerprint(user)]
    bad_links = [
        "/login/reset/" + token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # altered signature
        "/login/reset/" + token[:20],  # cut short
        "/login/reset/not-a-token",
        "/login/reset/" + "A" * 5000,
        "/login/reset/%00" + token,
        "/login/reset/%C3%BC%F0%9F%93%BD",
        crafted(app, good, secret="another-site-secret-key-of-some-length"),  # signed by someone else
        crafted(app, good, salt="sargasso.email-login"),  # a token made for something else
        crafted(app, [user.id, "0" * 32]),  # a fingerprint nobody issued
        crafted(app, [user.id + 1000, password_reset.fingerprint(user)]),  # no such account
        crafted(app, [True, password_reset.fingerprint(user)]),
        crafted(app, [str(user.id), password_reset.fingerprint(user)]),
        crafted(app, [10**30, "x"]),
        crafted(app, {"id": user.id}),
        crafted(app, "just a string"),
    ]
    for link in bad_links:
        for response in (client.get(link), choose(client, link)):
            assert 400 <= response.status_code < 500, (link, response.status_code)
            html = response.get_data(as_text=True)
            assert "Ask for a new one below" in html and 'action="/login/forgot"' in html, link
    assert state(user.id) == before


# ----------------------------------------------------------------------------- what is typed


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        pytest.param("", "", "Type a new password.", id="empty"),
        pytest.param(NEW_PASSWORD, "", "Type the new password a second time.", id="no confirmation"),
        pytest.param(NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are not the same.", id="mismatched"),
        pytest.param("short one", "short one", "too short: use at least 10 characters", id="too short"),
        pytest.param("          ", "          ", "cannot be only spaces", id="spaces"),
        pytest.param("ann@example.org", "ann@example.org", "use your email address", id="the email"),
        pytest.param("secret\x00passphrase", "secret\x00passphrase", "control characters", id="NUL byte"),
        pytest.param("x" * 1500, "x" * 1500, "too long", id="too long"),
    ],
)
def test_a_refused_new_password_is_explained_and_never_echoed(client, make_user, password, confirm, message):
    user = make_user(email="ann@example.org")
    ask(client)
    link = reset_link()
    before = state(user.id)
    response = choose(client, link, password, confirm)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html.replace("&#39;", "'"), html
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    assert "Choose a new password" in html  # the form again, on the same link
    for typed in {password, confirm} - {"ann@example.org"}:  # the page names the account
        assert not typed.strip() or typed not in html
    assert not re.search(r'type="password"[^>]*value="[^"]', html)
    assert state(user.id) == before
    assert mail_count() == 1  # no "password changed" email
    assert choose(client, link).status_code == 302  # the link still works after a refusal


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your email address."),
        ("not an address", "Enter the email address of your account"),
        ("ann\x00@example.org", "Enter the email address of your account"),
        ("ann@example.org\r\nBcc: eve@example.org", "Enter the email address of your account"),
    ],
)
def test_a_malformed_address_is_explained_and_sends_nothing(client, make_user, typed, message):
    make_user(email="ann@example.org")
    response = ask(client, typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    assert "\x00" not in html and "Bcc:" not in html
    assert mail_count() == 0


# ----------------------------------------------------------------------------- CSRF


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_asking_and_choosing_need_the_csrf_token(client, make_user):
    user = make_user(email="ann@example.org")
    refused = ask(client)
    assert refused.status_code == 400
    assert "Your session expired" in refused.get_data(as_text=True)
    assert 'value="ann@example.org"' in refused.get_data(as_text=True)  # kept, to send again
    assert mail_count() == 0
    token = _csrf_from(client.get("/login/forgot").get_data(as_text=True))
    assert client.post("/login/forgot", data={"email": "ann@example.org", "csrf_token": token}).status_code == 200
    link = reset_link()
    before = state(user.id)

    refused = choose(client, link)
    assert refused.status_code == 400
    assert "Your session expired" in refused.get_data(as_text=True)
    assert state(user.id) == before
    assert choose(client, link, csrf_token="forged").status_code == 400
    assert state(user.id) == before

    token = _csrf_from(client.get(link).get_data(as_text=True))
    assert choose(client, link, csrf_token=token).status_code == 302
    assert state(user.id)[1] == before[1] + 1


def test_the_token_alone_reaches_nothing_else(client, make_user):
    """A reset link is not a sign-in link: holding one opens no page that needs an account."""
    make_user(email="ann@example.org")
    ask(client)
    assert client.get(reset_link()).status_code == 200
    assert client.get("/admin/").status_code == 302

"""Signing in with Google, Twitter/X, Facebook, GitHub and a generic OpenID Connect server, against
a fake provider on 127.0.0.1 (real HTTP, Authlib unmocked), and every way such a sign-in can fail."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Identity, Role, User
from tests.fakes.provider import FAKE, FakeProvider, provider_settings, through_provider

pytestmark = pytest.mark.settings(**provider_settings())


@pytest.fixture
def fake() -> FakeProvider:
    FAKE.start().reset()
    yield FAKE
    FAKE.release_slow_requests()


def users() -> int:
    """Reader accounts (make_post adds an admin who writes the post)."""
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.READER)) or 0


def reader() -> User:
    return db.session.scalar(select(User).where(User.role == Role.READER))


def identities() -> int:
    return db.session.scalar(select(func.count(Identity.id))) or 0


def start(client, provider: str = "google", next_path: str = "/"):
    return client.get(f"/login/{provider}", query_string={"next": next_path})


def test_reader_signs_in_with_google_and_lands_back_on_the_post(client, fake, make_post):
    post = make_post("Perfect Blue")
    page = f"/posts/{post.slug}/"
    begin = start(client, "google", page + "#respond")
    assert begin.headers["Location"].startswith(f"{fake.url}/authorize?")
    sent = parse_qs(urlsplit(begin.headers["Location"]).query)
    assert sent["scope"] == ["openid email profile"]
    assert sent["state"][0] and sent["nonce"][0]
    assert sent["code_challenge_method"] == ["S256"] and sent["code_challenge"][0]

    landed = through_provider(client, begin)

    assert landed.status_code == 302
    assert landed.headers["Location"] == page + "#respond"
    user = reader()
    assert (user.name, user.email, user.email_verified, user.role) == (
        "Ada Reader",
        "ada@example.org",
        True,
        Role.READER,
    )
    assert user.avatar_url == "https://images.example.org/ada.png"
    identity = db.session.scalar(select(Identity))
    assert (identity.provider, identity.provider_user_id, identity.user_id) == ("google", fake.user.sub, user.id)
    assert fake.calls_to("/token")[0]["form"]["code_verifier"]

    html = client.get(page).get_data(as_text=True)
    assert "Signed in with Google as Ada Reader." in html
    assert "You are commenting using your Google account." in html
    assert "Fill in your details below or click an icon to log in:" not in html


def test_signing_in_again_finds_the_same_account(client, fake):
    through_provider(client, start(client))
    client.post("/auth/sign-out")
    fake.user.name = "Ada L."
    through_provider(client, start(client))
    assert users() == 1 and identities() == 1
    identity = db.session.scalar(select(Identity))
    assert identity.display_name == "Ada L."
    assert identity.last_login_at is not None


def test_sign_in_renews_the_session(client, fake, app):
    with client.session_transaction() as session:
        session["planted_by_someone"] = "x"
        session["my_comments"] = [7]
    through_provider(client, start(client))
    with client.session_transaction() as session:
        assert "planted_by_someone" not in session
        assert session["my_comments"] == [7]
        assert session["_user_id"].startswith(f"{reader().id}:")
        assert session["login_provider"] == "google"


def test_no_access_token_is_kept_anywhere(client, fake):
    through_provider(client, start(client))
    issued = next(iter(fake.tokens))
    with client.session_transaction() as session:
        assert issued not in repr(dict(session))
    identity_columns = {c.name for c in Identity.__table__.columns}
    assert not any("token" in name for name in identity_columns)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "http:/evil.example",
        " //evil.example",
    ],
)
def test_next_never_leaves_the_site(client, fake, target):
    landed = through_provider(client, start(client, "google", target))
    location = landed.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location.split("?")[0][:20]
    if target.startswith("/%0d"):
        assert "\n" not in location and "\r" not in location
    else:
        assert location == "/"


def test_callback_with_wrong_state_stores_nothing(client, fake, make_post, caplog):
    post = make_post()
    page = f"/posts/{post.slug}/"
    begin = start(client, "google", page)
    at_provider = requests.get(begin.headers["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_provider.headers["Location"])
    code = parse_qs(back.query)["code"][0]
    with caplog.at_level(logging.WARNING, logger="blog.auth.social"):
        landed = client.get(back.path, query_string={"code": code, "state": "forged-state"})
    assert landed.headers["Location"] == page
    assert "could not be completed" in client.get(page).get_data(as_text=True)
    assert users() == 0 and identities() == 0
    assert fake.calls_to("/token") == []
    assert "state missing, mismatched or expired" in caplog.text


def test_callback_without_state_or_flow_goes_home_with_a_message(client, fake):
    landed = client.get("/auth/google/callback", query_string={"code": "abc"})
    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    assert "Sign-in with Google could not be completed" in client.get("/").get_data(as_text=True)
    assert users() == 0


def test_replayed_code_is_refused(client, fake, caplog):
    begin = start(client)
    at_provider = requests.get(begin.headers["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_provider.headers["Location"])
    old_session = client.get_cookie("session").value
    first = client.get(f"{back.path}?{back.query}")
    assert first.status_code == 302 and users() == 1
    # An attacker (or the back button) replays the callback with the session as it was before.
    client.post("/auth/sign-out")
    client.set_cookie("session", old_session)
    with caplog.at_level(logging.WARNING, logger="blog.auth.social"):
        second = client.get(f"{back.path}?{back.query}")
    assert second.status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert "Sign-in with Google did not work" in client.get("/").get_data(as_text=True)
    assert "invalid_grant" in caplog.text
    assert users() == 1 and identities() == 1


def test_expired_code_is_refused(client, fake):
    begin = start(client)
    at_provider = requests.get(begin.headers["Location"], allow_redirects=False, timeout=5)
    for grant in fake.grants.values():
        grant.issued -= 3600
    back = urlsplit(at_provider.headers["Location"])
    client.get(f"{back.path}?{back.query}")
    assert users() == 0
    assert "Sign-in with Google did not work" in client.get("/").get_data(as_text=True)


def test_pressing_cancel_at_google_says_so(client, fake, make_post):
    post = make_post()
    page = f"/posts/{post.slug}/"
    fake.behaviour.approve = "page"
    begin = start(client, "google", page + "#respond")
    consent = requests.get(begin.headers["Location"], timeout=5)
    assert "Sign in to the fake provider" in consent.text
    params = parse_qs(urlsplit(begin.headers["Location"]).query)
    cancelled = requests.post(
        f"{fake.url}/authorize/decision",
        data={**{k: v[0] for k, v in params.items()}, "decision": "cancel"},
        allow_redirects=False,
        timeout=5,
    )
    back = urlsplit(cancelled.headers["Location"])
    landed = client.get(f"{back.path}?{back.query}")
    assert landed.headers["Location"] == page + "#respond"
    assert "Sign-in with Google was cancelled." in client.get(page).get_data(as_text=True)
    assert users() == 0


def test_failing_token_endpoint_ends_with_a_message(client, fake, caplog):
    fake.behaviour.token_status = 500
    with caplog.at_level(logging.WARNING, logger="blog.auth.social"):
        landed = through_provider(client, start(client))
    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    assert "Sign-in with Google did not work" in client.get("/").get_data(as_text=True)
    assert "Sign-in with google failed" in caplog.text
    assert users() == 0


@pytest.mark.settings(SOCIAL_HTTP_TIMEOUT=0.3)
def test_slow_token_endpoint_times_out_with_a_message(client, fake, caplog):
    fake.behaviour.token_delay = 5
    with caplog.at_level(logging.WARNING, logger="blog.auth.social"):
        landed = through_provider(client, start(client))
    assert landed.status_code == 302
    assert "Sign-in with Google did not work" in client.get("/").get_data(as_text=True)
    assert "Timeout" in caplog.text
    assert users() == 0


def test_unreachable_discovery_document_keeps_the_reader_on_the_page(client, fake, make_post):
    post = make_post()
    fake.behaviour.discovery_status = 503
    response = start(client, "google", f"/posts/{post.slug}/")
    assert response.headers["Location"] == f"/posts/{post.slug}/"
    assert "Sign-in with Google is not available right now" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("id_token_key", "other"),  # signed with a key the provider does not publish
        ("id_token_aud", "someone-elses-client"),  # issued to another site
        ("id_token_nonce", "a-different-nonce"),  # replayed from another flow
        ("id_token_exp", -600),  # expired
        ("send_id_token", False),  # no ID token at all
    ],
)
def test_bad_id_token_is_refused(client, fake, caplog, setting, value):
    setattr(fake.behaviour, setting, value)
    with caplog.at_level(logging.WARNING, logger="blog.auth.social"):
        landed = through_provider(client, start(client))
    assert landed.status_code == 302
    assert "Sign-in with Google did not work" in client.get("/").get_data(as_text=True)
    assert users() == 0 and identities() == 0
    assert "Sign-in with google failed" in caplog.text


def test_twitter_sign_in_uses_pkce_and_reads_users_me(client, fake):
    begin = start(client, "twitter")
    sent = parse_qs(urlsplit(begin.headers["Location"]).query)
    assert sent["scope"] == ["users.read tweet.read"]
    assert sent["code_challenge_method"] == ["S256"]
    through_provider(client, begin)
    me = fake.calls_to("/2/users/me")[0]
    assert me["args"] == {"user.fields": "profile_image_url"}
    assert me["headers"]["Authorization"].startswith("Bearer ")
    user = reader()
    assert (user.name, user.email, user.avatar_url) == ("Ada Reader", None, "https://images.example.org/ada.png")
    identity = db.session.scalar(select(Identity))
    assert (identity.provider, identity.username) == ("twitter", "adareader")


def test_facebook_sign_in_signs_graph_calls_with_appsecret_proof(client, fake):
    through_provider(client, start(client, "facebook"))
    me = fake.calls_to("/me")[0]
    assert me["args"]["fields"] == "id,name,email,picture"
    assert len(me["args"]["appsecret_proof"]) == 64
    user = reader()
    identity = db.session.scalar(select(Identity))
    assert user.name == "Ada Reader" and user.avatar_url == "https://images.example.org/ada.png"
    # Facebook does not say the address is verified: it stays on the identity, not the account.
    assert identity.email == "ada@example.org" and user.email is None


def test_github_sign_in_takes_the_primary_verified_email(client, fake):
    through_provider(client, start(client, "github"))
    user = reader()
    assert (user.email, user.email_verified) == ("ada@example.org", True)
    assert db.session.scalar(select(Identity.username)) == "adareader"


def test_generic_oidc_provider_uses_its_configured_name(client, fake, make_post):
    post = make_post()
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Log in with Keycloak" in html
    through_provider(client, start(client, "oidc", f"/posts/{post.slug}/"))
    assert db.session.scalar(select(Identity.provider)) == "oidc"
    assert "You are commenting using your Keycloak account." in client.get(f"/posts/{post.slug}/").get_data(
        as_text=True
    )


def test_comment_box_offers_every_configured_provider(client, fake, make_post):
    post = make_post()
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Fill in your details below or click an icon to log in:" in html
    for label in ("Google", "Twitter", "Facebook", "GitHub", "Keycloak", "a link sent by email"):
        assert f"Log in with {label}" in html


@pytest.mark.settings(TWITTER_CLIENT_SECRET="")
def test_provider_without_its_secret_is_not_offered(client, fake, make_post):
    post = make_post()
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Log in with Google" in html
    assert "Log in with Twitter" not in html
    assert client.get("/login/twitter").status_code == 404


def test_unknown_provider_is_a_404(client, fake):
    assert client.get("/login/myspace").status_code == 404
    assert client.get("/auth/myspace/callback").status_code == 404


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_log_out_needs_a_post_with_the_csrf_token(client, fake, make_post):
    post = make_post()
    page = f"/posts/{post.slug}/"
    through_provider(client, start(client, "google", page))
    html = client.get(page).get_data(as_text=True)
    assert client.get("/auth/sign-out").status_code == 405
    assert client.post("/auth/sign-out", data={"next": page}).status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" in session
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    out = client.post(f"/auth/sign-out?next={page}%23respond", data={"csrf_token": token})
    assert out.status_code == 302 and out.headers["Location"] == page + "#respond"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert "Fill in your details below" in client.get(page).get_data(as_text=True)


@pytest.mark.settings(**{f"{name}_CLIENT_ID": "" for name in ("GOOGLE", "TWITTER", "FACEBOOK", "GITHUB", "OIDC")})
def test_with_no_provider_the_box_offers_the_email_link_in_words(client, make_post):
    """One envelope under "click an icon" said nothing of what it does."""
    html = client.get(f"/posts/{make_post().slug}/").get_data(as_text=True)
    assert "Fill in your details below or sign in by email:" in html
    assert "click an icon" not in html
    assert '<span class="social-icon-text">Email me a sign-in link</span>' in html

"""The admin's sign-in provider check: live reachability, missing settings, the callback URL."""

from __future__ import annotations

import socket

import pytest

from blog.models import Role
from tests.fakes.provider import FAKE, FakeProvider, provider_settings

pytestmark = pytest.mark.settings(**provider_settings(providers=("google", "twitter", "facebook", "oidc")))


@pytest.fixture
def fake() -> FakeProvider:
    FAKE.start().reset()
    return FAKE


@pytest.fixture
def admin_client(client, make_user, login):
    return login(client, make_user(Role.ADMIN))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_admin_sees_each_provider_checked(admin_client, fake):
    response = admin_client.get("/admin/providers")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Discovery document {fake.url}/.well-known/openid-configuration loads" in html
    assert "Signing keys (JWKS): 1 published." in html
    assert f"Token URL {fake.url}/token answers" in html
    assert "http://localhost/auth/google/callback" in html
    assert "http://localhost/auth/twitter/callback" in html
    assert "Not enabled: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET." in html
    assert "Keycloak" in html
    assert "Sign-in providers" in html  # in the admin sidebar


@pytest.mark.settings(SITE_URL="https://reviews.example.org/")
def test_callback_urls_use_the_public_site_url(admin_client, fake):
    html = admin_client.get("/admin/providers").get_data(as_text=True)
    assert "https://reviews.example.org/auth/google/callback" in html


def test_problems_get_one_clear_line_each(admin_client, fake, app):
    fake.behaviour.discovery_status = 503
    app.config["TWITTER_CLIENT_SECRET"] = ""
    app.config["FACEBOOK_TOKEN_URL"] = f"http://127.0.0.1:{closed_port()}/token"
    html = admin_client.get("/admin/providers").get_data(as_text=True)
    assert "answered HTTP 503" in html
    assert "TWITTER_CLIENT_SECRET is missing." in html
    assert "is unreachable: ConnectionError." in html
    assert "Needs attention" in html


def test_only_admins_may_open_it(client, fake, make_user, login):
    assert client.get("/admin/providers").status_code in (302, 401)
    login(client, make_user(Role.EDITOR))
    assert client.get("/admin/providers").status_code == 403

"""Every response carries the security headers; the CSP allows our scripts only by nonce."""

from __future__ import annotations

import re

import pytest

from blog.models import Role
from tests.route_walk import routes

REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def directives(policy: str) -> dict[str, str]:
    parts = (p.strip() for p in policy.split(";"))
    return {p.split(" ", 1)[0]: ([*p.split(" ", 1), ""])[1] for p in parts if p}


def assert_secured(response, url: str) -> None:
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, f"{url}: {name} is {response.headers.get(name)!r}"
    policy = directives(response.headers.get("Content-Security-Policy", ""))
    assert policy, f"{url}: no Content-Security-Policy"
    assert "'unsafe-inline'" not in policy["script-src"], url
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{16,}'", policy["script-src"]), policy["script-src"]
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data: https:"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"].startswith("'self'")
    assert policy["object-src"] == "'none'"
    assert "Strict-Transport-Security" not in response.headers, f"{url}: HSTS over plain HTTP"


def test_every_page_a_reader_or_editor_opens_carries_the_security_headers(app, client, make_post, make_user, login):
    post = make_post("Fond Memories Part 1: Magnetic Rose", "Memories is a *three episode* anthology.")
    get_routes = [r for r in routes(app, {"slug": post.slug, "post_id": post.id, "id": post.id}) if "GET" in r.methods]
    assert len(get_routes) >= 3
    anonymous_statuses = {}
    for route in get_routes:
        response = client.get(route.url)
        anonymous_statuses[route.url] = response.status_code
        assert_secured(response, route.url)
    assert anonymous_statuses["/"] == 200
    assert anonymous_statuses[f"/posts/{post.slug}/"] == 200

    login(client, make_user(Role.ADMIN))
    for route in get_routes:
        assert_secured(client.get(route.url), route.url)
    # Error pages too.
    assert_secured(client.get("/no/such/page"), "/no/such/page")


def test_the_nonce_in_the_header_is_the_one_on_the_page_and_changes_each_time(client, make_post):
    post = make_post(title="Nonce check")
    seen = set()
    for _ in range(3):
        response = client.get(f"/posts/{post.slug}/")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and "application/ld+json" not in tag:  # inline scripts carry the nonce
                assert f'nonce="{nonce}"' in tag, tag
        seen.add(nonce)
    assert len(seen) == 3  # served from the cache the second time, with a fresh nonce all the same


def test_no_inline_script_without_a_nonce_in_any_template():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "csp_nonce()" not in tag and 'type="application/ld+json"' not in tag:
                offenders.append(f"{path.relative_to(root)}: {tag}")
        if re.search(r"\son[a-z]+\s*=", text.replace("{#", "").replace("#}", "")):
            for match in re.finditer(r"<[^>]*\son[a-z]+\s*=[^>]*>", text):
                offenders.append(f"{path.relative_to(root)}: inline handler {match.group(0)[:80]}")
    assert not offenders, "\n".join(offenders)


def test_hsts_and_secure_cookies_only_over_https(app, client, make_post):
    post = make_post()
    plain = client.get(f"/posts/{post.slug}/")
    assert "Strict-Transport-Security" not in plain.headers
    secure = app.test_client().get(f"/posts/{post.slug}/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_secured_but_hsts = {k: secure.headers[k] for k in REQUIRED}
    assert assert_secured_but_hsts == REQUIRED


@pytest.mark.settings(
    GITHUB_CLIENT_ID="abc",
    GITHUB_CLIENT_SECRET="def",
    OIDC_CLIENT_ID="x",
    OIDC_SERVER_METADATA_URL="https://id.example.org/.well-known/openid-configuration",
)
def test_sign_in_forms_may_lead_to_the_configured_providers_only(client):
    policy = directives(client.get("/").headers["Content-Security-Policy"])
    sources = policy["form-action"].split()
    assert sources[0] == "'self'"
    assert "https://github.com" in sources
    assert "https://id.example.org" in sources
    assert "https://accounts.google.com" not in sources  # not configured here

"""A fake sign-in provider on 127.0.0.1: OAuth 2.0 + OpenID Connect, shaped like the real ones.

One werkzeug server in a daemon thread serves, for every provider at once:

* OpenID Connect (Google and the generic slot): discovery document, JWKS, ``/authorize``,
  ``/token`` (with PKCE and single-use, expiring codes), ``/userinfo``; ID tokens signed RS256
  with the fake's own key (joserfc), carrying ``iss``, ``aud``, ``exp``, ``iat`` and the nonce.
* Twitter/X API v2: ``GET /2/users/me?user.fields=profile_image_url`` → ``{"data": {...}}``.
* Facebook Graph: ``GET /me?fields=id,name,email,picture`` requiring a correct ``appsecret_proof``.
* GitHub REST: ``GET /user`` and ``GET /user/emails``.

Tests set ``FAKE.user`` (who signs in), switch misbehaviours (a failing or slow token endpoint, an
ID token signed with another key or for another audience) and read ``FAKE.calls`` to see what the
app sent. ``approve`` = "auto" redirects straight back; "page" shows a small Sign in / Cancel page.
The port is reserved when this module is imported, so ``provider_settings()`` can go into a
``pytest.mark.settings`` marker before any app is built.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

CLIENTS = {
    "google": ("google-client-id", "google-client-secret"),
    "twitter": ("twitter-client-id", "twitter-client-secret"),
    "facebook": ("facebook-client-id", "facebook-client-secret"),
    "github": ("github-client-id", "github-client-secret"),
    "oidc": ("oidc-client-id", "oidc-client-secret"),
}
SECRETS = dict(CLIENTS.values())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FakeUser:
    sub: str = "10769150350006150715113082367"
    name: str = "Ada Reader"
    username: str = "adareader"
    email: str = "ada@example.org"
    email_verified: bool = True
    picture: str = "https://images.example.org/ada.png"


@dataclass
class Behaviour:
    approve: str = "auto"  # auto | page
    token_status: int = 200  # 500: the token endpoint fails
    token_delay: float = 0.0  # seconds before the token endpoint answers
    discovery_status: int = 200
    id_token_key: str = "good"  # good | other (signed with a key the JWKS does not publish)
    id_token_aud: str | None = None  # another audience than the client id
    id_token_nonce: str | None = None  # another nonce than the one sent
    id_token_exp: int = 600  # seconds from now; negative: already expired
    send_id_token: bool = True
    github_emails: list[dict[str, Any]] | None = None


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    challenge: str | None
    method: str | None
    user: FakeUser
    issued: float = field(default_factory=time.time)
    used: bool = False


class FakeProvider:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig", "alg": "RS256"})
        self._server: BaseWSGIServer | None = None
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.reset()

    # ------------------------------------------------------------------ control

    def reset(self) -> None:
        self.user = FakeUser()
        self.behaviour = Behaviour()
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, tuple[str, FakeUser]] = {}
        self.calls: list[dict[str, Any]] = []
        self._release.set()
        self._release = threading.Event()

    def start(self) -> FakeProvider:
        with self._lock:
            if self._server is None:
                self._server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
                threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-provider").start()
        return self

    def release_slow_requests(self) -> None:
        self._release.set()

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"] == path]

    # ------------------------------------------------------------------ HTTP

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.calls.append(
            {
                "path": request.path,
                "method": request.method,
                "args": request.args.to_dict(),
                "form": request.form.to_dict(),
                "headers": dict(request.headers),
            }
        )
        handler = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/authorize/decision": self.decision,
            "/token": self.token,
            "/userinfo": self.userinfo,
            "/2/users/me": self.twitter_me,
            "/me": self.facebook_me,
            "/user": self.github_user,
            "/user/emails": self.github_emails,
        }.get(request.path)
        response = handler(request) if handler else _json({"error": "not_found"}, 404)
        return response(environ, start_response)

    def discovery(self, request: Request) -> Response:
        if self.behaviour.discovery_status != 200:
            return _json({"error": "unavailable"}, self.behaviour.discovery_status)
        return _json(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    def jwks(self, request: Request) -> Response:
        return _json({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") not in SECRETS or not args.get("redirect_uri") or args.get("response_type") != "code":
            return _json({"error": "invalid_request"}, 400)
        if self.behaviour.approve == "page":
            fields = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in args.items()
            )
            page = (
                "<!doctype html><html lang=en><head><title>Fake provider</title></head><body>"
                f"<h1>Sign in to the fake provider</h1><p>as {html.escape(self.user.name)}</p>"
                f'<form method="post" action="/authorize/decision">{fields}'
                '<button name="decision" value="approve">Sign in</button> '
                '<button name="decision" value="cancel">Cancel</button></form></body></html>'
            )
            return Response(page, content_type="text/html; charset=utf-8")
        return self._answer(args.to_dict(), approve=True)

    def decision(self, request: Request) -> Response:
        return self._answer(request.form.to_dict(), approve=request.form.get("decision") == "approve")

    def _answer(self, params: dict[str, str], *, approve: bool) -> Response:
        redirect_uri = params["redirect_uri"]
        state = params.get("state", "")
        if not approve:
            query = {"error": "access_denied", "error_description": "The user denied access", "state": state}
            return _redirect(redirect_uri, query)
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            client_id=params["client_id"],
            redirect_uri=redirect_uri,
            scope=params.get("scope", ""),
            nonce=params.get("nonce"),
            challenge=params.get("code_challenge"),
            method=params.get("code_challenge_method"),
            user=FakeUser(**vars(self.user)),
        )
        return _redirect(redirect_uri, {"code": code, "state": state})

    def token(self, request: Request) -> Response:
        if self.behaviour.token_delay:
            self._release.wait(self.behaviour.token_delay)
        if self.behaviour.token_status != 200:
            return _json({"error": "server_error"}, self.behaviour.token_status)
        client_id, client_secret = _client_auth(request)
        if SECRETS.get(client_id or "") != client_secret:
            return _json({"error": "invalid_client"}, 401)
        form = request.form
        grant = self.grants.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None:
            return _json({"error": "invalid_grant", "error_description": "unknown code"}, 400)
        if grant.used or time.time() - grant.issued > 60:
            return _json({"error": "invalid_grant", "error_description": "code already used or expired"}, 400)
        grant.used = True
        if grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
            return _json({"error": "invalid_grant", "error_description": "client or redirect_uri mismatch"}, 400)
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant.method != "S256" or not hmac.compare_digest(digest, grant.challenge):
                return _json({"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400)
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = (client_id or "", grant.user)
        body: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600}
        body["scope"] = grant.scope
        if "openid" in grant.scope.split() and self.behaviour.send_id_token:
            body["id_token"] = self.id_token(grant, client_id or "")
        return _json(body)

    def id_token(self, grant: Grant, client_id: str) -> str:
        now = int(time.time())
        user = grant.user
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": user.sub,
            "aud": self.behaviour.id_token_aud or client_id,
            "iat": now,
            "exp": now + self.behaviour.id_token_exp,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
            "picture": user.picture,
        }
        nonce = self.behaviour.id_token_nonce or grant.nonce
        if nonce:
            claims["nonce"] = nonce
        key = self.key if self.behaviour.id_token_key == "good" else self.other_key
        return jwt.encode({"alg": "RS256", "kid": "fake-1"}, claims, key)

    def _bearer(self, request: Request) -> FakeUser | None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else request.args.get("access_token", "")
        found = self.tokens.get(token)
        return found[1] if found else None

    def userinfo(self, request: Request) -> Response:
        user = self._bearer(request)
        if user is None:
            return _json({"error": "invalid_token"}, 401)
        return _json(
            {
                "sub": user.sub,
                "name": user.name,
                "email": user.email,
                "email_verified": user.email_verified,
                "picture": user.picture,
            }
        )

    def twitter_me(self, request: Request) -> Response:
        user = self._bearer(request)
        if user is None:
            return _json({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401)
        data = {"id": user.sub, "name": user.name, "username": user.username}
        if "profile_image_url" in request.args.get("user.fields", "").split(","):
            data["profile_image_url"] = user.picture
        return _json({"data": data})

    def facebook_me(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else request.args.get("access_token", "")
        found = self.tokens.get(token)
        if found is None:
            return _json(
                {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}, 400
            )
        client_id, user = found
        proof = hmac.new(SECRETS[client_id].encode(), token.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.args.get("appsecret_proof", ""), proof):
            error = {"message": "Invalid appsecret_proof provided in the API argument", "type": "GraphMethodException"}
            return _json({"error": {**error, "code": 100}}, 400)
        fields = request.args.get("fields", "id,name").split(",")
        everything = {
            "id": user.sub,
            "name": user.name,
            "email": user.email,
            "picture": {"data": {"height": 50, "is_silhouette": False, "url": user.picture, "width": 50}},
        }
        return _json({k: v for k, v in everything.items() if k in fields})

    def github_user(self, request: Request) -> Response:
        user = self._bearer(request)
        if user is None:
            return _json({"message": "Requires authentication", "status": "401"}, 401)
        return _json(
            {
                "login": user.username,
                "id": int(user.sub[:9]) if user.sub[:9].isdigit() else 583231,
                "avatar_url": user.picture,
                "name": user.name,
                "email": None,
                "type": "User",
            }
        )

    def github_emails(self, request: Request) -> Response:
        user = self._bearer(request)
        if user is None:
            return _json({"message": "Requires authentication", "status": "401"}, 401)
        if self.behaviour.github_emails is not None:
            return _json(self.behaviour.github_emails)
        return _json([{"email": user.email, "primary": True, "verified": user.email_verified, "visibility": "private"}])


def _client_auth(request: Request) -> tuple[str | None, str | None]:
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username, request.authorization.password
    return request.form.get("client_id"), request.form.get("client_secret")


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _redirect(uri: str, query: dict[str, str]) -> Response:
    separator = "&" if "?" in uri else "?"
    return Response(status=302, headers={"Location": uri + separator + urlencode(query)})


#: The one fake of this test process (its port is fixed at import, its server starts on first use).
FAKE = FakeProvider()


def provider_settings(fake: FakeProvider = FAKE, *, providers: tuple[str, ...] = tuple(CLIENTS)) -> dict[str, Any]:
    """App settings pointing every provider in ``providers`` at the fake."""
    base = fake.url
    urls: dict[str, dict[str, str]] = {
        "google": {"GOOGLE_SERVER_METADATA_URL": f"{base}/.well-known/openid-configuration"},
        "oidc": {"OIDC_SERVER_METADATA_URL": f"{base}/.well-known/openid-configuration", "OIDC_NAME": "Keycloak"},
        "twitter": {
            "TWITTER_AUTHORIZE_URL": f"{base}/authorize",
            "TWITTER_TOKEN_URL": f"{base}/token",
            "TWITTER_API_BASE_URL": f"{base}/2/",
        },
        "facebook": {
            "FACEBOOK_AUTHORIZE_URL": f"{base}/authorize",
            "FACEBOOK_TOKEN_URL": f"{base}/token",
            "FACEBOOK_API_BASE_URL": f"{base}/",
        },
        "github": {
            "GITHUB_AUTHORIZE_URL": f"{base}/authorize",
            "GITHUB_TOKEN_URL": f"{base}/token",
            "GITHUB_API_BASE_URL": f"{base}/",
        },
    }
    settings: dict[str, Any] = {"SOCIAL_HTTP_TIMEOUT": 2}
    for key in providers:
        client_id, client_secret = CLIENTS[key]
        prefix = key.upper()
        settings[f"{prefix}_CLIENT_ID"] = client_id
        settings[f"{prefix}_CLIENT_SECRET"] = client_secret
        settings.update(urls[key])
    return settings


def through_provider(client: Any, start: Any) -> Any:
    """Follow one sign-in from our redirect to the fake's /authorize (real HTTP), and hand the
    fake's redirect back to our callback through the Flask test client. Returns the callback's
    response (a redirect to where the reader lands)."""
    from urllib.parse import urlsplit

    import requests

    assert start.status_code == 302, start.status_code
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def main() -> None:
    """``python -m tests.fakes.provider [port]``: run the fake for a local site (README, Social login)."""
    import sys

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    fake = FakeProvider()
    fake.port, fake.url = port, f"http://127.0.0.1:{port}"
    fake.behaviour.approve = "page"
    print(f"Fake sign-in provider on {fake.url} (Ctrl-C to stop). Start the site with:\n")
    for name, value in provider_settings(fake, providers=("google",)).items():
        if name.startswith("GOOGLE_"):
            print(f"  export {name}={value}")
    print("\nthen open a post and click the Google icon above the comment box.")
    server = make_server("127.0.0.1", port, fake.wsgi, threaded=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()

"""Security headers, the Content-Security-Policy with per-request nonces, cookie flags, ProxyFix.

Every response gets the headers, whatever produced it (a view, an error page, the page cache).
Scripts run only from our own origin or with the request's nonce (``csp_nonce()`` in templates),
styles only from our own files, and no page may be framed. Cookies get ``Secure`` on every HTTPS
response (or always with ``SESSION_COOKIE_SECURE``), so an operator who forgets the setting still
gets secure cookies once the site is served over HTTPS.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from blog.web import csp_nonce

#: Where each provider's sign-in page lives when its ``*_AUTHORIZE_URL`` is not set. A browser
#: checks ``form-action`` on the redirect that follows our own /login/<provider> form, so the
#: provider's origin must be allowed or the sign-in button silently does nothing.
PROVIDER_AUTHORIZE_ORIGINS = {
    "GOOGLE": "https://accounts.google.com",
    "GITHUB": "https://github.com",
    "TWITTER": "https://twitter.com https://x.com",
    "FACEBOOK": "https://www.facebook.com",
}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def form_action_sources(config: dict) -> list[str]:  # type: ignore[type-arg]
    """``'self'`` plus the sign-in origins of the OAuth providers that are configured."""
    sources = ["'self'"]
    for provider in ("GOOGLE", "GITHUB", "TWITTER", "FACEBOOK", "OIDC"):
        if not config.get(f"{provider}_CLIENT_ID"):
            continue
        configured = config.get(f"{provider}_AUTHORIZE_URL") or ""
        if provider in ("GOOGLE", "OIDC") and not configured:
            # Discovery-based providers: the issuer's host serves the authorize endpoint.
            configured = config.get(f"{provider}_SERVER_METADATA_URL") or ""
        origin = _origin(configured) if configured else PROVIDER_AUTHORIZE_ORIGINS.get(provider, "")
        sources.extend(origin.split())
    sources.extend(str(config.get("CSP_EXTRA_FORM_ACTION") or "").split())
    return list(dict.fromkeys(s for s in sources if s))


def content_security_policy(nonce: str) -> str:
    """The policy for one response. Built per request because the nonce changes each time."""
    config = current_app.config
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self'",
        "img-src": "'self' data: https:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "media-src": str(config["CSP_MEDIA_SRC"]),
        "frame-src": str(config["CSP_FRAME_SRC"]),
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": " ".join(current_app.extensions["sargasso.form_action"]),
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items() if value)


def wants_secure_cookies() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _secure_cookies(response: Response) -> None:
    """Add ``Secure`` to every cookie this response sets (session, remember-me, comment cookies)."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies or all("; secure" in c.lower() for c in cookies):
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie += "; Secure"
        response.headers.add("Set-Cookie", cookie)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # A 304 must not carry a new policy: the browser keeps the body it has, with the nonce that
    # body was sent with, and would merge a new nonce into its stored headers.
    if response.status_code != 304:
        nonce = g.csp_nonce if "csp_nonce" in g else csp_nonce()
        headers["Content-Security-Policy"] = content_security_policy(nonce)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if request.is_secure and int(current_app.config["HSTS_MAX_AGE"]) > 0:
        value = f"max-age={int(current_app.config['HSTS_MAX_AGE'])}"
        if current_app.config["HSTS_INCLUDE_SUBDOMAINS"]:
            value += "; includeSubDomains"
        headers.setdefault("Strict-Transport-Security", value)
    if wants_secure_cookies():
        _secure_cookies(response)
    return response


def cookie_flags(set_cookie: str) -> dict[str, str | bool]:
    """Parse one ``Set-Cookie`` header into its attributes (tests and ``flask doctor`` use it)."""
    jar: SimpleCookie = SimpleCookie()
    jar.load(set_cookie)
    morsel = next(iter(jar.values()))
    lower = set_cookie.lower()
    return {
        "name": morsel.key,
        "secure": "; secure" in lower,
        "httponly": "; httponly" in lower,
        "samesite": str(morsel["samesite"]),
    }


def _secure_cookie_response_class(base: type[Response]) -> type[Response]:
    """Responses whose cookies get ``Secure`` whenever this request came over HTTPS.

    The session cookie and Flask-Login's remember-me cookie are set after ``after_request``
    hooks run, so the flag is added where every cookie is made: ``Response.set_cookie``.
    """

    class SecureCookieResponse(base):  # type: ignore[valid-type,misc]
        def set_cookie(self, key: str, *args: Any, **kwargs: Any) -> None:
            if has_request_context() and wants_secure_cookies():
                kwargs["secure"] = True
            super().set_cookie(key, *args, **kwargs)

    SecureCookieResponse.__name__ = base.__name__
    return SecureCookieResponse


def init_app(app: Flask) -> None:
    """Trust ``TRUSTED_PROXIES`` hops of X-Forwarded-* headers, and add the headers to responses."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        # Only the last ``hops`` entries are believed: a client can prepend anything it likes to
        # X-Forwarded-For, but cannot change what our own proxies append.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.extensions["sargasso.form_action"] = form_action_sources(app.config)
    app.response_class = _secure_cookie_response_class(app.response_class)
    app.after_request(add_security_headers)

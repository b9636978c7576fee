"""Page-cache hits answered before Flask: the WSGI layer in front of the app.

A hit inside Flask pays for the whole request (context, session, hooks, request-id logging, the
login manager, Flask-Limiter): several times a hello-world. Here a GET or HEAD from an anonymous
reader (no cookie at all, or a session cookie holding neutral keys only, and no Authorization)
is looked up with the same key and the same backend as ``blog.cache``, checked against the
current generation and its time bounds, and answered from the stored body and headers: the
security headers as the app made them (with a new CSP nonce), ``ETag``/``Last-Modified``/
``Cache-Control``, ``Vary: Cookie``, ``X-Cache: HIT`` and a request id, as ``blog.observability``
promises on every response. ``If-None-Match`` gets a 304.

Everything else goes to Flask unchanged, including every failure of the backend (Flask renders,
and logs, as without the cache) and the request that is due to look for scheduled posts to
announce (``blog.posts.announce``). Misses are stored by ``blog.cache``'s after_request hook.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie
from werkzeug.middleware.proxy_fix import ProxyFix

from blog import cache
from blog.observability import request_id_for

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_NOT_ON_304 = cache.NOT_ON_304 | {"content-length"}


class PageCacheMiddleware:
    """Serves current entries to anonymous readers; passes every other request to ``wsgi_app``."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.flask_app = app
        self.wsgi_app = wsgi_app
        self.session_cookie = str(app.config["SESSION_COOKIE_NAME"])
        self._serializer: Any = None

    # -- who may be answered here

    def _session_keys(self, value: str) -> Iterable[str] | None:
        """The keys of a session cookie, or None when it cannot be read here (Flask decides)."""
        serializer = self._serializer
        if serializer is None:
            serializer = self._serializer = self.flask_app.session_interface.get_signing_serializer(  # type: ignore[attr-defined]
                self.flask_app
            )
            if serializer is None:
                return None
        try:
            data = serializer.loads(value, max_age=int(self.flask_app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return None
        return data.keys() if isinstance(data, dict) else None

    def _anonymous(self, environ: dict[str, Any]) -> bool:
        header = environ.get("HTTP_COOKIE")
        if not header:
            return "HTTP_AUTHORIZATION" not in environ
        cookies = parse_cookie(header)  # Werkzeug's parser, so this layer sees what Flask would
        session_value = cookies.get(self.session_cookie)
        keys = self._session_keys(session_value) if session_value else ()
        if keys is None:
            return False
        return cache.anonymous(cookies.keys(), keys, "HTTP_AUTHORIZATION" in environ, self.session_cookie)

    def _announce_due(self) -> bool:
        """A scheduled post may have come due: let Flask's before_request look (and announce it)."""
        clock = self.flask_app.extensions.get("sargasso.announce")
        return clock is not None and time.monotonic() >= clock.next_check

    # -- the answer

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        backend = self.flask_app.extensions.get("sargasso.page_cache")
        if method not in ("GET", "HEAD") or backend is None or not self._anonymous(environ) or self._announce_due():
            return self.wsgi_app(environ, start_response)
        key = cache.cache_key(environ, self.flask_app.extensions["sargasso.page_cache_settings"])
        if not backend.may_have(key):
            return self.wsgi_app(environ, start_response)
        try:
            generation, entry = backend.lookup(key)
        except Exception as error:  # noqa: BLE001 - any failure: Flask renders (and reports) as without a cache
            self.flask_app.logger.warning("Page cache: lookup failed, passing to the app: %r", error)
            return self.wsgi_app(environ, start_response)
        if entry is None or not entry.current(generation, time.time()):
            environ[cache.LOOKUP_ENVIRON_KEY] = (key, generation, entry)  # Flask does not look again
            return self.wsgi_app(environ, start_response)
        return self._serve(entry, environ, start_response, method == "HEAD")

    def _serve(
        self, entry: cache.Entry, environ: dict[str, Any], start_response: StartResponse, head: bool
    ) -> Iterable[bytes]:
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        match = environ.get("HTTP_IF_NONE_MATCH")
        if match and cache.not_modified(entry.etag, match):
            headers = [(n, v) for n, v in entry.headers if n.lower() not in _NOT_ON_304]
            headers.append(("X-Cache", "HIT"))
            headers.append(("X-Request-ID", request_id))
            start_response("304 NOT MODIFIED", headers)
            return []
        nonce = secrets.token_urlsafe(16)
        headers = [(n, v.replace(cache.NONCE_MARK, nonce)) for n, v in entry.headers]
        headers.append(("Content-Length", str(len(entry.body))))
        headers.append(("X-Cache", "HIT"))
        headers.append(("X-Request-ID", request_id))
        start_response("200 OK", headers)
        return [] if head else [entry.body]


def install(app: Flask) -> None:
    """Put the layer in front of the app, inside ProxyFix when there is one (so the key is built
    from the client's scheme and host, as Flask's ``request`` sees them)."""
    current = app.wsgi_app
    if isinstance(current, ProxyFix):
        current.app = PageCacheMiddleware(app, current.app)
    else:
        app.wsgi_app = PageCacheMiddleware(app, current)  # type: ignore[method-assign]

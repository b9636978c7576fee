"""Which requests are served from the cache and how pages are stored: Flask's before/after request hooks."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app, g, has_request_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import http_date, parse_etags
from werkzeug.wrappers import Response

from blog.cache.backends import NONCE_MARK, NOT_ON_304, PER_RESPONSE_HEADERS, Backend, Entry
from blog.extensions import db
from blog.models.base import utcnow

#: The comments area sets this cookie on a reader whose comment awaits moderation, so that reader
#: sees their own comment; readers carrying it always get a fresh page.
PENDING_COMMENT_COOKIE = "sargasso_pending"

#: Session keys that say nothing about the reader (Flask-Login's bookkeeping, the CSRF secret).
NEUTRAL_SESSION_KEYS = frozenset({"csrf_token", "_fresh", "_id", "_permanent"})
CACHEABLE_TYPES = ("text/html", "application/atom+xml", "application/rss+xml", "application/xml",
                   "text/xml", "application/json", "application/feed+json", "text/plain")  # fmt: skip

# ----------------------------------------------------------------------------- requests


def anonymous(
    cookie_names: Iterable[str], session_keys: Iterable[str], authorization: bool, session_cookie: str
) -> bool:
    """A reader with nothing personal about them: no cookie but the session cookie, nothing in the
    session but neutral keys, no credentials. Both the WSGI hit path and Flask ask this."""
    if authorization or set(cookie_names) - {session_cookie}:
        return False  # remember-me, pending comment, comment author... a personal page
    return set(session_keys) <= NEUTRAL_SESSION_KEYS


def _reader_is_anonymous() -> bool:
    return anonymous(
        request.cookies.keys(),
        session.keys(),
        request.authorization is not None,
        current_app.config["SESSION_COOKIE_NAME"],
    )


def _reading_page() -> bool:
    """A GET or HEAD of a page the cache rules cover (``PAGE_CACHE_BLUEPRINTS`` less the excluded)."""
    if request.method not in ("GET", "HEAD"):
        return False
    endpoint = request.endpoint or ""
    blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
    settings = current_app.extensions["sargasso.page_cache_rules"]
    return blueprint in settings[0] and endpoint not in settings[1]


#: Settings every page prints. A shared cache (Redis) outlives a restart, so a change to one of
#: these must not be served from entries rendered before it: they are part of each entry's key.
PAGE_SETTINGS = ("SITE_NAME", "SITE_TAGLINE", "SITE_URL", "SITE_TIMEZONE")


def settings_fingerprint(config: Any) -> str:
    """What ``PAGE_SETTINGS`` are now, folded into every cache key (see ``cache_key``)."""
    return "\x1f".join(str(config.get(name, "")) for name in PAGE_SETTINGS)


def cache_key(environ: dict[str, Any], settings: str = "") -> str:
    """The entry's key from the WSGI environ (after ProxyFix): scheme, host, path and query, and
    the ``settings_fingerprint`` of the app that renders it."""
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    raw = (
        f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}"
        f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}\x1e{settings}"
    )
    return hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def page_is_shared() -> bool:
    """This page is being rendered for the cache: the same bytes for every anonymous reader, so
    it must hold nothing of this reader's (CSRF token, form stamp, nonce). The one switch that
    templates, ``blog.comments`` and ``csrf_token_for_page`` ask."""
    return has_request_context() and bool(g.get("page_is_shared"))


def csrf_token_for_page() -> str:
    """This reader's CSRF token, or "" on a shared page (site.js fills it in when needed)."""
    return "" if page_is_shared() else str(generate_csrf())


def not_modified(etag: str, header: str | None) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weakly, as revalidation allows)."""
    return bool(header) and parse_etags(header).contains_weak(etag.removeprefix("W/").strip('"'))


def _cache_control() -> str:
    shared = int(current_app.config["PAGE_CACHE_SHARED_MAX_AGE"])
    return f"public, max-age=0, s-maxage={shared}" if shared > 0 else "public, no-cache"


def _next_scheduled_publication(since: datetime) -> float | None:
    """When the first post scheduled after ``since`` (the moment rendering began) goes live.

    Measured from the start of the request: a post that came due while the page was being
    rendered makes the entry already stale, so it is never stored.
    """
    from blog.models.posts import Post, PostStatus

    when = db.session.execute(
        select(func.min(Post.published_at)).where(Post.status == PostStatus.PUBLISHED, Post.published_at > since)
    ).scalar()
    if when is None:
        return None
    if isinstance(when, str):  # pragma: no cover - a driver that hands back text
        return None
    return float(when.timestamp())


def _storable(response: Response) -> bool:
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return False
    if response.mimetype not in CACHEABLE_TYPES:
        return False
    control = response.headers.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    if response.headers.getlist("Set-Cookie"):
        return False  # the view gave this reader something (a session, a cookie of theirs)
    return set(session.keys()) <= NEUTRAL_SESSION_KEYS


def _personal_values(body: bytes) -> bool:
    """The page holds this request's CSRF token or CSP nonce: something asked for one on a shared
    page (a template or form not yet made for sharing). Serve it, never store it."""
    for value in (g.get(_csrf_field()), g.get("csp_nonce")):
        if value and str(value).encode() in body:
            current_app.logger.debug("Page cache: %s holds a per-reader value, not stored", request.path)
            return True
    return False


def _csrf_field() -> str:
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def share_with_anonymous() -> None:
    """With the page cache off, an anonymous reader of a reading page still gets the shared page:
    no CSRF token, no form stamp, no session started. Reading then sets no cookie, the page is the
    one the cache would have served, and rendering skips two signatures and a signed cookie per
    view; ``static/js/site.js`` fetches a token and a stamp when the reader starts writing."""
    if _reading_page() and _reader_is_anonymous():
        g.page_is_shared = True


#: The WSGI layer leaves its lookup here when it could not answer, so Flask does not look again.
LOOKUP_ENVIRON_KEY = "sargasso.page_cache.lookup"


def _before_request() -> Response | None:
    g.page_cache = None
    if not _reading_page():
        return None
    if not _reader_is_anonymous():
        g.page_cache_bypass = True
        return None
    cache: Backend = current_app.extensions["sargasso.page_cache"]
    key = cache_key(request.environ, current_app.extensions["sargasso.page_cache_settings"])
    looked = request.environ.get(LOOKUP_ENVIRON_KEY)
    if looked is not None and looked[0] == key:
        _, generation, entry = looked
    else:
        try:
            generation, entry = cache.lookup(key)
        except getattr(cache, "_errors", ()) as error:
            current_app.logger.warning("Page cache unavailable, rendering: %s", error)
            return None
    if entry is not None and entry.current(generation, time.time()):
        return _serve(entry)  # a reader the WSGI layer left to Flask (e.g. a session it could not read)
    g.page_cache = (key, generation, utcnow())
    g.page_is_shared = True
    return None


def _serve(entry: Entry) -> Response:
    """A hit answered inside Flask: the stored body and headers (the hooks add the usual ones)."""
    status = 304 if not_modified(entry.etag, request.headers.get("If-None-Match")) else 200
    response = current_app.response_class(entry.body if status == 200 else b"", status=status)
    for name, value in entry.headers:
        if name.lower() == "content-security-policy" or (status == 304 and name.lower() in NOT_ON_304):
            continue
        response.headers[name] = value
    response.headers["X-Cache"] = "HIT"
    return response


def _after_request(response: Response) -> Response:
    """Runs after every other hook (see ``init_app``), so the stored headers are the final ones."""
    if g.get("page_cache_bypass"):
        response.headers.setdefault("Cache-Control", "private, no-cache")
        response.headers.setdefault("X-Cache", "BYPASS")
        response.vary.add("Cookie")
        return response
    state = g.pop("page_cache", None)
    if state is None or not _storable(response):
        return response
    key, generation, started = state
    body = response.get_data()
    if _personal_values(body):
        return response
    now = time.time()
    valid_until = now + int(current_app.config["PAGE_CACHE_TTL"])
    try:
        next_publication = _next_scheduled_publication(started)
    except SQLAlchemyError as error:
        # An after_request hook cannot hand errors to the 503 handler: serve the page, keep nothing.
        db.session.rollback()
        current_app.logger.warning("Page cache: not stored, the database did not answer: %s", error)
        return response
    if next_publication is not None:
        valid_until = min(valid_until, next_publication)
    digest = hashlib.blake2b(body + response.content_type.encode(), digest_size=16).hexdigest()
    etag = f'W/"{digest}"'
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(now)
    response.headers["Cache-Control"] = _cache_control()
    response.vary.add("Cookie")
    response.headers["X-Cache"] = "MISS"
    nonce = str(g.get("csp_nonce") or "")
    headers = []
    for name, value in response.headers.items():
        if name.lower() in PER_RESPONSE_HEADERS:
            continue
        if name.lower() == "content-security-policy" and nonce:
            value = value.replace(nonce, NONCE_MARK)
        headers.append((name, value))
    entry = Entry(generation, valid_until, now, etag, headers, body)
    if valid_until > now:
        cache: Backend = current_app.extensions["sargasso.page_cache"]
        try:
            cache.store(key, entry, int(valid_until - now) + 1)
        except getattr(cache, "_errors", ()) as error:
            current_app.logger.warning("Page cache: could not store: %s", error)
    if not_modified(etag, request.headers.get("If-None-Match")):
        unchanged = current_app.response_class(status=304)
        for name, value in response.headers.items():
            if name.lower() not in NOT_ON_304 and name.lower() != "content-length":
                unchanged.headers.add(name, value)
        return unchanged
    return response

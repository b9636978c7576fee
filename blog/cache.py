"""The page cache: anonymous readers get pages rendered once, until something they show changes.

How it stays correct:

* **Who is served from it.** Only GET/HEAD requests to the reading blueprints
  (``PAGE_CACHE_BLUEPRINTS``) from readers with nothing personal about them: no cookie but the
  session cookie, and nothing in the session but the CSRF token. Signed-in users, readers with a
  flash message waiting, and readers with a pending comment (``PENDING_COMMENT_COOKIE``, or any
  other cookie of ours) always get a freshly rendered page.
* **Invalidation by generation.** Every entry records the site *generation* read when the request
  began; a change that shows on pages raises the generation, so every entry on every instance is
  stale at once. SQLAlchemy session events raise it by themselves for any flushed change to a
  mapped row (except tables readers never see, and comments that were never approved), so areas
  do not have to remember; ``bump_site_generation()`` is there for changes made in raw SQL.
  The counter is in Redis with ``REDIS_URL``, else in the ``cache_generation`` table, raised in
  the same transaction as the change (so every worker and machine sees it with the change).
* **Time.** An entry is never served after the next scheduled post's publication time, nor after
  ``PAGE_CACHE_TTL`` seconds.
* **Per-reader holes.** The CSP nonce and the reader's CSRF token are cut out of the stored body
  and filled in again for each reader, so cached forms work and nonces stay single-use.

Entries live in Redis (shared by every worker and machine) or, without Redis, in each worker's
memory (bounded by ``PAGE_CACHE_MAX_BYTES``). Responses carry ``ETag``/``Last-Modified``/
``Cache-Control`` so browsers revalidate with a cheap 304 and nginx or a CDN may cache pages that
have no per-reader token (``PAGE_CACHE_SHARED_MAX_AGE``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Table, event, func, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.http import http_date, parse_etags
from werkzeug.wrappers import Response

from blog.extensions import db
from blog.models.base import utcnow
from blog.web import csp_nonce

#: The comments area sets this cookie on a reader whose comment awaits moderation, so that reader
#: sees their own comment; readers carrying it always get a fresh page.
PENDING_COMMENT_COOKIE = "sargasso_pending"

#: Tables whose rows never show on a cached page: changing them does not invalidate anything.
IGNORED_TABLES: set[str] = {
    "cache_generation",
    "moderation_actions",
    "login_failures",
    "email_login_tokens",
    "identities",
    "mail_outbox",
    "post_autosaves",  # the editor's drafts-in-progress
    "comment_drafts",  # a reader's unfinished comment kept across social sign-in
    "comment_subscriptions",
    "comment_reports",
    "webhook_deliveries",
}

#: Session keys that say nothing about the reader (Flask-Login's bookkeeping, the CSRF secret).
NEUTRAL_SESSION_KEYS = frozenset({"csrf_token", "_fresh", "_id", "_permanent"})
CACHEABLE_TYPES = ("text/html", "application/atom+xml", "application/rss+xml", "application/xml",
                   "text/xml", "application/json", "application/feed+json", "text/plain")  # fmt: skip
NONCE_HOLE = b"\x00sargasso:nonce\x00"
CSRF_HOLE = b"\x00sargasso:csrf\x00"
_BUMP_PENDING = "sargasso_cache_bump_pending"
_BUMPED_IN_TX = "sargasso_cache_bumped"


def ignore_table(name: str) -> None:
    """Declare a table readers never see (a queue, a log), so writes to it keep the cache."""
    IGNORED_TABLES.add(name)


# ----------------------------------------------------------------------------- entries


@dataclass
class Entry:
    generation: int
    valid_until: float
    stored_at: float
    etag: str
    content_type: str
    has_csrf: bool
    body: bytes
    #: ``[name, argument]`` of each per-hit value left as a hole in ``body`` (see ``mark_fresh``).
    fresh: list[list[str]] = field(default_factory=list)

    def encode(self) -> bytes:
        head = {
            "g": self.generation,
            "u": self.valid_until,
            "t": self.stored_at,
            "e": self.etag,
            "ct": self.content_type,
            "c": self.has_csrf,
            "f": self.fresh,
        }
        return json.dumps(head, separators=(",", ":")).encode() + b"\n" + self.body

    @classmethod
    def decode(cls, raw: bytes) -> Entry | None:
        head, sep, body = raw.partition(b"\n")
        if not sep:
            return None
        try:
            h = json.loads(head)
            fresh = [[str(name), str(arg)] for name, arg in h.get("f", [])]
            return cls(int(h["g"]), float(h["u"]), float(h["t"]), str(h["e"]), str(h["ct"]), bool(h["c"]), body,
                       fresh)
        except (ValueError, KeyError, TypeError):
            return None


# ----------------------------------------------------------------------------- backends


class Backend(Protocol):
    def lookup(self, key: str) -> tuple[int, bytes | None]:
        """The current generation and the raw entry stored under ``key`` (or None)."""

    def store(self, key: str, raw: bytes, ttl: int) -> None: ...

    def bump_after_commit(self) -> bool:
        """True when the generation is raised after commit (Redis), False when inside it (SQL)."""

    def bump(self, connection: Connection | None = None) -> None: ...

    def generation(self) -> int: ...


class RedisBackend:
    """Entries and the generation in Redis: one round trip (MGET) per cached request."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=30
        )
        self.prefix = prefix
        self.gen_key = f"{prefix}cache:generation"

    def key(self, key: str) -> str:
        return f"{self.prefix}page:{key}"

    def lookup(self, key: str) -> tuple[int, bytes | None]:
        gen, raw = self.client.mget([self.gen_key, self.key(key)])
        return int(gen or 0), raw

    def store(self, key: str, raw: bytes, ttl: int) -> None:
        self.client.set(self.key(key), raw, ex=max(1, ttl))

    def bump_after_commit(self) -> bool:
        return True

    def bump(self, connection: Connection | None = None) -> None:
        self.client.incr(self.gen_key)

    def generation(self) -> int:
        return int(self.client.get(self.gen_key) or 0)


class LocalBackend:
    """Entries in this worker's memory (LRU, bounded in bytes); the generation in the database."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._errors: tuple[type[Exception], ...] = ()
        self._generation_stmt: Any = None

    @staticmethod
    def _table() -> Table:
        from blog.models.site_state import CacheGeneration

        return CacheGeneration.__table__  # type: ignore[return-value]

    def lookup(self, key: str) -> tuple[int, bytes | None]:
        generation = self.generation()
        with self._lock:
            raw = self._entries.get(key)
            if raw is not None:
                self._entries.move_to_end(key)
        return generation, raw

    def generation(self) -> int:
        # Asked on every cached page: a statement built once, on a pooled connection of its own
        # (no ORM session to begin and tear down for a page that needs nothing else).
        stmt = self._generation_stmt
        if stmt is None:
            table = self._table()
            stmt = self._generation_stmt = select(table.c.generation).where(table.c.id == 1)
        with db.engine.connect() as conn:
            value = conn.execute(stmt).scalar()
        return int(value or 0)

    def store(self, key: str, raw: bytes, ttl: int) -> None:
        if len(raw) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._entries[key] = raw
            self._size += len(raw)
            while self._size > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def bump_after_commit(self) -> bool:
        return False

    def bump(self, connection: Connection | None = None) -> None:
        """Raise the counter inside ``connection``'s transaction (an upsert: the row may be new)."""
        table = self._table()
        conn = connection if connection is not None else db.session.connection()
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:
                from sqlalchemy.dialects.postgresql import insert
            stmt = insert(table).values(id=1, generation=1)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.id], set_={"generation": table.c.generation + 1}
            )
            conn.execute(stmt)
            return
        if conn.execute(update(table).where(table.c.id == 1).values(generation=table.c.generation + 1)).rowcount == 0:
            conn.execute(table.insert().values(id=1, generation=1))

    def clear_memory(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


def backend() -> Backend | None:
    """The running app's cache backend, or None when the page cache is off."""
    if not has_app_context():
        return None
    return current_app.extensions.get("sargasso.page_cache")  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- invalidation


def bump_site_generation() -> None:
    """Mark every cached page stale, for changes the session events cannot see (raw SQL).

    Call it before ``db.session.commit()``: without Redis the bump is part of that transaction;
    with Redis it happens right after the commit (and now, if no transaction is open).
    """
    cache = backend()
    if cache is None:
        return
    sess = db.session()
    if cache.bump_after_commit():
        if sess.in_transaction():
            sess.info[_BUMP_PENDING] = True
        else:
            _safe_bump(cache)
    else:
        cache.bump(sess.connection())
        sess.info[_BUMPED_IN_TX] = True


def _safe_bump(cache: Backend, connection: Connection | None = None) -> None:
    try:
        cache.bump(connection)
    except getattr(cache, "_errors", ()) as error:
        # The change is committed; entries expire within PAGE_CACHE_TTL at worst.
        current_app.logger.error("Page cache: could not raise the generation: %s", error)


def _comment_shows(obj: Any, is_new: bool) -> bool:
    """A comment matters to readers only if it is, or was, approved."""
    from blog.models.comments import CommentStatus

    if obj.status == CommentStatus.APPROVED:
        return True
    if is_new:
        return False
    history = inspect(obj).attrs.status.history
    if history.has_changes() and not history.deleted:
        return True  # the old status was not loaded (an expired object): it may have been approved
    return CommentStatus.APPROVED in history.deleted


_PRIVATE_USER_FIELDS = frozenset({"last_login_at", "session_version", "password_hash", "email_verified"})


def _user_shows(obj: Any, is_new: bool) -> bool:
    state = inspect(obj)
    if is_new or state.deleted or state.was_deleted:
        return True
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return bool(changed - _PRIVATE_USER_FIELDS)


#: Per-model rules deciding whether a change to an object can show on a page.
VISIBILITY_RULES: dict[str, Callable[[Any, bool], bool]] = {
    "comments": _comment_shows,
    "users": _user_shows,
}


def changes_show(sess: Session) -> bool:
    """Whether the objects this flush writes can change what a reader sees on some page."""
    new = set(sess.new)
    for obj in (*new, *sess.dirty, *sess.deleted):
        table = getattr(obj, "__tablename__", None)
        if table is None or table in IGNORED_TABLES:
            continue
        is_new = obj in new
        if not is_new and obj not in sess.deleted and not sess.is_modified(obj):
            continue
        rule = VISIBILITY_RULES.get(table)
        if rule is None or obj in sess.deleted or rule(obj, is_new):
            return True
    return False


def _mark(sess: Session, connection: Connection | None = None) -> None:
    cache = backend()
    if cache is None:
        return
    if cache.bump_after_commit():
        sess.info[_BUMP_PENDING] = True
    elif not sess.info.get(_BUMPED_IN_TX):
        cache.bump(connection if connection is not None else sess.connection())
        sess.info[_BUMPED_IN_TX] = True


def _after_flush(sess: Session, flush_context: Any) -> None:
    if changes_show(sess):
        _mark(sess)


def _on_orm_execute(state: ORMExecuteState) -> None:
    """Bulk ``update(Post)...``/``delete(Comment)...`` statements skip the flush; catch them here."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    table = getattr(getattr(mapper, "local_table", None), "name", None)
    if table is not None and table not in IGNORED_TABLES:
        _mark(state.session)


def _after_commit(sess: Session) -> None:
    pending = sess.info.pop(_BUMP_PENDING, False)
    sess.info.pop(_BUMPED_IN_TX, None)
    if pending:
        cache = backend()
        if cache is not None:
            _safe_bump(cache)


def _after_rollback(sess: Session) -> None:
    sess.info.pop(_BUMP_PENDING, None)
    sess.info.pop(_BUMPED_IN_TX, None)


_events_installed = False


def _install_events() -> None:
    global _events_installed
    if _events_installed:
        return
    from flask_sqlalchemy.session import Session as FlaskSession

    event.listen(FlaskSession, "after_flush", _after_flush)
    event.listen(FlaskSession, "do_orm_execute", _on_orm_execute)
    event.listen(FlaskSession, "after_commit", _after_commit)
    event.listen(FlaskSession, "after_rollback", _after_rollback)
    _events_installed = True


# ----------------------------------------------------------------------------- requests


def _reader_is_anonymous() -> bool:
    config = current_app.config
    cookie_names = set(request.cookies)
    if cookie_names - {config["SESSION_COOKIE_NAME"]}:
        return False  # remember-me, pending comment, comment author... a personal page
    if request.authorization is not None:
        return False
    return set(session.keys()) <= NEUTRAL_SESSION_KEYS


def _cacheable_endpoint() -> bool:
    endpoint = request.endpoint or ""
    blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
    settings = current_app.extensions["sargasso.page_cache_rules"]
    return blueprint in settings[0] and endpoint not in settings[1]


def _cache_key() -> str:
    raw = f"{request.scheme}://{request.host}{request.full_path}"
    return hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _csrf_field() -> str:
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _etag_for(entry_etag: str, has_csrf: bool) -> str:
    """Pages with a form differ per reader by their CSRF secret; fold a digest of it in."""
    if not has_csrf:
        return entry_etag
    secret = str(session.get(_csrf_field(), ""))
    digest = hashlib.blake2b(secret.encode(), digest_size=6).hexdigest()
    return f'{entry_etag[:-1]}-{digest}"'


def _not_modified(etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    return bool(header) and parse_etags(header).contains_weak(etag.removeprefix("W/").strip('"'))


def _cache_control(has_csrf: bool) -> str:
    if has_csrf:
        return "private, no-cache"  # a shared cache would hand one reader's token to others
    shared = int(current_app.config["PAGE_CACHE_SHARED_MAX_AGE"])
    return f"public, max-age=0, s-maxage={shared}" if shared > 0 else "public, no-cache"


def _finish(response: Response, entry: Entry, status: str) -> Response:
    etag = _etag_for(entry.etag, entry.has_csrf)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(entry.stored_at)
    response.headers["Cache-Control"] = _cache_control(entry.has_csrf)
    response.headers["X-Cache"] = status
    response.vary.add("Cookie")
    return response


#: Values a page carries that must be new for each reader (name -> maker from a string argument).
_FRESH_MAKERS: dict[str, Callable[[str], str]] = {}


def register_fresh(name: str, make: Callable[[str], str]) -> None:
    """Declare a per-reader value, e.g. the comment form's "shown at" stamp: a cached page gets a
    new one on every hit instead of the one it was stored with."""
    _FRESH_MAKERS[name] = make


def mark_fresh(name: str, value: str, argument: str) -> None:
    """``value`` (made by ``name``'s maker from ``argument``) is in the page being rendered."""
    if has_request_context():
        g.setdefault("page_cache_fresh", []).append((name, value, argument))


def _fresh_hole(name: str, argument: str) -> bytes:
    return f"\x00sargasso:fresh:{name}:{argument}\x00".encode()


def _serve(entry: Entry) -> Response:
    body = entry.body
    etag = _etag_for(entry.etag, entry.has_csrf)
    if _not_modified(etag):
        response = current_app.response_class(status=304)
        return _finish(response, entry, "HIT")
    if NONCE_HOLE in body:
        body = body.replace(NONCE_HOLE, csp_nonce().encode())
    if entry.has_csrf:
        body = body.replace(CSRF_HOLE, generate_csrf().encode())
    for name, argument in entry.fresh:
        make = _FRESH_MAKERS.get(name)
        if make is not None:
            body = body.replace(_fresh_hole(name, argument), make(argument).encode())
    response = current_app.response_class(body, status=200, content_type=entry.content_type)
    return _finish(response, entry, "HIT")


def _next_scheduled_publication(since: datetime) -> float | None:
    """When the first post scheduled after ``since`` (the moment rendering began) goes live.

    Measured from the start of the request: a post that came due while the page was being
    rendered makes the entry already stale, so it is never stored.
    """
    from blog.models.posts import Post, PostStatus

    when = db.session.execute(
        select(func.min(Post.published_at)).where(
            Post.status == PostStatus.PUBLISHED, Post.published_at > since
        )
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
    session_cookie = current_app.config["SESSION_COOKIE_NAME"]
    for cookie in response.headers.getlist("Set-Cookie"):
        if not cookie.startswith(session_cookie + "="):
            return False  # the view gave this reader something personal
    return set(session.keys()) <= NEUTRAL_SESSION_KEYS and not g.get("page_cache_skip")


def dont_cache() -> None:
    """For a view in a cached blueprint whose page this time must not be stored or shared."""
    g.page_cache_skip = True


def _before_request() -> Response | None:
    g.page_cache = None
    if request.method not in ("GET", "HEAD") or not _cacheable_endpoint():
        return None
    if not _reader_is_anonymous():
        g.page_cache_bypass = True
        return None
    cache: Backend = current_app.extensions["sargasso.page_cache"]
    key = _cache_key()
    try:
        generation, raw = cache.lookup(key)
    except getattr(cache, "_errors", ()) as error:
        current_app.logger.warning("Page cache unavailable, rendering: %s", error)
        return None
    g.page_cache = (key, generation, utcnow())
    if raw is not None:
        entry = Entry.decode(raw)
        if entry is not None and entry.generation == generation and time.time() < entry.valid_until:
            g.page_cache = None
            return _serve(entry)
    return None


def _after_request(response: Response) -> Response:
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
    nonce = g.get("csp_nonce")
    if nonce:
        body = body.replace(str(nonce).encode(), NONCE_HOLE)
    token = g.get(_csrf_field())
    has_csrf = bool(token) and str(token).encode() in body
    if has_csrf:
        body = body.replace(str(token).encode(), CSRF_HOLE)
    fresh: list[list[str]] = []
    for name, value, argument in g.get("page_cache_fresh", ()):
        if name in _FRESH_MAKERS and value and value.encode() in body:
            body = body.replace(value.encode(), _fresh_hole(name, argument))
            fresh.append([name, argument])
    now = time.time()
    ttl = int(current_app.config["PAGE_CACHE_TTL"])
    valid_until = now + ttl
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
    entry = Entry(generation, valid_until, now, f'W/"{digest}"', response.content_type, has_csrf, body, fresh)
    if valid_until > now:
        cache: Backend = current_app.extensions["sargasso.page_cache"]
        try:
            cache.store(key, entry.encode(), int(valid_until - now) + 1)
        except getattr(cache, "_errors", ()) as error:
            current_app.logger.warning("Page cache: could not store: %s", error)
    etag = _etag_for(entry.etag, has_csrf)
    if _not_modified(etag):
        not_modified = current_app.response_class(status=304)
        for cookie in response.headers.getlist("Set-Cookie"):
            not_modified.headers.add("Set-Cookie", cookie)
        return _finish(not_modified, entry, "MISS")
    return _finish(response, entry, "MISS")


def make_backend(app: Flask) -> Backend:
    if app.config.get("REDIS_URL"):
        return RedisBackend(str(app.config["REDIS_URL"]), str(app.config["REDIS_KEY_PREFIX"]))
    return LocalBackend(int(app.config["PAGE_CACHE_MAX_BYTES"]))


def init_app(app: Flask) -> None:
    _install_events()
    if not app.config.get("PAGE_CACHE_ENABLED", True):
        return
    app.extensions["sargasso.page_cache"] = make_backend(app)
    app.extensions["sargasso.page_cache_rules"] = (
        frozenset(str(app.config["PAGE_CACHE_BLUEPRINTS"]).replace(",", " ").split()),
        frozenset(str(app.config["PAGE_CACHE_EXCLUDE"]).replace(",", " ").split()),
    )
    app.before_request(_before_request)
    app.after_request(_after_request)

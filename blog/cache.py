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
* **Shared pages carry nothing personal.** A page rendered for the cache (``page_is_shared()``)
  has no CSRF token (``csrf_token_for_page()`` is empty), no comment-form stamp and no CSP nonce:
  it is the same bytes for every anonymous reader. ``static/js/site.js`` fetches a token and a
  stamp from ``/comments/form-token`` when the reader starts on a form; without JavaScript the
  comment view's CSRF-failure page keeps the text and offers the button again. A page that still
  holds this request's token or nonce is served but never stored.
* **Hits are served before Flask.** ``blog.cache_wsgi`` answers a GET/HEAD from a reader with no
  cookie (or a session of neutral keys only) straight from the entry and the headers stored with
  it; everything else, and any backend failure, goes through Flask as before.

Entries live in Redis (shared by every worker and machine; each worker also keeps the bodies it
fetched, so a hit moves only the entry's head) or, without Redis, in each worker's memory
(bounded by ``PAGE_CACHE_MAX_BYTES``). Responses carry ``ETag``/``Last-Modified``/
``Cache-Control`` so browsers revalidate with a cheap 304 and nginx or a CDN may cache them
(``PAGE_CACHE_SHARED_MAX_AGE``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Table, event, func, inspect, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.http import http_date, parse_etags
from werkzeug.wrappers import Response

from blog.extensions import db
from blog.models.base import utcnow

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
_BUMP_PENDING = "sargasso_cache_bump_pending"
_BUMPED_IN_TX = "sargasso_cache_bumped"


def ignore_table(name: str) -> None:
    """Declare a table readers never see (a queue, a log), so writes to it keep the cache."""
    IGNORED_TABLES.add(name)


# ----------------------------------------------------------------------------- entries

#: Stands for the CSP nonce in a stored ``Content-Security-Policy``: each hit gets a new one, so a
#: nonce never repeats (a shared page uses none, but the header keeps its usual shape).
NONCE_MARK = "sargasso-nonce-mark"
#: Headers made for each response, never stored with an entry.
PER_RESPONSE_HEADERS = frozenset({"set-cookie", "x-request-id", "content-length", "x-cache"})
#: Headers a 304 does not repeat (the browser keeps those of its copy; see blog.security).
NOT_ON_304 = frozenset({"content-security-policy", "content-type"})


@dataclass
class Entry:
    """A stored page: the body and every header a hit sends, as they were when it was rendered."""

    generation: int
    valid_until: float
    stored_at: float
    etag: str
    headers: list[tuple[str, str]]
    body: bytes

    def encode_head(self) -> bytes:
        """Everything but the body (Redis keeps the body under its own key, see RedisBackend)."""
        head = {"g": self.generation, "u": self.valid_until, "t": self.stored_at, "e": self.etag,
                "h": self.headers}
        return json.dumps(head, separators=(",", ":")).encode()

    @classmethod
    def decode_head(cls, raw: bytes, body: bytes = b"") -> Entry | None:
        try:
            h = json.loads(raw)
            headers = [(str(name), str(value)) for name, value in h["h"]]
            return cls(int(h["g"]), float(h["u"]), float(h["t"]), str(h["e"]), headers, body)
        except (ValueError, KeyError, TypeError):
            return None

    def current(self, generation: int, now: float) -> bool:
        return self.generation == generation and now < self.valid_until


# ----------------------------------------------------------------------------- backends


class Backend(Protocol):
    def lookup(self, key: str) -> tuple[int, Entry | None]:
        """The current generation and the entry stored under ``key`` (or None)."""

    def store(self, key: str, entry: Entry, ttl: int) -> None: ...

    def may_have(self, key: str) -> bool:
        """False only when, without asking anyone, no entry can be stored under ``key``: the WSGI
        layer then leaves the request to Flask without reading the generation."""

    def bump_after_commit(self) -> bool:
        """True when the generation is raised after commit (Redis), False when inside it (SQL)."""

    def bump(self, connection: Connection | None = None) -> None: ...

    def generation(self) -> int: ...


class EntryMemory:
    """Entries in this worker's memory, least recently used dropped first, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[bytes, Entry]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, Entry] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def put(self, key: str, tag: bytes, entry: Entry) -> None:
        size = len(entry.body) + len(tag)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[1].body) + len(old[0])
            self._items[key] = (tag, entry)
            self._size += size
            while self._size > self.max_bytes and self._items:
                _, (dropped_tag, dropped) = self._items.popitem(last=False)
                self._size -= len(dropped.body) + len(dropped_tag)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


def _resp_command(*parts: bytes) -> bytes:
    """A command in Redis's wire format (RESP), as ``Connection.pack_command`` makes it, for a
    fraction of its cost (it is a third of a hit's Redis time)."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        out.append(b"$%d\r\n%s\r\n" % (len(part), part))
    return b"".join(out)


class RedisBackend:
    """Entries and the generation in Redis: one small round trip (MGET) per cached request.

    The MGET fetches the generation and the entry's head (its headers and ETag, ~1 KiB); the
    body (360 KiB for a post with 200 comments) is kept under a key of its own, named by its
    ETag, and fetched only by a worker that does not hold that very body in memory already. So a
    hit moves a few hundred bytes, not the page, and decodes nothing it decoded before. The MGET
    goes over a connection each thread keeps for it, past the client's pool and retry machinery
    (85 µs of CPU per command here, against 23 µs on the connection itself); a failed connection
    is dropped and the command tried once on a new one.
    """

    def __init__(self, url: str, prefix: str, memory_bytes: int = 32 * 1024 * 1024) -> None:
        import redis

        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=30
        )
        self.prefix = prefix
        self.gen_key = f"{prefix}cache:generation"
        self.memory = EntryMemory(memory_bytes)
        self._local = threading.local()

    def _mget(self, *keys: str) -> list[bytes | None]:
        local = self._local
        connection = getattr(local, "connection", None)
        if connection is None or local.pid != os.getpid():  # a forked worker opens its own
            connection = local.connection = self.client.connection_pool.make_connection()
            local.pid = os.getpid()
        command = _resp_command(b"MGET", *(k.encode() for k in keys))
        try:
            connection.send_packed_command([command])
            return connection.read_response()  # type: ignore[no-any-return]
        except self._errors:
            connection.disconnect()  # whatever was half read is gone with it
            connection.send_packed_command([command])
            return connection.read_response()  # type: ignore[no-any-return]

    def key(self, key: str) -> str:
        return f"{self.prefix}page:{key}"

    def body_key(self, etag: str) -> str:
        return f"{self.prefix}body:{etag.removeprefix('W/').strip(chr(34))}"

    def lookup(self, key: str) -> tuple[int, Entry | None]:
        gen, head = self._mget(self.gen_key, self.key(key))
        generation = int(gen or 0)
        if head is None:
            return generation, None
        known = self.memory.get(key)
        if known is not None and known[0] == head:
            return generation, known[1]
        entry = Entry.decode_head(head)
        if entry is None or not entry.current(generation, time.time()):
            return generation, entry
        body = self.client.get(self.body_key(entry.etag))
        if body is None:
            return generation, None  # the body expired first: render again
        entry.body = body
        self.memory.put(key, head, entry)
        return generation, entry

    def may_have(self, key: str) -> bool:
        return True  # another worker may have stored it: only Redis knows

    def store(self, key: str, entry: Entry, ttl: int) -> None:
        head = entry.encode_head()
        ttl = max(1, ttl)
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.body_key(entry.etag), entry.body, ex=ttl)
        pipe.set(self.key(key), head, ex=ttl)
        pipe.execute()
        self.memory.put(key, head, entry)

    def bump_after_commit(self) -> bool:
        return True

    def bump(self, connection: Connection | None = None) -> None:
        self.client.incr(self.gen_key)

    def generation(self) -> int:
        return int(self.client.get(self.gen_key) or 0)


GENERATION_SQL = "SELECT generation FROM cache_generation WHERE id = 1"


class GenerationReader:
    """Reads the generation on a DBAPI connection of its own, one per thread, in autocommit.

    Asked on every cached page, so it skips SQLAlchemy (a pooled checkout, a transaction, a
    result object: ~60 µs) for one plain statement the driver prepares once. Autocommit, so each
    read sees the latest commit of any worker. A connection that fails is dropped and the read
    tried once on a new one; a second failure is raised (the caller renders through Flask).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.errors: tuple[type[Exception], ...] = (engine.dialect.loaded_dbapi.Error,)
        self._local = threading.local()
        self._open: list[Any] = []  # every thread's connection, closed with the engine's pool
        self._open_lock = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def _connect(self) -> Any:
        pooled = self.engine.raw_connection()  # the engine's connect events (pragmas, search_path) run
        driver = pooled.driver_connection
        pooled.detach()  # ours for good: the pool neither resets nor hands it to anyone else
        if self.engine.dialect.name == "sqlite":
            driver.isolation_level = None  # no implicit BEGIN: every read sees the latest commit
        elif hasattr(driver, "autocommit"):
            driver.rollback()  # a pre-ping may have left a transaction open; autocommit needs none
            driver.autocommit = True
        self._local.cursor = driver.cursor()
        self._local.connection = driver
        self._local.pid = os.getpid()
        with self._open_lock:
            self._open.append(driver)
        return self._local.cursor

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.cursor = self._local.connection = None
        if connection is not None:
            with self._open_lock:
                if connection in self._open:
                    self._open.remove(connection)
            with contextlib.suppress(Exception):
                connection.close()

    def read(self) -> int:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None or self._local.pid != os.getpid():  # a forked worker opens its own
            cursor = self._connect()
        try:
            cursor.execute(GENERATION_SQL)
            row = cursor.fetchone()
        except self.errors:
            self._drop()
            cursor = self._connect()
            cursor.execute(GENERATION_SQL)
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def close(self) -> None:
        """Close every thread's connection (``engine.dispose()`` does): the next read reconnects."""
        with self._open_lock:
            connections, self._open = self._open, []
        for connection in connections:
            with contextlib.suppress(Exception):  # one owned by another thread, or already gone
                connection.close()


def _in_memory(engine: Engine) -> bool:
    name = engine.url.database or ""
    return name in ("", ":memory:") or "mode=memory" in str(engine.url.query)


class LocalBackend:
    """Entries in this worker's memory (LRU, bounded in bytes); the generation in the database."""

    def __init__(self, max_bytes: int, app: Flask | None = None) -> None:
        self.app = app  # to find the engine when asked before Flask (blog.cache_wsgi)
        self.memory = EntryMemory(max_bytes)
        self._errors: tuple[type[Exception], ...] = ()
        self._reader: GenerationReader | None = None

    @staticmethod
    def _table() -> Table:
        from blog.models.site_state import CacheGeneration

        return CacheGeneration.__table__  # type: ignore[return-value]

    def lookup(self, key: str) -> tuple[int, Entry | None]:
        generation = self.generation()
        item = self.memory.get(key)
        return generation, (item[1] if item is not None else None)

    def generation(self) -> int:
        reader = self._reader
        if reader is None:
            if self.app is not None and not has_app_context():
                with self.app.app_context():
                    return self.generation()
            engine = db.engine
            if engine.dialect.name == "sqlite" and _in_memory(engine):
                # One connection is the whole database: read through SQLAlchemy's own.
                with engine.connect() as conn:
                    table = self._table()
                    return int(conn.execute(select(table.c.generation).where(table.c.id == 1)).scalar() or 0)
            reader = self._reader = GenerationReader(engine)
            self._errors = reader.errors
        return reader.read()

    def store(self, key: str, entry: Entry, ttl: int) -> None:
        self.memory.put(key, b"", entry)

    def may_have(self, key: str) -> bool:
        return key in self.memory  # entries are this worker's own: an avatar or a file is never there

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
        self.memory.clear()


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


def anonymous(cookie_names: Iterable[str], session_keys: Iterable[str], authorization: bool,
              session_cookie: str) -> bool:
    """A reader with nothing personal about them: no cookie but the session cookie, nothing in the
    session but neutral keys, no credentials. Both the WSGI hit path and Flask ask this."""
    if authorization or set(cookie_names) - {session_cookie}:
        return False  # remember-me, pending comment, comment author... a personal page
    return set(session_keys) <= NEUTRAL_SESSION_KEYS


def _reader_is_anonymous() -> bool:
    return anonymous(request.cookies.keys(), session.keys(), request.authorization is not None,
                     current_app.config["SESSION_COOKIE_NAME"])


def _cacheable_endpoint() -> bool:
    endpoint = request.endpoint or ""
    blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
    settings = current_app.extensions["sargasso.page_cache_rules"]
    return blueprint in settings[0] and endpoint not in settings[1]


def cache_key(environ: dict[str, Any]) -> str:
    """The entry's key from the WSGI environ (after ProxyFix): scheme, host, path and query."""
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    raw = (f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}"
           f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")
    return hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def page_is_shared() -> bool:
    """This page is being rendered for the cache: the same bytes for every anonymous reader, so
    it must hold nothing of this reader's (CSRF token, form stamp, nonce). The one switch that
    templates, ``blog.comments`` and ``csrf_token_for_page`` ask."""
    return has_request_context() and bool(g.get("page_is_shared"))


def csrf_token_for_page() -> str:
    """This reader's CSRF token, or "" on a shared page (site.js fills it in when needed)."""
    return "" if page_is_shared() else str(generate_csrf())


def form_meta() -> dict[str, Any]:
    """Flask-WTF ``meta`` for a form on a page: no CSRF field (and no session write) when shared."""
    return {"csrf": False} if page_is_shared() else {}


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
    if response.headers.getlist("Set-Cookie"):
        return False  # the view gave this reader something (a session, a cookie of theirs)
    return set(session.keys()) <= NEUTRAL_SESSION_KEYS and not g.get("page_cache_skip")


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


def dont_cache() -> None:
    """For a view in a cached blueprint whose page this time must not be stored or shared."""
    g.page_cache_skip = True


#: The WSGI layer leaves its lookup here when it could not answer, so Flask does not look again.
LOOKUP_ENVIRON_KEY = "sargasso.page_cache.lookup"


def _before_request() -> Response | None:
    g.page_cache = None
    if request.method not in ("GET", "HEAD") or not _cacheable_endpoint():
        return None
    if not _reader_is_anonymous():
        g.page_cache_bypass = True
        return None
    cache: Backend = current_app.extensions["sargasso.page_cache"]
    key = cache_key(request.environ)
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


def make_backend(app: Flask) -> Backend:
    if app.config.get("REDIS_URL"):
        return RedisBackend(str(app.config["REDIS_URL"]), str(app.config["REDIS_KEY_PREFIX"]),
                            int(app.config["PAGE_CACHE_MAX_BYTES"]))
    return LocalBackend(int(app.config["PAGE_CACHE_MAX_BYTES"]), app)


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
    # Last of all after_request hooks (Flask runs them newest first): the entry is stored with
    # the security headers and everything else the app adds, exactly as a rendered page has them.
    app.after_request_funcs.setdefault(None, []).insert(0, _after_request)
    app.jinja_env.globals["csrf_token"] = csrf_token_for_page
    app.jinja_env.globals["page_is_shared"] = page_is_shared
    # Flask-WTF also hands templates ``csrf_token`` through a context processor, which wins over
    # globals; this one runs after it, so ``{{ csrf_token() }}`` is empty on a shared page too.
    app.context_processor(lambda: {"csrf_token": csrf_token_for_page})

    from blog.cache_wsgi import install

    install(app)

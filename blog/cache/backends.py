"""Where entries live: the entry format, the Redis and in-process backends, the generation reader."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy import Table, event, select, update
from sqlalchemy.engine import Connection, Engine

from blog.extensions import db

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
        head = {"g": self.generation, "u": self.valid_until, "t": self.stored_at, "e": self.etag, "h": self.headers}
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

    def advance(self, step: int, connection: Connection | None = None) -> None:
        """Raise the generation to the next multiple of ``step``: for a change that also moves a
        slower state each worker keeps (the site menu, ``blog.pages.menu``), whose keepers compare
        ``generation // step`` and so tell it from any other change without reading anything else.
        Like ``bump``: inside ``connection``'s transaction, or after the commit (Redis)."""

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

    #: ``advance`` in one step on the server, so no other worker's INCR falls between read and write.
    _ADVANCE = (
        "local n = (math.floor(tonumber(redis.call('GET', KEYS[1]) or '0') / tonumber(ARGV[1])) + 1) * ARGV[1] "
        "redis.call('SET', KEYS[1], string.format('%d', n)) return n"
    )

    def advance(self, step: int, connection: Connection | None = None) -> None:
        self.client.eval(self._ADVANCE, 1, self.gen_key, step)

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
        self.app = app  # to find the engine when asked before Flask (blog.cache.wsgi)
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
            stmt = stmt.on_conflict_do_update(index_elements=[table.c.id], set_={"generation": table.c.generation + 1})
            conn.execute(stmt)
            return
        if conn.execute(update(table).where(table.c.id == 1).values(generation=table.c.generation + 1)).rowcount == 0:
            conn.execute(table.insert().values(id=1, generation=1))

    def advance(self, step: int, connection: Connection | None = None) -> None:
        """The next multiple of ``step``, inside ``connection``'s transaction (an upsert, as ``bump``)."""
        table = self._table()
        conn = connection if connection is not None else db.session.connection()
        following = (table.c.generation // step + 1) * step
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:
                from sqlalchemy.dialects.postgresql import insert
            stmt = insert(table).values(id=1, generation=step)
            conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.id], set_={"generation": following}))
            return
        if conn.execute(update(table).where(table.c.id == 1).values(generation=following)).rowcount == 0:
            conn.execute(table.insert().values(id=1, generation=step))

    def clear_memory(self) -> None:
        self.memory.clear()


def backend() -> Backend | None:
    """The running app's cache backend, or None when the page cache is off."""
    if not has_app_context():
        return None
    return current_app.extensions.get("sargasso.page_cache")  # type: ignore[no-any-return]

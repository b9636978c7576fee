"""Database engine tuning (SQLite's WAL and busy timeout, serialized writes) and prepared hot reads."""

from __future__ import annotations

import contextlib
import re
import select
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context, request
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from blog import pg_storage, timezone
from blog.extensions import db


def init_app(app: Flask) -> None:
    pg_storage.install()  # ``create_all`` makes the tables with the migrations' storage
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            tune_sqlite(engine, int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
            _serialize_sqlite_writes(engine, int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
        elif engine.dialect.name == "postgresql":
            _commit_read_only_transactions(engine)
            if engine.dialect.driver == "psycopg":  # both read psycopg's own view of the connection
                _ping_only_when_in_doubt(engine)
                _read_without_a_transaction(engine)


def tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL lets readers and one writer work at once; the busy timeout makes writers wait, not fail.
    Each connection also learns ``sargasso_local`` (``blog.timezone.sqlite_local``): SQLite has
    no time zones, and the archives count posts per month of the site's zone."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function(timezone.SQLITE_FUNCTION, 2, timezone.sqlite_local, deterministic=True)


_HOLDS_WRITE_LOCK = "sargasso_write_lock"
_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _serialize_sqlite_writes(engine: Engine, busy_timeout_ms: int) -> None:
    """Threads of one worker take turns at writing, so SQLite's lock is contended by processes only.

    pysqlite opens a write transaction at the first INSERT/UPDATE/DELETE and SQLite's busy handler
    then polls with growing sleeps, which is not fair: under load one writer can wait past the busy
    timeout while others keep winning ("database is locked"). Here a thread takes a process lock
    just before its transaction's first write and gives it back when the connection returns to
    the pool (right after COMMIT or ROLLBACK), so the lock is held only while writing, and at most
    one connection per process polls for the file.
    """
    lock = threading.RLock()
    wait_seconds = max(1.0, busy_timeout_ms / 1000)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if conn.info.get(_HOLDS_WRITE_LOCK) or not statement.lstrip()[:7].upper().startswith(_DML):
            return
        if not lock.acquire(timeout=wait_seconds):
            locked = sqlite3.OperationalError("database is locked (waited for this worker's other writers)")
            raise OperationalError(statement, None, locked)
        conn.info[_HOLDS_WRITE_LOCK] = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, connection_record: Any) -> None:
        if connection_record.info.pop(_HOLDS_WRITE_LOCK, False):
            with contextlib.suppress(RuntimeError):  # checked in by another thread (garbage collection)
                lock.release()


_WROTE = "sargasso_wrote"


def _commit_read_only_transactions(engine: Engine) -> None:
    """End a transaction that ran only SELECTs with COMMIT rather than ROLLBACK.

    psycopg prepares a statement on the server once it has run five times on a connection, so
    PostgreSQL stops planning it; but it forgets (and deallocates) every prepared statement at
    each ROLLBACK, and a page view ends with one (the session's close, the pool's reset). Every
    query of every page was planned afresh: ~1 ms of the server's CPU on the home page's three
    queries, more than running them. For a transaction that only read, COMMIT and ROLLBACK are
    the same thing to the database; anything else (a write, a SET, a SAVEPOINT, a failed
    statement's aborted transaction, which COMMIT rolls back anyway) still ends as before.
    """
    dialect = engine.dialect
    roll_back, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not _plain_read(statement):
            conn.info[_WROTE] = True

    def do_rollback(dbapi_connection: Any) -> None:
        info = _connection_info(dbapi_connection)
        if info is None or info.pop(_WROTE, False):
            roll_back(dbapi_connection)
        else:
            commit(dbapi_connection)

    def do_commit(dbapi_connection: Any) -> None:
        info = _connection_info(dbapi_connection)
        if info is not None:
            info.pop(_WROTE, None)
        commit(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]


def _ping_only_when_in_doubt(engine: Engine) -> None:
    """Make the pool's pre-ping a local look at the socket, and a ``SELECT 1`` only when in doubt.

    The ping runs at every checkout, so every request paid a round trip for it (~0.25 ms of
    client and server CPU on a 5 ms page). A server that restarts, or ends a connection
    (``pg_terminate_backend``, an idle timeout, a crash), sends a last message and closes the
    socket, so an idle connection it has dropped has something to read; a healthy idle one has
    nothing. Only then is the ping sent, fails, and the pool reconnects before the request's
    first statement, as before. What this does not see: a peer that vanished without a word (a
    host powered off), and a connection the server ends in the very millisecond it is handed
    out. There the request's first statement fails, the reader gets the "try again" page
    (``blog.ops``), and the pool starts afresh for the next request.
    """
    dialect = engine.dialect
    full_ping = dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        return looks_alive(dbapi_connection) or full_ping(dbapi_connection)

    dialect.do_ping = do_ping  # type: ignore[method-assign]


def looks_alive(dbapi_connection: Any) -> bool:
    """True when a psycopg connection is open, idle, and the server has sent it nothing since."""
    try:
        pgconn = dbapi_connection.pgconn
        if (
            dbapi_connection.closed
            or pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status != pq.TransactionStatus.IDLE
        ):
            return False
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (AttributeError, OSError, ValueError):  # not psycopg, or no socket left
        return False
    return not readable


_AUTOCOMMIT = "sargasso_autocommit"
#: Requests that read: their statements need no BEGIN before them and no COMMIT after.
_READING_METHODS = frozenset({"GET", "HEAD"})


def _read_without_a_transaction(engine: Engine) -> None:
    """A GET request on PostgreSQL reads in autocommit mode until it writes.

    psycopg sends ``BEGIN`` as a round trip of its own before a transaction's first statement,
    and the transaction ends with another (``COMMIT``): two of the post page's five round trips.
    Under PostgreSQL's READ COMMITTED each statement reads its own snapshot inside a transaction
    too, so a request that only reads sees the same either way. The first statement that is not
    a plain ``SELECT`` (a write, a ``SET``, a ``SAVEPOINT``, a locking ``SELECT ... FOR``, a
    streamed read's server-side cursor) turns autocommit off before it runs: psycopg then begins
    a transaction for it, and that statement and everything after it commit or roll back
    together, as in any request.
    """

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if (
            has_request_context()
            and request.method in _READING_METHODS
            and dbapi_connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
        ):
            dbapi_connection.autocommit = True
            record.info[_AUTOCOMMIT] = True

    @event.listens_for(engine, "before_cursor_execute")
    def _before_a_write(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, *args: Any) -> None:
        # A streamed read is a server-side cursor, which lives in a transaction.
        streamed = context is not None and context.execution_options.get("stream_results")
        if conn.info.get(_AUTOCOMMIT) and (streamed or not _plain_read(statement)):
            conn.info.pop(_AUTOCOMMIT)
            conn.connection.dbapi_connection.autocommit = False

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_AUTOCOMMIT, False) and dbapi_connection is not None:
            with contextlib.suppress(Exception):  # a broken connection is discarded by the pool anyway
                dbapi_connection.autocommit = False


_LOCKING_READ = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b")


def _plain_read(statement: str) -> bool:
    """A ``SELECT`` that takes no row locks: it needs no transaction, and ends none differently."""
    # The locking clause comes last in a SELECT (after ORDER BY, LIMIT and OFFSET, before only its
    # OF list and NOWAIT or SKIP LOCKED): searching the whole of a 5 KB statement cost ~70 µs.
    if statement.lstrip()[:6].upper() != "SELECT":
        return False
    tail = statement[-300:].upper()
    return "FOR" not in tail or not _LOCKING_READ.search(tail)


def _connection_info(dbapi_connection: Any) -> dict[str, Any] | None:
    """The pool's per-connection ``info`` (what ``conn.info`` is in the events), if it has one
    (a bare driver connection has none, or psycopg's own ``info``, which is not a dict)."""
    try:
        info = dbapi_connection.info
    except (AttributeError, NotImplementedError):
        return None
    return info if isinstance(info, dict) else None


class Prepared:
    """A hot read built once with SQLAlchemy, compiled once per dialect, sent as SQL text.

    Building a ``select()`` and letting the ORM session run it costs ~0.8 ms here before the
    database does anything (expression construction, cache keys, result processing); the same
    statement sent as SQL text costs ~0.1 ms. Rows come back as the driver gives them: on SQLite
    datetimes are ISO strings and booleans 0/1 (``as_datetime`` reads the former). The statement
    runs on the session's connection, after a flush, so it sees the request's own writes.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}
        #: Per dialect: the bind processors of the caller's parameters (a datetime on SQLite).
        self._processors: dict[str, dict[str, Callable[[Any], Any]]] = {}

    def _sql(self, dialect: Any) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self._build().compile(dialect=dialect)
            # Values written into the statement (a status enum, a flag) go to the driver as the
            # types' bind processors would send them; the caller's parameters are plain ints/strings.
            processors = compiled._bind_processors
            constants = {
                name: processors[name](value) if name in processors else value
                for name, value in compiled.construct_params(_check=False).items()
                if value is not None
            }
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            self._processors[dialect.name] = {
                name: processors[name] for name in compiled.binds if name in processors and name not in constants
            }
            found = self._compiled[dialect.name] = (str(compiled), order, constants)
        return found

    def rows(self, **params: Any) -> list[tuple[Any, ...]]:
        db.session.flush()
        connection = db.session.connection()
        sql, order, constants = self._sql(connection.dialect)
        processors = self._processors[connection.dialect.name]
        for name in processors.keys() & params.keys():
            params[name] = processors[name](params[name])
        values = {**constants, **params}
        # exec_driver_sql: the driver's own rows (no type processing), but through the engine, so
        # its events (statement counters in tests, bench.scale's EXPLAIN capture) see the statement.
        args = tuple(values[name] for name in order) if order is not None else values
        return list(connection.exec_driver_sql(sql, args).all())


def as_datetime(value: Any) -> datetime | None:
    """A raw driver value of a ``UTCDateTime`` column as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

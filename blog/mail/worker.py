"""The background sender: one daemon thread per app, alive only while the outbox holds work.

The thread talks to the database through its own engine (a pool of one connection), so it never
shares connections with requests and never shows up in a request's statement count. It wakes when a
commit queued mail (``kick_worker``), sleeps until the next retry is due, and exits when nothing
is left; the next queued message starts it again. Several processes may run workers at once:
each message is claimed with a conditional UPDATE before it is sent.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session

from blog.mail import outbox, smtp
from blog.models.base import utcnow

log = logging.getLogger("blog.mail")

EXTENSION_KEY = "sargasso_mail"
#: When the database itself fails, try again after this long rather than spinning.
ERROR_BACKOFF_SECONDS = 30.0
#: Never sleep longer than this between looks at the outbox while retries are pending.
MAX_SLEEP_SECONDS = 300.0
_POOL_OPTIONS = {
    "pool_size",
    "max_overflow",
    "pool_timeout",
    "pool_recycle",
    "pool_use_lifo",
    "poolclass",
    "pool_pre_ping",
}


class MailWorker:
    """The outbox worker of one app. ``kick()`` is cheap and never blocks on the database."""

    log = log

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.config: dict[str, Any] = app.config
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.resumed = False
        self._engine: Engine | None = None

    # ------------------------------------------------------------------ control

    def kick(self) -> None:
        """There may be new work: wake the thread, starting it if it is not running."""
        self.wake.set()
        with self.lock:
            if self.stopping.is_set():
                return
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="sargasso-mail", daemon=True)
                self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish what it is sending and exit (tests, shutdown)."""
        self.stopping.set()
        self.wake.set()
        with self.lock:
            thread = self.thread
        if thread is not None:
            thread.join(timeout)
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the thread has nothing left due now (tests use this instead of sleeping)."""
        with self.lock:
            thread = self.thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    # ------------------------------------------------------------------ work

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            options = {k: v for k, v in dict(self.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).items()}
            options = {k: v for k, v in options.items() if k not in _POOL_OPTIONS}
            # One connection, kept while work keeps coming (with NullPool every commit closed it,
            # and each round opened three); closed when the thread goes idle, checked before use.
            if make_url(self.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
                # Every transaction of the worker is one statement (a claim, a "sent", a retry),
                # so autocommit is the same thing without a BEGIN and a COMMIT round trip around
                # each: per email sent, one round trip instead of three.
                options.setdefault("isolation_level", "AUTOCOMMIT")
            engine = create_engine(
                self.config["SQLALCHEMY_DATABASE_URI"],
                pool_size=1,
                max_overflow=0,
                pool_pre_ping=True,
                pool_recycle=3600,
                **options,
            )
            if engine.dialect.name == "sqlite":
                busy_ms = int(self.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))

                @event.listens_for(engine, "connect")
                def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
                    cursor = dbapi_connection.cursor()
                    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
                    # As the app's own connections (blog.database): in WAL mode a commit then waits
                    # for no fsync, which cost the worker ~9 ms per claim and per "sent".
                    cursor.execute("PRAGMA synchronous=NORMAL")
                    cursor.close()

            self._engine = engine
        return self._engine

    #: Seconds a woken worker waits before claiming, so the commits of that moment go out in one
    #: round (one claim for all of them) rather than a round each: email can wait a quarter second.
    gather_seconds = 0.25

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.stopping.wait(self.gather_seconds)
            self.wake.clear()  # what was queued until now is in this round
            try:
                delay = self.process_due()
            except Exception:  # the sender must outlive a database hiccup: it logs and tries again later
                self.log.exception("Worker could not read its queue; trying again in %ss", ERROR_BACKOFF_SECONDS)
                delay = ERROR_BACKOFF_SECONDS
            with self.lock:
                if self.wake.is_set():
                    continue
                if delay is None or self.stopping.is_set():
                    if self._engine is not None:
                        self._engine.dispose()  # idle: the connection is kept only while work keeps coming
                    self.thread = None
                    return
            self.wake.wait(timeout=min(delay, MAX_SLEEP_SECONDS))
        with self.lock:
            self.thread = None

    #: The table this worker drains, and the errors a failed send raises (each with ``permanent``).
    queue: outbox.Queue = outbox.OUTBOX
    failures: tuple[type[Exception], ...] = (smtp.DeliveryError,)

    #: The SMTP session of the round being sent (``sending``), None between rounds.
    _connection: smtp.Connection | None = None

    def deliver(self, row: Any) -> bool:
        """Send ``row``; False when it only went to the log (which then already says so)."""
        return smtp.deliver(row, self.config, self._connection)

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """One SMTP session for a round of sending, closed when the round ends."""
        with smtp.Connection(self.config) as connection:
            self._connection = connection
            try:
                yield
            finally:
                self._connection = None

    def describe(self, row: Any) -> str:
        return f"Mail {row.id} to {row.to_address}"

    #: Rows claimed per statement; a round that claims fewer has emptied the queue.
    batch = 20
    #: Sent rows recorded per commit (``Queue.mark_sent``): a round's worth for email, where a
    #: send costs little more than the commit; a worker killed mid-round resends up to this many.
    sent_per_commit = batch

    def process_due(self) -> float | None:
        """Send everything due now; return seconds until the next retry, or None when nothing waits."""
        queue = self.queue
        with Session(self.engine, expire_on_commit=False) as session, self.sending():
            while not self.stopping.is_set():
                rows = queue.claim_due(session, utcnow(), self.config, self.batch)
                sent: list[Any] = []
                try:
                    for index, row in enumerate(rows):
                        if self.stopping.is_set():
                            queue.release(session, rows[index:])  # the next run sends them at once
                            break
                        try:
                            handed_over = self.deliver(row)
                        except self.failures as exc:
                            queue.mark_failed(
                                session,
                                row,
                                str(exc),
                                config=self.config,
                                permanent=bool(getattr(exc, "permanent", False)),
                            )
                            self.log.warning(
                                "%s failed (attempt %s, %s): %s",
                                self.describe(row),
                                row.attempts,
                                row.status.value,
                                exc,
                            )
                        else:
                            sent.append(row)
                            if handed_over:
                                self.log.info("%s sent", self.describe(row))
                            if len(sent) >= self.sent_per_commit:
                                queue.mark_sent(session, sent)
                                sent = []
                finally:  # even when a send raised something unforeseen: what went out is recorded
                    queue.mark_sent(session, sent)
                if len(rows) < self.batch:
                    break
            upcoming = queue.next_wakeup(session)
        if upcoming is None:
            return None
        return max(0.0, (upcoming - utcnow()).total_seconds())


def mail_worker(app: Flask) -> MailWorker:
    worker = app.extensions.get(EXTENSION_KEY)
    if worker is None:
        worker = app.extensions[EXTENSION_KEY] = MailWorker(app)
    return worker  # type: ignore[no-any-return]


def kick_worker(app: Flask) -> None:
    mail_worker(app).kick()


def stop_worker(app: Flask) -> None:
    mail_worker(app).stop()


def _after_commit(session: Session) -> None:
    app = session.info.pop(outbox.QUEUED_FLAG, None)
    if app is not None:
        kick_worker(app)


def _after_rollback(session: Session) -> None:
    session.info.pop(outbox.QUEUED_FLAG, None)


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    mail_worker(app)
    if not _listening:
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda session, previous: _after_rollback(session))
        _listening = True

    @app.before_request
    def _resume_outbox() -> None:
        # Once per process: mail queued before a restart is sent without waiting for new mail.
        worker = mail_worker(app)
        if not worker.resumed:
            worker.resumed = True
            if app.config.get("MAIL_RESUME_ON_START", True):
                worker.kick()

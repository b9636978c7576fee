"""Extension objects, created unbound; ``create_app`` binds them with ``init_app``."""

from __future__ import annotations

import threading
import time

from authlib.integrations.flask_client import OAuth
from flask import Flask, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_ip() -> str:
    """The client's address; correct behind a proxy once ProxyFix is applied (TRUSTED_PROXIES)."""
    return request.remote_addr or "unknown"


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process storage (``memory://``, the one-box default without Redis), minus its
    timer thread.

    ``MemoryStorage`` starts a ``threading.Timer`` of 10 ms on each hit when the last one has
    finished, to drop expired counters: under a stream of comments that is a new thread every other
    request, about a tenth of a worker's CPU while posting (py-spy, ``make bench``). Counters are
    checked against their expiry when read either way; here the sweep that frees their memory runs
    inline, at most once a second. Registered under ``memory``, it replaces the library's class.
    """

    STORAGE_SCHEME = ["memory"]
    sweep_every = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the first timer, started by the parent
        self._next_sweep = time.monotonic() + self.sweep_every
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private hook, called per hit
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return  # not due, or another thread of this worker is sweeping
        try:
            self._next_sweep = now + self.sweep_every
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        except KeyError:
            # A counter read at that moment by another thread (``get`` drops an expired one): the
            # library's timer thread met the same race and died of it; a request must not.
            pass
        finally:
            self._sweeping.release()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_ip, default_limits=[])


def init_limiter(app: Flask) -> None:
    """Bind Flask-Limiter; skip its per-request pass when no limit applies to every route.

    Our limits are all on the routes that write (``@limiter.limit``), and those decorators check
    themselves when their view runs. The extension's ``before_request`` pass only serves default
    and application-wide limits; without any it still costs ~0.1 ms on every page (a fifth of a
    page-cache hit's time), so it is removed. Configure ``RATELIMIT_DEFAULT`` or
    ``RATELIMIT_APPLICATION`` and it stays.
    """
    limiter.init_app(app)
    if any(app.config.get(name) for name in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)


#: Authlib's Flask client registry; provider clients are built per app in ``blog.auth.providers``.
oauth = OAuth()

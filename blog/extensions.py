"""Extension objects, created unbound; ``create_app`` binds them with ``init_app``."""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
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

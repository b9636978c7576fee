"""Shared fixtures: an app on a real database, a client, one-line builders and a query counter.

The database is SQLite in a temporary file unless ``TEST_DATABASE_URL`` names a PostgreSQL
database; then every test session works in its own schema (so parallel runs never collide)
and its rows are deleted (ids restarted) between tests.

Per-test settings: ``@pytest.mark.settings(COMMENTS_MODERATION="hold-all")``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from werkzeug.security import generate_password_hash

from blog import create_app
from blog.extensions import db
from blog.mail.worker import MailWorker
from blog.models import Post, PostStatus, Role, User
from blog.posts.editing import PostInput, save_post

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery staple"

_pg_tables_created = False

#: The builders' users share one hash of PASSWORD, made once with a light scrypt cost: logging in
#: still runs werkzeug's real check, without spending 0.1 s of CPU per user (User.set_password
#: keeps the production cost, which tests/test_cli.py checks).
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


def _share_url_builders() -> None:
    """Every test builds an app, and Werkzeug compiles two URL builders per rule with ``ast`` and
    ``exec`` (most of ``create_app``'s 60 ms). The builder's code depends only on the rule's
    parts, the defaults it folds in, and ``append_unknown``, so apps with the same rules can
    share it: the test sessions then spend their time on tests, not on compiling the same code."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another Werkzeug: compile as it does
        return
    builders: dict[Any, Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        defaults = self.defaults or {}
        folded = tuple(
            (name, self._converters[name].to_url(defaults[name]))
            for dynamic, name in self._trace
            if dynamic and name in defaults
        )
        key = (tuple(self._trace), folded, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


_share_url_builders()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str | None]:
    """A private PostgreSQL schema for this test session, or None on SQLite."""
    if not TEST_DATABASE_URL:
        yield None
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _settings_for(request: pytest.FixtureRequest) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("settings"))):
        settings.update(marker.kwargs)
    return settings


def build_config(tmp_path: Any, pg_schema: str | None, **overrides: Any) -> dict[str, Any]:
    """Configuration for a test app; usable by tests that start their own servers too."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "COMMENTS_MIN_SECONDS": 0,
        "SERVER_NAME": None,
        "MAIL_SERVER": "",
        # The mail worker starts only when a test queues mail, not on every app's first request.
        "MAIL_RESUME_ON_START": False,
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    if pg_schema:
        config["SQLALCHEMY_DATABASE_URI"] = TEST_DATABASE_URL
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={pg_schema}"},
        }
    else:
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "test.db")
    config.update(overrides)
    return config


class TestClient(FlaskClient):
    """A client whose requests start with an empty ``g``, as in production.

    The ``app`` fixture keeps an app context pushed for the builders, and Flask reuses a pushed
    context for requests; without this, ``g`` (Flask-Login's cached user, the CSP nonce) would
    leak from one request to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        from flask import g
        from flask.globals import _cv_app

        if _cv_app.get(None) is not None:
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every table, made once per session: each test starts from a copy."""
    folder = tmp_path_factory.mktemp("template")
    application = create_app(build_config(folder, None))
    with application.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()  # the last connection checkpoints the WAL into the file
    return folder / "test.db"


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Any, pg_schema: str | None) -> Iterator[Flask]:
    global _pg_tables_created
    config = build_config(tmp_path, pg_schema, **_settings_for(request))
    copied = pg_schema is None and config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "test.db")
    if copied:
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    application = create_app(config)
    application.test_client_class = TestClient
    with application.app_context():
        if pg_schema is None and not copied:
            db.create_all()  # a test that names its own database
        elif pg_schema is not None and not _pg_tables_created:
            db.create_all()
            _pg_tables_created = True
        _warm_up_worker()
        yield application
        try:
            _stop_background_workers(application)
            db.session.rollback()
            db.session.remove()
            if pg_schema is not None:
                _empty_tables()
        finally:
            db.engine.dispose()


def _warm_up_worker() -> None:
    """Read what a worker reads once and keeps (the site menu, ``blog.pages.menu``), as a worker
    that has served a request has: a test counting a request's statements counts its own."""
    from blog.pages.menu import site_menu

    site_menu()
    db.session.remove()


def _stop_background_workers(application: Flask) -> None:
    """A test's mail and webhook threads end with it: one still in its round would otherwise claim
    the next test's rows (the same PostgreSQL schema) or find its tables gone."""
    for extension in list(application.extensions.values()):
        if isinstance(extension, MailWorker):
            extension.stop()


_reset_sql: str | None = None


def _empty_tables(attempts: int = 3) -> None:
    """Reset the session's PostgreSQL schema for the next test: delete every row and restart the
    ids (one batch; TRUNCATE of every table costs ~0.2 s, which was a third of the suite). A
    background thread of the test (a worker finishing its round) may still hold a lock, so a
    deadlock or a lock wait is tried again rather than leaving rows for the next test."""
    global _reset_sql
    if _reset_sql is None:
        with db.engine.connect() as conn:
            sequences = (
                conn.execute(
                    text(
                        "SELECT sequence_name FROM information_schema.sequences "
                        "WHERE sequence_schema = current_schema()"
                    )
                )
                .scalars()
                .all()
            )
        _reset_sql = ";".join(
            ["SET LOCAL lock_timeout = '5s'"]
            + [f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables)]  # noqa: S608
            + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        )
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                conn.exec_driver_sql(_reset_sql)
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# ----------------------------------------------------------------------------- builders


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def _make_user(
        role: Role | str = Role.AUTHOR,
        *,
        email: str | None = None,
        name: str | None = None,
        password: str | None = PASSWORD,
        **fields: Any,
    ) -> User:
        n = next(counter)
        role = Role(role)
        user = User(
            email=email or f"{role.value}{n}@example.org", name=name or f"{role.label} {n}", role=role, **fields
        )
        if password == PASSWORD:
            user.password_hash = _PASSWORD_HASH
        elif password:
            user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return _make_user


@pytest.fixture
def make_post(app: Flask, make_user: Callable[..., User]) -> Callable[..., Post]:
    def _make_post(
        title: str = "A review",
        body: str = "Some **thoughts** about a film.",
        *,
        author: User | None = None,
        status: PostStatus | str = PostStatus.PUBLISHED,
        published_at: datetime | None = None,
        **fields: Any,
    ) -> Post:
        author = author or make_user(Role.ADMIN)
        data = PostInput(title=title, body_md=body, status=PostStatus(status), published_at=published_at, **fields)
        post = save_post(author, data)
        db.session.commit()
        return post

    return _make_post


@pytest.fixture
def make_comment(app: Flask) -> Callable[..., Any]:
    """Store a comment directly (no guard, no moderation rules): fast enough for 500 of them."""
    from collections import Counter

    from blog.comments.avatars import avatar_hash
    from blog.comments.moderation import adjust_comment_counts
    from blog.comments.posting import place_in_thread
    from blog.models import Comment, CommentStatus
    from blog.rendering import render_comment

    counter = iter(range(1, 1_000_000))

    def _make_comment(
        post: Post,
        body: str | None = None,
        *,
        parent: Any = None,
        status: CommentStatus | str = "approved",
        name: str | None = None,
        email: str | None = None,
        user: User | None = None,
        commit: bool = True,
        **fields: Any,
    ) -> Any:
        n = next(counter)
        body = body or f"Comment number {n} about the film."
        email = email if email is not None else (user.email if user else f"reader{n}@example.org")
        comment = Comment(
            post_id=post.id,
            parent_id=parent.id if parent is not None else None,
            user_id=user.id if user else None,
            author_name=name or (user.name if user else f"Reader {n}"),
            author_email=email or "",
            body_source=body,
            body_html=render_comment(body),
            status=CommentStatus(status),
            avatar_hash=avatar_hash(email, user.id if user else None),
            **fields,
        )
        db.session.add(comment)
        db.session.flush()
        place_in_thread(comment, parent)
        if comment.status == CommentStatus.APPROVED:
            adjust_comment_counts(Counter({post.id: 1}))
        if commit:
            db.session.commit()
        return comment

    return _make_comment


def login_as(client: FlaskClient, user: User) -> FlaskClient:
    """Sign ``user`` in on ``client`` without going through the login form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def login() -> Callable[[FlaskClient, User], FlaskClient]:
    return login_as


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], contextlib.AbstractContextManager[QueryCounter]]:
    """``with count_queries() as q: ...; q.count`` — SQL statements sent while inside the block."""

    @contextlib.contextmanager
    def _count() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", _before)

    return _count


@contextlib.contextmanager
def empty_database_app(tmp_path: Any) -> Iterator[Flask]:
    """An app on a database with no tables at all (a private PostgreSQL schema, or a new SQLite file),
    for tests of what a new machine does: migrations, setup-demo. Dropped afterwards."""
    engine = None
    schema = None
    if TEST_DATABASE_URL:
        schema = "e_" + uuid.uuid4().hex[:10]
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    application = create_app(build_config(tmp_path, schema))
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        if engine is not None:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()

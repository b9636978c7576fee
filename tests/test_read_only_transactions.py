"""PostgreSQL: a request that only read ends its transaction with COMMIT, so psycopg keeps the
statements it prepared; one that wrote still rolls back when it fails. A GET request reads with
no transaction at all until it writes.

psycopg prepares a statement on the server once it has run five times on a connection, and forgets
every one of them at each ROLLBACK. A page view ends with a rollback (the session's close, the
pool's reset), so without this every query of every page was planned afresh by PostgreSQL.
Runs against the machine's PostgreSQL whatever the suite's database (CI has both).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import ProgrammingError

from blog import create_app
from blog.extensions import db
from blog.models.accounts import Role, User
from tests.conftest import build_config
from tests.test_healthz import PG_ADMIN_URL, _pg_available


@pytest.fixture
def pg_app(tmp_path):
    if not _pg_available():
        pytest.fail(f"PostgreSQL is needed for this test and does not answer at {PG_ADMIN_URL}")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    config = build_config(
        tmp_path,
        None,
        MAIL_RESUME_ON_START=False,
        PAGE_CACHE_ENABLED=False,
        SQLALCHEMY_DATABASE_URI=PG_ADMIN_URL,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 1,
            "max_overflow": 0,
            "connect_args": {"options": f"-csearch_path={schema}"},
        },
    )
    app = create_app(config)
    try:
        with app.app_context():
            db.create_all()
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _prepared_on_the_pooled_connection(app) -> int:
    with app.app_context():
        return int(db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")) or 0)


def test_page_views_keep_the_statements_postgresql_prepared(pg_app):
    client = pg_app.test_client()
    assert _prepared_on_the_pooled_connection(pg_app) == 0
    for _ in range(8):
        assert client.get("/").status_code == 200
    assert _prepared_on_the_pooled_connection(pg_app) > 0


def test_a_transaction_that_wrote_is_still_rolled_back(pg_app):
    def someone(n: int) -> User:
        return User(email=f"reader{n}@example.org", name=f"Reader {n}", role=Role.READER)

    with pg_app.app_context():
        db.session.add(someone(1))
        db.session.flush()
        db.session.rollback()  # a write, then a rollback: nothing is kept
        db.session.add(someone(2))
        db.session.flush()
        with pytest.raises(ProgrammingError):
            db.session.execute(text("SELEKT 1"))  # a failed statement, as a broken request would
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.add(someone(3))
        db.session.commit()
    with pg_app.app_context():
        assert db.session.scalars(select(User.email)).all() == ["reader3@example.org"]


# ----------------------------------------------------------------------------- GET requests read in autocommit


def _pooled_backend(app) -> int:
    """The server process of the app's one pooled connection."""
    with app.app_context():
        pid = int(db.session.scalar(text("SELECT pg_backend_pid()")))
        db.session.rollback()
    return pid


def _last_statement(pid: int) -> str:
    """What PostgreSQL last received from that process's client (asked on another connection)."""
    admin = create_engine(PG_ADMIN_URL)
    try:
        with admin.connect() as conn:
            return str(conn.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar())
    finally:
        admin.dispose()


def test_a_page_view_reads_without_begin_or_commit(pg_app):
    client = pg_app.test_client()
    pid = _pooled_backend(pg_app)
    assert _last_statement(pid) == "COMMIT"  # how a transaction ends
    assert client.get("/").status_code == 200
    last = _last_statement(pid)  # what the page view sent last
    assert last.lstrip().upper().startswith("SELECT"), last  # not COMMIT: there was no transaction to end
    assert _pooled_backend(pg_app) == pid  # (and the page view did use that connection)
    with pg_app.test_request_context("/", method="POST"):  # a form's request still runs in one
        db.session.execute(text("SELECT 1"))
        assert db.session.connection().connection.dbapi_connection.autocommit is False
        db.session.rollback()


def test_a_get_request_that_writes_does_so_in_one_transaction(pg_app):
    """Reads first (autocommit), then two writes and a failure: neither write is kept."""
    with pg_app.test_request_context("/confirm", method="GET"):
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        driver = db.session.connection().connection.dbapi_connection
        assert driver.autocommit is True  # reading, so far
        db.session.add(User(email="first@example.org", name="First", role=Role.READER))
        db.session.flush()
        assert driver.autocommit is False  # the write began a transaction
        db.session.add(User(email="second@example.org", name="Second", role=Role.READER))
        db.session.flush()
        with pytest.raises(ProgrammingError):
            db.session.execute(text("SELEKT 1"))
        db.session.rollback()
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        assert db.session.connection().connection.dbapi_connection.autocommit is False  # as the pool gives it


def test_a_locking_read_in_a_get_request_holds_its_lock_until_the_end(pg_app):
    with pg_app.app_context():
        db.session.add(User(email="ann@example.org", name="Ann", role=Role.READER))
        db.session.commit()
    with pg_app.test_request_context("/", method="GET"):
        db.session.execute(select(User.id).with_for_update())
        driver = db.session.connection().connection.dbapi_connection
        assert driver.autocommit is False and driver.info.transaction_status.name == "INTRANS"
        db.session.rollback()


def test_the_mail_worker_commits_each_statement_as_it_runs(pg_app):
    """Each of its transactions is one statement (a claim, a "sent"): no BEGIN or COMMIT around it."""
    from blog.mail.outbox import send_mail
    from blog.mail.worker import mail_worker
    from blog.models.mail import MailStatus, OutgoingMail

    worker = mail_worker(pg_app)
    with worker.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is True
    with pg_app.app_context():
        send_mail("ann@example.org", "Hello", "A message.")
        db.session.commit()  # the commit wakes the worker
    assert worker.wait_idle()
    with pg_app.app_context():
        assert db.session.scalars(select(OutgoingMail.status)).all() == [MailStatus.SENT]


def test_a_streamed_read_in_a_get_request_gets_the_transaction_its_cursor_needs(pg_app):
    with pg_app.app_context():
        db.session.add_all([User(email=f"r{n}@example.org", name=f"R{n}", role=Role.READER) for n in range(5)])
        db.session.commit()
    with pg_app.test_request_context("/", method="GET"):
        connection = db.session.connection()
        rows = connection.execution_options(stream_results=True, yield_per=2).execute(select(User.email))
        assert sorted(row[0] for row in rows) == [f"r{n}@example.org" for n in range(5)]
        db.session.rollback()

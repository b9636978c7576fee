"""The pool's pre-ping on PostgreSQL looks at the socket, and sends ``SELECT 1`` only when in doubt.

Checked against the machine's PostgreSQL, what the server itself reports: a healthy connection
checked out again receives no statement, and one the server has ended is noticed and replaced
before the caller's first statement.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from blog.database import _ping_only_when_in_doubt, looks_alive

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def engines():
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        pytest.fail(f"PostgreSQL is needed for this test and does not answer at {PG_ADMIN_URL}: {exc}")
    engine = create_engine(PG_ADMIN_URL, pool_pre_ping=True, pool_size=1, max_overflow=0)
    _ping_only_when_in_doubt(engine)
    yield engine, admin
    engine.dispose()
    admin.dispose()


def _last_statement(admin, pid: int) -> str:
    with admin.connect() as conn:
        return conn.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar_one()


def _backend(engine) -> int:
    return _connection(engine)[0]


def _connection(engine):
    """The server process of the pool's connection, and the driver's connection object."""
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid() /* sargasso ping test */").scalar_one()
        conn.commit()
        return int(pid), conn.connection.dbapi_connection


def test_a_healthy_connection_is_checked_out_without_a_statement(engines):
    engine, admin = engines
    pid = _backend(engine)
    assert _last_statement(admin, pid) == "COMMIT"
    for _ in range(3):
        with engine.connect() as conn:  # each checkout runs the pre-ping
            assert looks_alive(conn.connection.dbapi_connection)
    assert _last_statement(admin, pid) == "COMMIT"  # no SELECT 1, no ROLLBACK after it
    assert _backend(engine) == pid  # and the same connection is still in use


def test_a_connection_the_server_ended_is_replaced_before_the_first_statement(engines):
    engine, admin = engines
    pid, pooled = _connection(engine)
    assert looks_alive(pooled)
    with admin.connect() as conn:  # what a restart does to each connection; waits until it is gone
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
    assert not looks_alive(pooled)  # the server's goodbye is waiting on the socket
    with engine.connect() as conn:  # so the checkout pings, the ping fails, the pool reconnects,
        assert conn.execute(text("SELECT 41 + 1")).scalar_one() == 42  # and the caller never knows
        assert conn.connection.dbapi_connection is not pooled
    assert _backend(engine) != pid


def test_a_connection_inside_a_transaction_does_not_look_idle(engines):
    engine, _ = engines
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        assert not looks_alive(conn.connection.dbapi_connection)

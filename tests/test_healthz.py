"""Load balancers ask /healthz whether an instance can serve; a lost database is a 503, not a 500."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from blog import create_app
from tests.conftest import build_config

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/for/sure/sargasso.db",
        "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2",
    ],
)
def test_healthz_says_unavailable_when_the_database_is_down(tmp_path, url):
    down = create_app(build_config(tmp_path, None, SQLALCHEMY_DATABASE_URI=url, PAGE_CACHE_ENABLED=False))
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


def test_a_reader_gets_a_clear_503_page_when_the_database_is_down(tmp_path):
    down = create_app(
        build_config(
            tmp_path, None, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2"
        )
    )
    response = down.test_client().get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_data(as_text=True)
    assert "briefly unavailable" in body
    assert "OperationalError" not in body and "127.0.0.1" not in body


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def test_the_app_survives_postgresql_dropping_its_connections(tmp_path, pg_schema):
    """What a server restart does to an app: every pooled connection dies. The next request works."""
    if not _pg_available():
        pytest.fail(f"PostgreSQL is needed for this test and does not answer at {PG_ADMIN_URL}")
    tag = "sargasso-pingtest-" + uuid.uuid4().hex[:8]
    schema = pg_schema
    admin = create_engine(PG_ADMIN_URL)
    own_schema = schema is None
    if own_schema:
        schema = "t_" + uuid.uuid4().hex[:12]
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # The mail worker's own connection would be killed too; keep this test about the web pool.
        config = build_config(
            tmp_path,
            None,
            MAIL_RESUME_ON_START=False,
            SQLALCHEMY_DATABASE_URI=PG_ADMIN_URL,
            SQLALCHEMY_ENGINE_OPTIONS={
                "pool_pre_ping": True,
                "pool_size": 3,
                "connect_args": {"options": f"-csearch_path={schema}", "application_name": tag},
            },
        )
        app = create_app(config)
        from blog.extensions import db

        with app.app_context():
            db.create_all()  # the session's schema has its tables only once another test made them
        client = app.test_client()  # each request has its own app context and session, as in production
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
        with admin.begin() as conn:  # waits until they are gone, as a restart has closed them before it ends
            killed = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                    " WHERE application_name = :tag"
                ),
                {"tag": tag},
            ).scalar()
        assert killed >= 1
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200
        with app.app_context():
            db.engine.dispose()
    finally:
        if own_schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

"""`flask db upgrade` builds exactly the schema the models describe, with full-text search."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from blog.extensions import db
from tests.conftest import empty_database_app


def _ignore_search_index(obj, name, type_, reflected, compare_to):
    return not (name and (name.startswith("posts_fts") or name == "ix_posts_fulltext"))


def test_migrations_match_the_models_and_round_trip(tmp_path: Path):
    with empty_database_app(tmp_path) as app, app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": _ignore_search_index})
            diff = compare_metadata(ctx, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            names = set(inspect(conn).get_table_names())
            assert {"posts", "users", "comments", "works", "mail_outbox"} <= names
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}

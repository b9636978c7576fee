"""`flask db upgrade` builds exactly the schema the models describe, with full-text search."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from blog import create_app
from blog.extensions import db
from blog.posts.search import install_search  # noqa: F401  (keeps the index hooks registered)
from tests.conftest import TEST_DATABASE_URL, build_config


def _ignore_search_index(obj, name, type_, reflected, compare_to):
    return not (name and (name.startswith("posts_fts") or name == "ix_posts_fulltext"))


def test_migrations_match_the_models_and_round_trip(tmp_path: Path):
    if TEST_DATABASE_URL:
        # A private database-level schema so this run never touches another test's tables.
        import uuid

        schema = "m_" + uuid.uuid4().hex[:10]
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        config = build_config(tmp_path, schema)
    else:
        config = build_config(tmp_path, None)
    app = create_app(config)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"include_object": _ignore_search_index})
                diff = compare_metadata(ctx, db.metadata)
                assert diff == [], f"models and migrations differ: {diff}"
                names = set(inspect(conn).get_table_names())
                assert {"posts", "users", "comments"} <= names
            downgrade(revision="base")
            with db.engine.connect() as conn:
                assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
    finally:
        if TEST_DATABASE_URL:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()

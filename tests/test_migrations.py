"""`flask db upgrade` builds exactly the schema the models describe, with full-text search."""

import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, inspect

from blog.extensions import db
from tests.conftest import empty_database_app

#: The columns of ``posts`` as the first migration made them. Rows written into an older schema go
#: through this table, not today's model: a newer column (with a Python default) would be in the INSERT.
FIRST_SCHEMA_POST_COLUMNS = (
    "id", "title", "slug", "body_md", "body_html", "body_text", "excerpt", "author_id", "status", "published_at",
    "created_at", "updated_at", "comment_status", "word_count", "reading_minutes", "comment_count", "version",
    "cover_alt", "review_note", "unfiltered_html",
)  # fmt: skip


def insert_first_schema_posts(conn: Any, *posts: dict[str, Any]) -> None:
    """An admin (user 1) and ``posts`` (each with at least ``id``, ``slug``, ``published_at``), as
    rows of a database at any revision since the first; the other columns get plain values."""
    from blog.models.accounts import Role
    from blog.models.base import utcnow
    from blog.models.posts import PostStatus

    now = utcnow()
    admin = {"id": 1, "email": "a@example.org", "name": "A", "role": Role.ADMIN, "password_hash": "x"}
    conn.execute(db.metadata.tables["users"].insert().values(**admin, active=True, created_at=now))
    table = sa.table("posts", *(sa.column(name) for name in FIRST_SCHEMA_POST_COLUMNS))
    for post in posts:
        defaults = {"title": post["slug"], "body_md": "", "body_html": "", "body_text": "", "excerpt": ""}
        defaults |= {"author_id": 1, "status": PostStatus.PUBLISHED.value, "created_at": now, "updated_at": now}
        defaults |= {"comment_status": "open", "word_count": 0, "reading_minutes": 1, "comment_count": 0}
        defaults |= {"version": 1, "cover_alt": "", "review_note": "", "unfiltered_html": False}
        conn.execute(table.insert().values({**defaults, **post}))


def _expression_indexes() -> dict[str, list[str]]:
    """The models' indexes on expressions (reflection cannot compare them): name -> their SQL."""
    return {
        str(index.name): [str(e) for e in index.expressions if not isinstance(e, Column)]
        for table in db.metadata.tables.values()
        for index in table.indexes
        if any(not isinstance(e, Column) for e in index.expressions)
    }


def _compared(obj, name, type_, reflected, compare_to):
    from blog.posts.search import NOT_IN_MODELS

    if type_ == "index" and name in _expression_indexes():
        return False  # checked by name and expression below
    return not (name and name.startswith(NOT_IN_MODELS))


def _index_definitions(conn) -> dict[str, str]:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    else:
        rows = conn.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
    return {name: definition for name, definition in rows}


def test_migrations_match_the_models_and_round_trip(tmp_path: Path):
    with empty_database_app(tmp_path) as app, app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": _compared})
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
                warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
                diff = compare_metadata(ctx, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            definitions = _index_definitions(conn)
            assert _expression_indexes(), "the duplicate check's index is an expression index"
            for name, expressions in _expression_indexes().items():
                assert name in definitions, f"{name} is not in the migrated database"
                for expression in expressions:
                    assert expression.replace(" ", "") in definitions[name].replace(" ", ""), definitions[name]
            names = set(inspect(conn).get_table_names())
            assert {"posts", "users", "comments", "works", "mail_outbox"} <= names
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}


def test_upgrading_marks_live_posts_announced_and_leaves_scheduled_ones_to_come(tmp_path: Path):
    """Sites upgraded past the announcement column must not email followers about old posts."""
    from datetime import timedelta

    from sqlalchemy import select

    from blog.models import Post, User
    from blog.models.base import utcnow

    with empty_database_app(tmp_path) as app, app.app_context():
        upgrade(revision="e75af6bf77c4")
        now = utcnow()
        with db.engine.begin() as conn:
            insert_first_schema_posts(
                conn,
                {"id": 1, "slug": "old", "published_at": now - timedelta(days=3)},
                {"id": 2, "slug": "later", "published_at": now + timedelta(days=3)},
            )
        upgrade()
        announced = dict(db.session.execute(select(Post.slug, Post.announced_at)).all())
        assert announced["old"] is not None and announced["later"] is None
        assert db.session.get(User, 1) is not None


def test_a_database_with_the_old_search_index_is_upgraded_and_still_finds_posts(tmp_path: Path):
    """Sites made before the stored search column (PostgreSQL kept an expression index) upgrade in
    place; on SQLite the step changes nothing and FTS5 keeps working."""
    from sqlalchemy import text

    from blog.posts.queries import search
    from blog.posts.search import TITLE_AND_BODY, pg_vector

    with empty_database_app(tmp_path) as app, app.app_context(), app.test_request_context():
        upgrade(revision="b3c1d2e4f5a6")
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:  # what such a database looked like
                conn.execute(text("DROP INDEX IF EXISTS ix_posts_search_vector"))
                conn.execute(text("ALTER TABLE posts DROP COLUMN IF EXISTS search_vector"))
                conn.execute(text(f"CREATE INDEX ix_posts_fulltext ON posts USING gin ({pg_vector(TITLE_AND_BODY)})"))
        upgrade()
        from blog.models import Post, User
        from blog.models.accounts import Role
        from blog.models.base import utcnow
        from blog.models.posts import PostStatus

        author = User(email="a@example.org", name="A", role=Role.ADMIN)
        db.session.add(author)
        db.session.flush()
        db.session.add(
            Post(
                title="Perfect Blue",
                slug="perfect-blue",
                body_md="",
                body_html="",
                body_text="An idol leaves her band.",
                author_id=author.id,
                status=PostStatus.PUBLISHED,
                published_at=utcnow(),
            )
        )
        db.session.commit()
        found = search("idol", 1, 10)
        assert found is not None and [p.slug for p in found.page.items] == ["perfect-blue"]
        with db.engine.connect() as conn:
            names = {i["name"] for i in inspect(conn).get_indexes("posts")}
        if db.engine.dialect.name == "postgresql":
            assert "ix_posts_search_vector" in names and "ix_posts_fulltext" not in names


def test_upgrading_indexes_cjk_words_of_existing_posts_and_downgrading_keeps_the_posts(tmp_path: Path):
    """Revision 5d2c8e1f9a47 stores each post's CJK bigrams and rebuilds the index over them, so
    words inside a run of CJK characters are found in posts written before it; going back drops
    the column and rebuilds the older index, leaving every post and its tags in place."""
    from sqlalchemy import text

    from blog.models.base import utcnow
    from blog.posts.queries import search

    before = "5d2c8e1f9a47-1"  # whatever revision precedes it
    kon = "原題は「彼女の想いで」で、脚本は今敏が担当した。"
    with empty_database_app(tmp_path) as app, app.app_context(), app.test_request_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            insert_first_schema_posts(conn, {"id": 1, "slug": "kon", "published_at": utcnow(), "body_text": kon})
            conn.execute(text("INSERT INTO tags (id, name, slug) VALUES (1, 'anime', 'anime')"))
            conn.execute(text("INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1)"))
        upgrade()
        for query in ("今敏", "彼女の想いで", "敏"):
            found = search(query, 1, 10)
            assert found is not None and [p.slug for p in found.page.items] == ["kon"], query
        db.session.remove()

        downgrade(revision=before)
        with db.engine.connect() as conn:
            assert "search_terms" not in {c["name"] for c in inspect(conn).get_columns("posts")}
            assert conn.execute(text("SELECT count(*) FROM post_tags")).scalar() == 1
            if conn.dialect.name == "sqlite":
                match = "SELECT rowid FROM posts_fts WHERE posts_fts MATCH '\"脚本\"*'"
            else:
                match = "SELECT id FROM posts WHERE search_vector @@ to_tsquery('simple', '脚本:*')"
            assert conn.execute(text(match)).scalars().all() == [1]
        upgrade()


def test_downgrading_all_the_way_keeps_every_posts_tags_and_comments(tmp_path: Path):
    """Going back through every migration must not lose rows. SQLite's batch mode rebuilt `posts`
    and `works` to drop a column: with foreign keys on, dropping the old table cascade-deleted
    their tags and comments (b3c1d2e4f5a6, e2f3a4b5c6d7) and the FTS triggers went with it."""
    from sqlalchemy import text

    from blog.models.base import utcnow

    first = "e75af6bf77c4"
    with empty_database_app(tmp_path) as app, app.app_context(), app.test_request_context():
        upgrade(revision=first)
        with db.engine.begin() as conn:
            insert_first_schema_posts(conn, {"id": 1, "slug": "rose", "published_at": utcnow(), "body_text": "Opera"})
            conn.execute(text("INSERT INTO tags (id, name, slug) VALUES (1, 'anime', 'anime')"))
            conn.execute(text("INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1)"))
        upgrade()
        from blog.models import Comment, CommentStatus, ModerationAction

        db.session.add(
            Comment(
                id=1, post_id=1, author_name="Ann", author_email="ann@example.org", body_source="Hi",
                body_html="<p>Hi</p>", status=CommentStatus.APPROVED,
            )
        )  # fmt: skip
        db.session.flush()
        db.session.add(ModerationAction(comment_id=1, action="approve", to_status="approved"))
        db.session.commit()
        db.session.remove()

        downgrade(revision=first)
        tables = ("posts", "post_tags", "comments", "moderation_actions")
        with db.engine.connect() as conn:
            counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables]  # noqa: S608
        assert counts == [1, 1, 1, 1]
        upgrade()


def test_the_pages_migration_adds_pages_and_going_back_keeps_every_post_and_import_record(tmp_path: Path):
    """Revision 3173b01d9f69 adds ``pages`` and ``imported_items.page_id`` (SQLite copies
    ``imported_items`` to add the foreign key): nothing of the posts or their import records is
    lost either way, and going back forgets only the records of imported pages."""
    from sqlalchemy import text

    from blog.models import ImportedItem, Page, PageStatus
    from blog.models.base import utcnow

    before = "5d2c8e1f9a47"
    with empty_database_app(tmp_path) as app, app.app_context(), app.test_request_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            insert_first_schema_posts(conn, {"id": 1, "slug": "rose", "published_at": utcnow()})
            conn.execute(
                text(
                    "INSERT INTO imported_items (source, kind, remote_id, guid, post_id, created_at) "
                    "VALUES ('https://old.example.org', 'post', '7', 'g7', 1, :now)"
                ),
                {"now": utcnow()},
            )
        upgrade()
        with db.engine.connect() as conn:
            assert "page_id" in {c["name"] for c in inspect(conn).get_columns("imported_items")}
            assert {fk["referred_table"] for fk in inspect(conn).get_foreign_keys("imported_items")} == {
                "posts", "comments", "pages",
            }  # fmt: skip
        page = Page(title="About", slug="about", body_md="Hi", body_html="<p>Hi</p>", status=PageStatus.PUBLISHED)
        db.session.add(page)
        db.session.flush()
        db.session.add(ImportedItem(source="https://old.example.org", kind="page", remote_id="2", page_id=page.id))
        db.session.commit()
        db.session.delete(page)  # an imported page deleted here: its record goes too (a later import brings it back)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(ImportedItem.id))) == 1
        db.session.add(Page(title="About", slug="about", body_md="Hi", body_html="<p>Hi</p>"))
        db.session.commit()
        db.session.remove()

        downgrade(revision=before)
        with db.engine.connect() as conn:
            assert "pages" not in inspect(conn).get_table_names()
            assert "page_id" not in {c["name"] for c in inspect(conn).get_columns("imported_items")}
            assert conn.execute(text("SELECT count(*) FROM posts")).scalar() == 1
            assert conn.execute(text("SELECT post_id FROM imported_items")).scalars().all() == [1]
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pages")).scalar() == 0

"""Large stored HTML on PostgreSQL: lz4, and thread cards in their rows (``blog.pg_storage``).

What a reader would notice is only speed (``make bench``); what these tests hold is that the
tables the site makes, by ``create_all`` or by the migrations, ask for it, that the cards read back
exactly as written, and that SQLite is left alone.
"""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from blog import pg_storage
from blog.extensions import db
from blog.models import Comment, CommentStatus, Role, User
from blog.models.posts import PostStatus
from blog.posts.editing import PostInput, save_post
from tests.conftest import empty_database_app


def _settings(conn, table: str) -> tuple[dict[str, str | None], list[str]]:
    compression = {column: pg_storage.compression_of(conn, table, column) for column in pg_storage.LZ4_COLUMNS[table]}
    options = conn.exec_driver_sql(
        "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = %(table)s::regclass", {"table": table}
    ).scalar()
    return compression, list(options)


def test_the_tables_the_site_makes_store_thread_cards_with_lz4_in_their_rows(app, make_post, make_comment):
    post = make_post("Magnetic Rose")
    root = make_comment(post, "The opera house reveal is perfect. " * 20)
    parent = root
    for n in range(9):  # a thread of ten, its card well past PostgreSQL's 2 KB threshold
        parent = make_comment(post, f"Reply {n}: the score still gets me. " * 20, parent=parent)
    card = db.session.scalar(select(Comment.thread_card).where(Comment.id == root.id))
    assert card is not None and len(card) > 8000 and "Reply 8: the score" in card
    with db.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            assert pg_storage.tune(conn) is False  # SQLite: nothing of the kind
            return
        assert pg_storage.has_lz4(conn), "Debian's PostgreSQL 15 is built with lz4"
        for table in pg_storage.LZ4_COLUMNS:
            compression, options = _settings(conn, table)
            assert set(compression.values()) == {"l"}, (table, compression)
            assert (f"toast_tuple_target={pg_storage.IN_ROW_TARGET}" in options) == (table in pg_storage.IN_ROW_TABLES)
        stored = conn.exec_driver_sql(
            "SELECT pg_column_compression(thread_card), thread_card FROM comments WHERE id = %(id)s", {"id": root.id}
        ).one()
    assert stored[0] == "lz4"
    assert stored[1] == card  # read back exactly as written


def test_the_migration_recompresses_stored_cards_and_going_back_restores_the_defaults(tmp_path: Path):
    card = "<li>" + "A thread card that pglz compressed out of line. " * 400 + "</li>"
    with empty_database_app(tmp_path) as app, app.app_context():
        upgrade(revision="3173b01d9f69")
        # The models are the schema of that revision (the migration under test adds no column).
        author = User(email="a@example.org", name="A", role=Role.ADMIN)
        db.session.add(author)
        db.session.flush()
        post = save_post(author, PostInput(title="Memories", body_md="x", status=PostStatus.PUBLISHED))
        db.session.add(Comment(post_id=post.id, author_name="R", author_email="", body_source="x",
                               body_html="<p>x</p>", status=CommentStatus.APPROVED, avatar_hash=""))  # fmt: skip
        db.session.commit()
        db.session.execute(update(Comment).values(thread_card=card, thread_card_version=1))
        db.session.commit()
        db.session.remove()
        with db.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                before = conn.exec_driver_sql("SELECT pg_column_compression(thread_card) FROM comments").scalar()
                assert before == "pglz"  # what every existing site has
        upgrade()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT thread_card FROM comments").scalar() == card
            if postgres:
                assert conn.exec_driver_sql("SELECT pg_column_compression(thread_card) FROM comments").scalar() == "lz4"
                assert _settings(conn, "comments") == (
                    {"thread_card": "l", "body_html": "l"},
                    [f"toast_tuple_target={pg_storage.IN_ROW_TARGET}"],
                )
        downgrade(revision="3173b01d9f69")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT thread_card FROM comments").scalar() == card
            if postgres:
                assert _settings(conn, "comments") == ({"thread_card": None, "body_html": None}, [])
                assert _settings(conn, "posts")[0] == {"body_html": None}

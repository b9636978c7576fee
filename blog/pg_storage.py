"""How PostgreSQL stores the large HTML the pages read on every view: compressed with lz4, in the row.

A thread card (``comments.thread_card``, a whole thread's markup, ~15 KB for ten comments) is
past PostgreSQL's 2 KB threshold, so by default it was compressed with pglz and moved to the
table's TOAST relation: reading the post page's twenty cards meant some 160 index lookups of TOAST
chunks and pglz's slow decompression, 0.42 ms of the 200-comment page's 3 ms (measured in
``/tmp``, raw psycopg, 20 cards). lz4 decompresses several times faster, and with
``toast_tuple_target`` at its maximum a compressed card stays in its row: 0.29 ms. A row of
``comments`` without a card is the same as before, and one with a card of a few KB is stored
uncompressed in place rather than compressed out of line.

Only the compression of values written afterwards changes (PostgreSQL never recompresses a stored
value): the migration that applies this rewrites the stored cards once. PostgreSQL before 14, or
built without lz4, keeps pglz; SQLite has nothing of the kind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from blog.extensions import db

#: The columns of large, hot, write-once HTML, by table.
LZ4_COLUMNS: dict[str, tuple[str, ...]] = {
    "comments": ("thread_card", "body_html"),
    "posts": ("body_html",),
    "pages": ("body_html",),
}
#: Tables whose rows may hold up to a page of compressed data before TOAST moves any out.
IN_ROW_TABLES = ("comments",)
#: PostgreSQL's largest ``toast_tuple_target``: a heap page less its header.
IN_ROW_TARGET = 8160


def has_lz4(connection: Connection) -> bool:
    """True when this server can compress with lz4 (PostgreSQL 14 and newer, built with it)."""
    found = connection.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return bool(found)


def tune(connection: Connection, tables: set[str] | None = None) -> bool:
    """Apply the storage settings to ``tables`` (all of them when None) that exist; False (and
    nothing done) on a server without lz4 or a database that is not PostgreSQL."""
    if connection.dialect.name != "postgresql" or not has_lz4(connection):
        return False
    present = set(
        connection.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").scalars()
    )
    for table, columns in LZ4_COLUMNS.items():
        if table not in present or (tables is not None and table not in tables):
            continue
        for column in columns:
            connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")
        if table in IN_ROW_TABLES:
            connection.exec_driver_sql(f"ALTER TABLE {table} SET (toast_tuple_target = {IN_ROW_TARGET})")
    return True


def compression_of(connection: Connection, table: str, column: str) -> str | None:
    """The compression a column asks for ('l' lz4, 'p' pglz, None for the server's default)."""
    value = connection.exec_driver_sql(
        "SELECT attcompression FROM pg_attribute WHERE attrelid = %(table)s::regclass AND attname = %(column)s",
        {"table": table, "column": column},
    ).scalar()
    return value or None


def _after_tables_created(target: Any, connection: Connection, tables: Any = None, **kw: Any) -> None:
    """``create_all`` (tests, the benchmark's data set) makes the same tables the migrations do."""
    names = {table.name for table in tables} if tables is not None else None
    tune(connection, names)


def install() -> None:
    """Make ``create_all`` apply these settings too (once per process, whatever the apps)."""
    if not event.contains(db.metadata, "after_create", _after_tables_created):
        event.listen(db.metadata, "after_create", _after_tables_created)

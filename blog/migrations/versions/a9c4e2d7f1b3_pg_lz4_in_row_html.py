"""PostgreSQL: large stored HTML compressed with lz4, thread cards kept in their rows

Revision ID: a9c4e2d7f1b3
Revises: 3173b01d9f69
Create Date: 2026-12-07 21:50:00

``blog.pg_storage`` says why: the post page read its thread cards out of TOAST through pglz. Only
values written afterwards take the new compression, so the stored thread cards are written once
again here (one UPDATE of the top-level comments that have a card). SQLite, and PostgreSQL
without lz4, are left as they are. Downgrading puts back the server's default compression and
TOAST target; values stay as they are stored, which any setting reads.
"""

from alembic import op

from blog import pg_storage

revision = "a9c4e2d7f1b3"
down_revision = "3173b01d9f69"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if pg_storage.tune(connection):
        connection.exec_driver_sql(
            "UPDATE comments SET thread_card = thread_card || '' "
            "WHERE thread_card IS NOT NULL AND pg_column_compression(thread_card) = 'pglz'"
        )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql" or not pg_storage.has_lz4(connection):
        return
    for table, columns in pg_storage.LZ4_COLUMNS.items():
        for column in columns:
            connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION DEFAULT")
    for table in pg_storage.IN_ROW_TABLES:
        connection.exec_driver_sql(f"ALTER TABLE {table} RESET (toast_tuple_target)")

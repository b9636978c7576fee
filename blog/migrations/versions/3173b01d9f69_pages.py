"""pages: static pages at the site's top level ("About", "How I score"), and where imported ones came from

Revision ID: 3173b01d9f69
Revises: 5d2c8e1f9a47
Create Date: 2026-12-07 19:00:00

A new table, apart from ``posts`` so no listing, feed, archive or search of posts can show a page,
and ``imported_items.page_id`` for pages brought in by ``flask import-wordpress``. Nothing
existing changes. ``imported_items`` gains its column in batch mode (SQLite cannot add or drop a
column with a foreign key in place): no table refers to it, so copying it over loses nothing.
Reading its definition also reads the tables it refers to, among them ``comments``, whose
expression index SQLAlchemy cannot reflect and warns about; that index is not copied anywhere.
"""

import warnings
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import blog.models.base

revision = "3173b01d9f69"
down_revision = "5d2c8e1f9a47"
branch_labels = None
depends_on = None


@contextmanager
def _imported_items():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table("imported_items", schema=None) as batch_op:
            yield batch_op


def upgrade():
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column(
            "status", sa.Enum("draft", "published", name="pagestatus", native_enum=False, length=20), nullable=False
        ),
        sa.Column("show_in_menu", sa.Boolean(), nullable=False),
        sa.Column("menu_order", sa.Integer(), nullable=False),
        sa.Column("menu_label", sa.String(length=60), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("unfiltered_html", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", blog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", blog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_pages_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_pages_slug")),
    )
    with _imported_items() as batch_op:
        batch_op.add_column(sa.Column("page_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_imported_items_page_id"), ["page_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_imported_items_page_id_pages"), "pages", ["page_id"], ["id"], ondelete="CASCADE"
        )


def downgrade():
    # What was imported as a page has nowhere to point once the column goes: forget it, so a later
    # import (after upgrading again) brings those pages back.
    op.execute("DELETE FROM imported_items WHERE kind = 'page'")
    with _imported_items() as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_imported_items_page_id_pages"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_imported_items_page_id"))
        batch_op.drop_column("page_id")
    op.drop_table("pages")

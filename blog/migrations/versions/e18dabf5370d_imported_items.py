"""imported_items: where imported posts and comments came from (``flask import-wordpress``), so
importing the same export again adds nothing

Revision ID: e18dabf5370d
Revises: e2f3a4b5c6d7
Create Date: 2026-12-08 10:00:00

A new table; nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

import blog.models.base

revision = "e18dabf5370d"
down_revision = "e2f3a4b5c6d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "imported_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("remote_id", sa.String(length=100), nullable=False),
        sa.Column("guid", sa.String(length=500), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", blog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_imported_items_comment_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_imported_items_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_items")),
        sa.UniqueConstraint("source", "kind", "remote_id", name=op.f("uq_imported_items_source")),
    )
    with op.batch_alter_table("imported_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imported_items_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imported_items_guid"), ["guid"], unique=False)
        batch_op.create_index(batch_op.f("ix_imported_items_post_id"), ["post_id"], unique=False)


def downgrade():
    op.drop_table("imported_items")

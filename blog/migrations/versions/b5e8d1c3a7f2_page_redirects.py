"""page_redirects: a published page's old addresses keep leading to it

Revision ID: b5e8d1c3a7f2
Revises: a9c4e2d7f1b3
Create Date: 2026-12-07 22:00:00

A new table, as ``slug_redirects`` is for posts. Nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

import blog.models.base

revision = "b5e8d1c3a7f2"
down_revision = "a9c4e2d7f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_redirects",
        sa.Column("old_slug", sa.String(length=100), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("created_at", blog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_page_redirects_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("old_slug", name=op.f("pk_page_redirects")),
    )
    with op.batch_alter_table("page_redirects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_redirects_page_id"), ["page_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_redirects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_redirects_page_id"))
    op.drop_table("page_redirects")

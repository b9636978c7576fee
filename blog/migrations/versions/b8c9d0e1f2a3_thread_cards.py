"""comments.thread_card and thread_card_version: a top-level comment's whole thread as an
anonymous reader sees it, written when anything shown in it changes

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-07 05:30:00

Existing threads start without one and are put together from their comments' cards on each
request until ``flask rerender`` (or any change to the thread) writes it.
"""

import sqlalchemy as sa
from alembic import op

revision = "b8c9d0e1f2a3"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("comments", sa.Column("thread_card", sa.Text(), nullable=True))
    op.add_column("comments", sa.Column("thread_card_version", sa.Integer(), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later): batch mode would copy the table
    # through reflection, which cannot read ix_comments_post_text (an expression index) and drops it.
    op.drop_column("comments", "thread_card_version")
    op.drop_column("comments", "thread_card")

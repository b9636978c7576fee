"""comments.card_head, card_tail and card_key: each comment's public markup, rendered at write
time; a commenter's comments found by seeks (user or email with status, post with email)

Revision ID: d4e5f6a7b8c9
Revises: c7d8e9f0a1b2
Create Date: 2026-12-03 15:00:00

Existing comments start without a card and are rendered per request until ``flask rerender``
(or any change to their thread) writes one.
"""

import sqlalchemy as sa
from alembic import op

revision = "d4e5f6a7b8c9"
down_revision = "c7d8e9f0a1b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_head", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("card_tail", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("card_key", sa.Text(), nullable=True))
        # The composite indexes lead with the old single-column ones' columns, and replace them.
        batch_op.drop_index("ix_comments_user_id")
        batch_op.drop_index("ix_comments_author_email")
        batch_op.create_index("ix_comments_user_status", ["user_id", "status"], unique=False)
        batch_op.create_index("ix_comments_email_status", ["author_email", "status"], unique=False)
        batch_op.create_index("ix_comments_post_email", ["post_id", "author_email"], unique=False)


def downgrade():
    # In place, not batch mode: on SQLite batch mode rebuilds `comments`, and with foreign keys on,
    # dropping the old table deleted every comment's history, votes and reports.
    op.drop_index("ix_comments_post_email", table_name="comments")
    op.drop_index("ix_comments_email_status", table_name="comments")
    op.drop_index("ix_comments_user_status", table_name="comments")
    op.create_index("ix_comments_author_email", "comments", ["author_email"], unique=False)
    op.create_index("ix_comments_user_id", "comments", ["user_id"], unique=False)
    op.drop_column("comments", "card_key")
    op.drop_column("comments", "card_tail")
    op.drop_column("comments", "card_head")

"""comments: an index on (post_id, the text's first 32 characters), for the duplicate check

Revision ID: a7b8c9d0e1f2
Revises: f1a2b3c4d5e6
Create Date: 2026-12-04 19:55:00

"It looks as though you've already said that!" asked for this person's comments on the post
(ix_comments_post_email, or every comment of an account through ix_comments_user_status) and read
each one's text: 1.3 ms per comment for a guest with 1,500 comments on the post. The index is on
an expression both SQLite and PostgreSQL keep up to date themselves, so no write path changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "a7b8c9d0e1f2"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_comments_post_text", "comments", ["post_id", sa.text("substr(body_source, 1, 32)")])


def downgrade():
    op.drop_index("ix_comments_post_text", table_name="comments")

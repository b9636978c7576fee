"""posts.announced_at (scheduled posts announced when due) and mail_outbox.list_unsubscribe

Revision ID: b3c1d2e4f5a6
Revises: e75af6bf77c4
Create Date: 2026-11-23 12:50:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import blog.models.base

revision = "b3c1d2e4f5a6"
down_revision = "e75af6bf77c4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announced_at", blog.models.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("list_unsubscribe", sa.String(length=1000), nullable=False, server_default=""))
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.alter_column("list_unsubscribe", server_default=None)
    # Posts already live were announced when they were published: only scheduled ones wait.
    stamp = blog.models.base.UTCDateTime()
    posts = sa.table("posts", sa.column("status", sa.String), sa.column("published_at", stamp),
                     sa.column("announced_at", stamp))
    now = datetime.now(UTC)
    op.execute(posts.update().where(posts.c.status == "published", posts.c.published_at.is_not(None),
                                    posts.c.published_at <= now).values(announced_at=posts.c.published_at))


def downgrade():
    # ALTER TABLE ... DROP COLUMN in place (SQLite 3.35+), not batch mode: batch rebuilds the table,
    # and with foreign keys on, dropping the old `posts` deleted every post's tags and comments.
    op.drop_column("mail_outbox", "list_unsubscribe")
    op.drop_column("posts", "announced_at")

"""PostgreSQL: a stored tsvector column for search (ranking no longer re-parses each body)

Revision ID: c7d8e9f0a1b2
Revises: b3c1d2e4f5a6
Create Date: 2026-11-23 13:55:00
"""

from alembic import op

from blog.posts.search import TITLE_AND_BODY, install_search, pg_vector

revision = "c7d8e9f0a1b2"
down_revision = "b3c1d2e4f5a6"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_fulltext")  # the old expression index
        install_search(bind, TITLE_AND_BODY)  # the index of that time


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_search_vector")
        op.execute("ALTER TABLE posts DROP COLUMN IF EXISTS search_vector")
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_posts_fulltext ON posts USING gin ({pg_vector(TITLE_AND_BODY)})")

"""posts.search_terms: Japanese, Chinese and Korean words found in the middle of a sentence

Revision ID: 5d2c8e1f9a47
Revises: a4c7e2b9d310
Create Date: 2026-12-14 10:00:00

Both databases took a whole run of CJK characters for one word, so only its beginning could be
found (今敏 in 「脚本は今敏が担当した」 never was). Each post now stores the runs of its title and
text as overlapping bigrams too (``blog.posts.search.search_terms``, which also holds accented
words without their accents, for PostgreSQL), and the index reads that column beside the title
and body: the FTS5 table (SQLite) and the generated tsvector (PostgreSQL) are made again over the
three columns, for every post already there.
"""

import sqlalchemy as sa
from alembic import op

revision = "5d2c8e1f9a47"
down_revision = "a4c7e2b9d310"
branch_labels = None
depends_on = None

#: The columns the index reads after and before this revision (not ``INDEXED_COLUMNS``, which may
#: change again).
WITH_TERMS = ("search_terms", "title", "body_text")
TITLE_AND_BODY = ("title", "body_text")


def upgrade():
    from blog.posts.search import install_search, refresh_search_terms, uninstall_search

    bind = op.get_bind()
    uninstall_search(bind)  # the triggers name the columns: gone before the table changes
    op.add_column("posts", sa.Column("search_terms", sa.Text(), nullable=False, server_default=""))
    refresh_search_terms(bind)
    install_search(bind, WITH_TERMS)  # reads every post (FTS5 'rebuild'; the generated column)


def downgrade():
    from blog.posts.search import install_search, uninstall_search

    bind = op.get_bind()
    uninstall_search(bind)
    # Not batch mode: on SQLite it would copy posts to a new table and drop the old one, and with
    # foreign keys on, dropping posts deletes their comments, tags and reviews. SQLite 3.35+ drops
    # a column in place.
    op.execute("ALTER TABLE posts DROP COLUMN search_terms")
    install_search(bind, TITLE_AND_BODY)

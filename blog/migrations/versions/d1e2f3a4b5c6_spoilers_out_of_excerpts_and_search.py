"""posts: spoilers out of the search text and the automatic excerpts; automatic excerpts from
the paragraphs only

Revision ID: d1e2f3a4b5c6
Revises: c9d0e1f2a3b4
Create Date: 2026-12-07 14:10:00

``body_text`` (search and its snippets) and the automatic ``excerpt`` (home page, feeds, meta
descriptions, link previews) held each spoiler's text in the clear, and the excerpt ran headings
and list items into its sentences. Both are computed again from the stored HTML with today's
rules (``blog.rendering``); an excerpt the writer typed is kept. The HTML itself is not touched.
"""

import sqlalchemy as sa
from alembic import op

revision = "d1e2f3a4b5c6"
down_revision = "c9d0e1f2a3b4"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    from blog.posts.excerpts import is_automatic_excerpt
    from blog.rendering import html_to_text, summary_of

    conn = op.get_bind()
    posts = sa.table(
        "posts",
        sa.column("id", sa.Integer),
        sa.column("body_html", sa.Text),
        sa.column("body_text", sa.Text),
        sa.column("excerpt", sa.Text),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(posts.c.id, posts.c.body_html, posts.c.body_text, posts.c.excerpt)
            .where(posts.c.id > last)
            .order_by(posts.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            html, excerpt = row.body_html or "", row.excerpt or ""
            text = html_to_text(html, spoilers=False)
            if is_automatic_excerpt(excerpt, html, row.body_text or ""):
                excerpt = summary_of(html)
            if (text, excerpt) != (row.body_text or "", row.excerpt or ""):
                conn.execute(posts.update().where(posts.c.id == row.id).values(body_text=text, excerpt=excerpt))
        last = rows[-1].id


def downgrade():
    # The older text is what the HTML gave with spoilers in; `flask rerender` on the older code
    # writes it again. Nothing to undo in the schema.
    pass

"""posts.cover_srcset: the ``srcset`` of a cover that is one of our uploads (its 640 and 1280 px
copies), worked out when the post is saved, as body images get theirs

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
Create Date: 2026-12-07 14:30:00

Posts whose cover is an upload (``/media/<key>``) get theirs now; other posts keep "" (an external
cover, no cover, or an upload too small to have been resized).
"""

import sqlalchemy as sa
from alembic import op

revision = "e2f3a4b5c6d7"
down_revision = "d1e2f3a4b5c6"
branch_labels = None
depends_on = None


def upgrade():
    from blog.media.uploads import MEDIA_REF, srcset_for
    from blog.models.media import MediaFile

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cover_srcset", sa.Text(), nullable=False, server_default=""))

    conn = op.get_bind()
    posts = sa.table(
        "posts", sa.column("id", sa.Integer), sa.column("cover_image", sa.String), sa.column("cover_srcset", sa.Text)
    )
    media = sa.table(
        "media_files",
        sa.column("key", sa.String),
        sa.column("width", sa.Integer),
        sa.column("variant_widths", sa.JSON),
    )
    covers = {
        row.id: match.group(1)
        for row in conn.execute(sa.select(posts.c.id, posts.c.cover_image).where(posts.c.cover_image.like("/media/%")))
        if (match := MEDIA_REF.fullmatch(row.cover_image or ""))
    }
    if not covers:
        return
    files = {
        row.key: MediaFile(key=row.key, width=row.width, variant_widths=list(row.variant_widths or []))
        for row in conn.execute(
            sa.select(media.c.key, media.c.width, media.c.variant_widths).where(media.c.key.in_(set(covers.values())))
        )
    }
    for post_id, key in covers.items():
        found = files.get(key)
        if found is not None and found.variant_widths:
            srcset = srcset_for(found, lambda k: f"/media/{k}")
            conn.execute(sa.update(posts).where(posts.c.id == post_id).values(cover_srcset=srcset))


def downgrade():
    # In place, not batch mode: rebuilding `posts` cascade-deleted its tags and comments on SQLite.
    op.drop_column("posts", "cover_srcset")

"""page_revisions: a published page's earlier versions, to compare and restore

Revision ID: c2d7e4a9b1f6
Revises: a18339415230
Create Date: 2026-12-07 22:20:00

A new table, as ``post_revisions`` is for posts. Each page already published gets its first
revision here, its text as it stands (dated when it was last saved): a revision records the text a
save leaves, so without it the first edit after upgrading would have kept the new text only and
lost the one readers had been reading.
"""

import sqlalchemy as sa
from alembic import op

import blog.models.base

revision = "c2d7e4a9b1f6"
down_revision = "a18339415230"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", blog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_page_revisions_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_page_revisions_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_revisions")),
    )
    with op.batch_alter_table("page_revisions", schema=None) as batch_op:
        batch_op.create_index("ix_page_revisions_page_created", ["page_id", "created_at"], unique=False)
    pages = sa.table(
        "pages",
        *(sa.column(name) for name in ("id", "author_id", "title", "body_md", "description", "status")),
        sa.column("updated_at", blog.models.base.UTCDateTime(timezone=True)),
    )
    revisions = sa.table(
        "page_revisions",
        *(sa.column(name) for name in ("page_id", "author_id", "title", "body_md", "description", "summary", "note")),
        sa.column("created_at", blog.models.base.UTCDateTime(timezone=True)),
    )
    conn = op.get_bind()
    kept = ("id", "author_id", "title", "body_md", "description", "updated_at")
    published = conn.execute(sa.select(*(pages.c[name] for name in kept)).where(pages.c.status == "published")).all()
    if published:
        conn.execute(
            revisions.insert(),
            [
                {"page_id": pid, "author_id": author, "title": title, "body_md": body or "",
                 "description": description or "", "summary": "first published version",
                 "note": "Kept when page revisions began", "created_at": updated}
                for pid, author, title, body, description, updated in published
            ],
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("page_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_page_revisions_page_created")
    op.drop_table("page_revisions")

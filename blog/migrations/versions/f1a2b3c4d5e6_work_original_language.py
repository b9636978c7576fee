"""works.original_language: the language tag of a work's original name (``ja``), so pages mark
that name with ``lang`` and browsers and screen readers read it in its language

Revision ID: f1a2b3c4d5e6
Revises: d4e5f6a7b8c9
Create Date: 2026-12-03 20:10:00

Existing works start with none ("") and show their original name as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "f1a2b3c4d5e6"
down_revision = "d4e5f6a7b8c9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("works", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_language", sa.String(length=35), nullable=False, server_default=""))


def downgrade():
    # In place, not batch mode: rebuilding `works` cascade-deleted its credits and reviews on SQLite.
    op.drop_column("works", "original_language")

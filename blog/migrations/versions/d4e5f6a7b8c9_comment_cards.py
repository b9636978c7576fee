"""comments.card_head, card_tail and card_key: each comment's public markup, rendered at write time

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


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("card_key")
        batch_op.drop_column("card_tail")
        batch_op.drop_column("card_head")

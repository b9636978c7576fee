"""credits.character and people.name_key: who a voice actor or actor plays (the work page's
"Characters & Voice Actors"), and a person's name with case, spacing and accents ignored, so a
credit naming someone new finds the people it may mean by an index

Revision ID: a4c7e2b9d310
Revises: e18dabf5370d
Create Date: 2026-12-08 14:00:00

Existing credits get no character (""); existing people get their key computed here.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "a4c7e2b9d310"
down_revision = "e18dabf5370d"
branch_labels = None
depends_on = None


def _name_key(name: str) -> str:
    """``blog.models.works.name_key`` as it was when this migration was written (a copy, so a later
    change to the function cannot change what this step did)."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    plain = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return unicodedata.normalize("NFC", plain)[:200]


def upgrade():
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("character", sa.String(length=200), nullable=False, server_default=""))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=200), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_people_name_key"), ["name_key"], unique=False)
    people = sa.table("people", sa.column("id", sa.Integer()), sa.column("name", sa.String()), sa.column("name_key"))
    conn = op.get_bind()
    keys = [
        {"person": pid, "key": _name_key(name or "")}
        for pid, name in conn.execute(sa.select(people.c.id, people.c.name))
    ]
    if keys:
        update = people.update().where(people.c.id == sa.bindparam("person")).values(name_key=sa.bindparam("key"))
        conn.execute(update, keys)


def downgrade():
    # Not batch mode: on SQLite it would copy and drop ``people``, which credits reference (foreign
    # keys are on), so a site with credits could not go back. SQLite 3.35+ drops the column itself.
    op.drop_index(op.f("ix_people_name_key"), table_name="people")
    op.drop_column("people", "name_key")
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_column("character")

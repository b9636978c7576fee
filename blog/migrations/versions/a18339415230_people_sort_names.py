"""people.sort_name and people.sort_key: people listed by family name ("Kon, Satoshi"), as
reference databases and library catalogues list them, not by their first word

Revision ID: a18339415230
Revises: b5e8d1c3a7f2
Create Date: 2026-12-07 22:10:00

Existing people get the sort name derived from their name (the last word first) and its key,
computed here; staff type their own for the names the last word gets wrong.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "a18339415230"
down_revision = "b5e8d1c3a7f2"
branch_labels = None
depends_on = None


def _sort_name(name: str) -> str:
    """``blog.models.works.derived_sort_name`` as it was when this migration was written (a copy,
    so a later change to the function cannot change what this step did)."""
    words = name.split()
    if len(words) < 2:
        return " ".join(words)
    return f"{words[-1]}, {' '.join(words[:-1])}"[:200]


def _name_key(name: str) -> str:
    """``blog.models.works.name_key`` as it was when this migration was written."""
    folded = unicodedata.normalize("NFKC", " ".join(name.split()).casefold())
    decomposed = unicodedata.normalize("NFD", folded)
    plain = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return unicodedata.normalize("NFC", plain)[:200]


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("sort_key", sa.String(length=200), nullable=False, server_default=""))
    people = sa.table(
        "people", sa.column("id", sa.Integer()), sa.column("name", sa.String()), sa.column("sort_name"), sa.column("sort_key")
    )
    conn = op.get_bind()
    rows = []
    for pid, name in conn.execute(sa.select(people.c.id, people.c.name)):
        sort_name = _sort_name(name or "")
        rows.append({"person": pid, "derived": sort_name, "key": _name_key(sort_name)})
    if rows:
        update = (
            people.update()
            .where(people.c.id == sa.bindparam("person"))
            .values(sort_name=sa.bindparam("derived"), sort_key=sa.bindparam("key"))
        )
        conn.execute(update, rows)


def downgrade() -> None:
    # Not batch mode: on SQLite it would copy and drop ``people``, which credits reference (foreign
    # keys are on), so a site with credits could not go back. SQLite 3.35+ drops the column itself.
    op.drop_column("people", "sort_key")
    op.drop_column("people", "sort_name")

"""Full-text search over post titles and bodies: SQLite FTS5 or PostgreSQL tsvector, one function.

The index is kept by the database itself (FTS5 triggers, or a GIN expression index), so every
way of writing a post, including raw imports, stays searchable.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Float, Integer, Row, column, event, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.sql import Select

from blog.extensions import db
from blog.models.posts import Post

SQLITE_DDL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
        title, body_text, content='posts', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS posts_fts_ai AFTER INSERT ON posts BEGIN
        INSERT INTO posts_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text); END""",
    """CREATE TRIGGER IF NOT EXISTS posts_fts_ad AFTER DELETE ON posts BEGIN
        INSERT INTO posts_fts(posts_fts, rowid, title, body_text)
        VALUES ('delete', old.id, old.title, old.body_text); END""",
    """CREATE TRIGGER IF NOT EXISTS posts_fts_au AFTER UPDATE OF title, body_text ON posts BEGIN
        INSERT INTO posts_fts(posts_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
        INSERT INTO posts_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS posts_fts_au",
    "DROP TRIGGER IF EXISTS posts_fts_ad",
    "DROP TRIGGER IF EXISTS posts_fts_ai",
    "DROP TABLE IF EXISTS posts_fts",
]
PG_VECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body_text, ''))"
#: PostgreSQL keeps each post's tsvector in a generated column (outside the SQLAlchemy model, like
#: SQLite's FTS5 table), so ranking reads it instead of re-parsing every candidate's body.
PG_COLUMN = "search_vector"
PG_INDEX = "ix_posts_search_vector"
PG_DDL = [
    f"ALTER TABLE posts ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON posts USING gin ({PG_COLUMN})",
]
PG_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}", f"ALTER TABLE posts DROP COLUMN IF EXISTS {PG_COLUMN}"]
#: Names autogenerate must leave alone (they are made here, not from the models).
NOT_IN_MODELS = ("posts_fts", "ix_posts_fulltext", PG_COLUMN, PG_INDEX)

MAX_QUERY_CHARS = 200
#: Only the newest this many matching posts are ranked (30 pages of results): ranking every match
#: makes a common word cost in proportion to the whole archive. The page says when a search hit
#: the limit and asks for another word.
MAX_CANDIDATES = 300
#: PostgreSQL first looks for the candidates among this many newest live posts, and asks the GIN
#: index only when fewer match (a word in fewer than one recent post in three).
RECENT_WINDOW = 3 * MAX_CANDIDATES
_WORD = re.compile(r"\w+", re.UNICODE)


def install_search(connection: Connection) -> None:
    """Create the search index for this database (used by the migration and by ``create_all``)."""
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else PG_DDL
    for statement in statements:
        connection.execute(text(statement))


def uninstall_search(connection: Connection) -> None:
    statements = SQLITE_DROP if connection.dialect.name == "sqlite" else PG_DROP
    for statement in statements:
        connection.execute(text(statement))


@event.listens_for(Post.__table__, "after_create")
def _after_posts_created(target: Any, connection: Connection, **kw: Any) -> None:
    install_search(connection)


@event.listens_for(Post.__table__, "before_drop")
def _before_posts_dropped(target: Any, connection: Connection, **kw: Any) -> None:
    uninstall_search(connection)


def query_words(query: str) -> list[str]:
    """The words of a reader's query; punctuation and search syntax are ignored, never an error."""
    return _WORD.findall(query[:MAX_QUERY_CHARS])[:12]


def _ranked(candidates: Select[Any], tsquery: Any) -> Select[Any]:
    """``(id, score)`` of the candidates, newest first; the score is computed only for them."""
    sub = candidates.subquery("candidates")
    score = (-func.ts_rank(sub.c.vector, tsquery)).label("score")
    return select(sub.c.id, score).order_by(sub.c.published_at.desc(), sub.c.id.desc())


def _postgres_matches(base: Select[tuple[Post]], words: list[str]) -> list[Row[Any]]:
    """The newest matches, read in proportion to how many are wanted rather than how many exist
    (for a word in at least one recent post in three)."""
    vector = literal_column(f"posts.{PG_COLUMN}", type_=TSVECTOR)
    tsquery = func.to_tsquery(
        "simple", " & ".join(w + (":*" if i == len(words) - 1 else "") for i, w in enumerate(words))
    )
    newest = (Post.published_at.desc(), Post.id.desc())
    wanted = MAX_CANDIDATES + 1
    live = base.with_only_columns(Post.id, Post.published_at, vector.label("vector"))
    # First the newest RECENT_WINDOW live posts, walked down ix_posts_status_published_at and tested
    # against their stored vectors: a common word fills the candidates after a few hundred rows and
    # nothing else is read. The planner does not choose this by itself: its estimate for a prefix
    # term ("memories:*") is a fixed 2% when the column's statistics hold few common lexemes, so
    # it asks GIN for every match, in no useful order, and sorts them all to keep the newest.
    window = live.order_by(*newest).limit(RECENT_WINDOW).subquery("recent")
    in_window = (
        select(window)
        .where(window.c.vector.op("@@")(tsquery))
        .order_by(window.c.published_at.desc(), window.c.id.desc())
        .limit(wanted)
    )
    rows = list(db.session.execute(_ranked(in_window, tsquery)))
    if len(rows) >= wanted:
        return rows
    # Fewer: either the window held every live post (a small site: done), or the word is rare and
    # the GIN index finds its matches at the cost of how many there are.
    beyond = db.session.scalar(  # an index-only probe of RECENT_WINDOW entries
        base.with_only_columns(Post.published_at).order_by(Post.published_at.desc()).offset(RECENT_WINDOW).limit(1)
    )
    if beyond is None:
        return rows
    everywhere = live.where(vector.op("@@")(tsquery)).order_by(*newest).limit(wanted)
    return list(db.session.execute(_ranked(everywhere, tsquery)))


def ranked_matches(base: Select[tuple[Post]], query: str, dialect: str) -> list[Row[Any]] | None:
    """Rows ``(id, score)`` of the newest ``MAX_CANDIDATES`` + 1 posts of ``base``
    (a select of live posts) that match every word, newest first; a lower score is a better match.

    Only the newest are ranked, so a common word costs the same on a 20,000-post archive as on a
    small one; the extra row tells the page that more posts match. None when the query holds no
    searchable word.
    """
    words = query_words(query)
    if not words:
        return None
    if dialect != "sqlite":
        return _postgres_matches(base, words)
    # Each word quoted (no FTS syntax injection), the last one as a prefix.
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words) + "*"
    # FTS5 walks the matches newest first (by rowid: posts are numbered as they are written) and
    # stops at the limit; ``rank`` (bm25) is computed only for the rows it visits.
    fts = text(
        "SELECT rowid, rank FROM posts_fts WHERE posts_fts MATCH :match ORDER BY rowid DESC LIMIT :cap"
    ).bindparams(match=match, cap=MAX_CANDIDATES + 1)
    sub = fts.columns(column("rowid", Integer), column("rank", Float)).subquery("fts")
    stmt = (
        # Ordered by, not returned: turning 301 SQLite date strings into datetimes costs a millisecond.
        base.with_only_columns(Post.id, sub.c.rank.label("score"))
        .join(sub, sub.c.rowid == Post.id)
        .order_by(Post.published_at.desc(), Post.id.desc())
    )
    return list(db.session.execute(stmt))


__all__ = [
    "MAX_CANDIDATES",
    "NOT_IN_MODELS",
    "install_search",
    "query_words",
    "ranked_matches",
    "select",
]

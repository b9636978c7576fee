"""Full-text search over post titles and bodies: SQLite FTS5 or PostgreSQL tsvector, one function.

The index is kept by the database itself (FTS5 triggers, or a generated tsvector column), so every
way of writing a post, including raw imports, stays searchable.

Chinese, Japanese and Korean put no spaces between words, and both databases take a whole run of
such characters for one word: in 「脚本は今敏が担当した」 only 脚本… could be found, never 今敏.
So, as Lucene's CJK analyzer does, each run is indexed as its overlapping bigrams too (脚本 本は
は今 今敏 …), and a query's runs become the same bigrams, as a phrase. ``search_terms`` works them
out when a post is written (``save_post``, ``flask rerender``, imports) into ``posts.search_terms``,
which the database indexes beside the title and body; readers never see that column (snippets
come from ``body_text``). The column also holds accented words without their accents: SQLite's
tokenizer drops accents, PostgreSQL's 'simple' configuration does not, and "pokemon" must find
Pokémon on both. A row written by raw SQL without it is still found by its other words;
``flask rerender`` fills it in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Row,
    Text,
    column,
    event,
    func,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.sql import Select

from blog.extensions import db
from blog.models.base import unaccented
from blog.models.posts import Post

#: Han (with 々 〆 〇), Hiragana, Katakana (with ー and the half-width forms) and Hangul: the
#: scripts written without spaces between words.
CJK_CHARS = (
    "\u1100-\u11ff\u3005-\u3007\u3031-\u3035\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uffdc\U00020000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
#: A word cut into its CJK runs (group 1) and the letters and digits around them ("AKIRAは").
_PIECE = re.compile(f"([{CJK_CHARS}]+)|(?:(?![{CJK_CHARS}])\\w)+")
_WORD = re.compile(r"\w+")
#: A word holding a letter outside ASCII ("Pokémon", "Kōji", "メモリーズ").
_NON_ASCII_WORD = re.compile(r"\w*[^\x00-\x7f\W]\w*")

#: Bigrams stored per post, at most (about 15,000 characters of CJK text). PostgreSQL records word
#: positions up to 16,383 only, which phrases need, and a tsvector stays under 1 MB; later runs of
#: a longer post are found by their first characters, as all runs were before.
MAX_CJK_TERMS = 16_000
#: The posts columns the index reads. ``search_terms`` comes first: PostgreSQL records word
#: positions up to 16,383 only, and the bigram phrases need theirs; single words need none.
INDEXED_COLUMNS = ("search_terms", "title", "body_text")
#: What the index read before ``search_terms`` (revisions e75af6bf77c4 to 5d2c8e1f9a47): the
#: migrations of that time build it with these, whatever ``INDEXED_COLUMNS`` becomes.
TITLE_AND_BODY = ("title", "body_text")
PG_COLUMN = "search_vector"
PG_INDEX = "ix_posts_search_vector"
#: Names autogenerate must leave alone (they are made here, not from the models).
NOT_IN_MODELS = ("posts_fts", "ix_posts_fulltext", PG_COLUMN, PG_INDEX)


def sqlite_ddl(columns: tuple[str, ...]) -> list[str]:
    """The FTS5 table over ``columns`` of posts, the triggers that keep it in step, and its filling."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{name}" for name in columns)
    old = ", ".join(f"old.{name}" for name in columns)
    return [
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
        {names}, content='posts', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER IF NOT EXISTS posts_fts_ai AFTER INSERT ON posts BEGIN
        INSERT INTO posts_fts(rowid, {names}) VALUES (new.id, {new}); END""",  # noqa: S608 (our column names)
        f"""CREATE TRIGGER IF NOT EXISTS posts_fts_ad AFTER DELETE ON posts BEGIN
        INSERT INTO posts_fts(posts_fts, rowid, {names}) VALUES ('delete', old.id, {old}); END""",  # noqa: S608
        f"""CREATE TRIGGER IF NOT EXISTS posts_fts_au AFTER UPDATE OF {names} ON posts BEGIN
        INSERT INTO posts_fts(posts_fts, rowid, {names}) VALUES ('delete', old.id, {old});
        INSERT INTO posts_fts(rowid, {names}) VALUES (new.id, {new}); END""",  # noqa: S608
        # External content: the table starts empty, so it reads the posts already there.
        "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
    ]


SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS posts_fts_au",
    "DROP TRIGGER IF EXISTS posts_fts_ad",
    "DROP TRIGGER IF EXISTS posts_fts_ai",
    "DROP TABLE IF EXISTS posts_fts",
]


def pg_vector(columns: tuple[str, ...]) -> str:
    """The tsvector of ``columns`` of a post."""
    return "to_tsvector('simple', " + " || ' ' || ".join(f"coalesce({name}, '')" for name in columns) + ")"


def pg_ddl(columns: tuple[str, ...]) -> list[str]:
    """PostgreSQL keeps each post's tsvector in a generated column (outside the SQLAlchemy model,
    like SQLite's FTS5 table), so ranking reads it instead of re-parsing every candidate's body;
    adding the column computes it for the posts already there."""
    return [
        f"ALTER TABLE posts ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({pg_vector(columns)}) STORED",
        f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON posts USING gin ({PG_COLUMN})",
    ]


PG_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}", f"ALTER TABLE posts DROP COLUMN IF EXISTS {PG_COLUMN}"]

MAX_QUERY_CHARS = 200
#: Only the newest this many matching posts are ranked (30 pages of results): ranking every match
#: makes a common word cost in proportion to the whole archive. The page says when a search hit
#: the limit and asks for another word.
MAX_CANDIDATES = 300
#: PostgreSQL first looks for the candidates among this many newest live posts, and asks the GIN
#: index only when fewer match (a word in fewer than one recent post in three).
RECENT_WINDOW = 3 * MAX_CANDIDATES


def install_search(connection: Connection, columns: tuple[str, ...] = INDEXED_COLUMNS) -> None:
    """Create the search index for this database over the posts already there (used by the
    migrations, which name the ``columns`` of their time, and by ``create_all``)."""
    statements = sqlite_ddl(columns) if connection.dialect.name == "sqlite" else pg_ddl(columns)
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


# ----------------------------------------------------------------------------- CJK bigrams


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _cjk_terms(text: str) -> Iterator[str]:
    for word in _WORD.findall(text):
        if not _CJK_RUN.search(word):
            continue
        for piece in _PIECE.finditer(word):
            run = piece.group(1)
            if run is None:
                yield piece.group()  # the "AKIRA" of "AKIRAは": a word of its own, as queries see it
            else:
                yield from _bigrams(run)
                yield run[-1]  # with the bigrams' first characters, every character starts a term


def _accented_forms() -> dict[str, str]:
    """Each letter with the accented letters, small and capital, that ``unaccented`` turns into
    it (o → òóôõöōŏő…Ō…): for matching names and marking snippets whatever their accents."""
    forms: dict[str, str] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(code)
        base = unaccented(letter).lower()
        if base != letter.lower() and len(base) == 1 and base.isalpha():
            forms[base] = forms.get(base, "") + letter
    return forms


ACCENTED_FORMS = _accented_forms()


def _unaccented_terms(text: str) -> Iterator[str]:
    """Each accented word once, without its accents: PostgreSQL's 'simple' configuration keeps
    them, and "pokemon" must find Pokémon there as on SQLite."""
    seen: set[str] = set()
    for word in _NON_ASCII_WORD.findall(text):
        for piece, cjk in word_pieces(word):
            plain = piece if cjk else unaccented(piece)
            if plain != piece and plain.lower() not in seen:
                seen.add(plain.lower())
                yield plain


def search_terms(title: str, body_text: str) -> str:
    """What ``posts.search_terms`` holds for a post with this title and text: each CJK run as its
    overlapping bigrams and its last character, the other half of words that mix scripts, and
    accented words without their accents. Empty for ASCII text. Every write of a title or
    ``body_text`` stores it."""
    joined = f"{title}\n{body_text}"
    if joined.isascii():
        return ""
    return " ".join([*islice(_cjk_terms(joined), MAX_CJK_TERMS), *_unaccented_terms(joined)])


def refresh_search_terms(connection: Connection, batch: int = 500) -> int:
    """Store ``search_terms`` again for every post, walking them by id (flat memory on a large
    site); returns how many changed. For the migration that added the column and for imports of
    exports made before it."""
    posts = table(
        "posts", column("id", Integer), column("title", Text), column("body_text", Text), column("search_terms", Text)
    )
    changed, last = 0, 0
    while True:
        rows = connection.execute(
            select(posts.c.id, posts.c.title, posts.c.body_text, posts.c.search_terms)
            .where(posts.c.id > last)
            .order_by(posts.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return changed
        for row in rows:
            terms = search_terms(row.title or "", row.body_text or "")
            if terms != (row.search_terms or ""):
                connection.execute(update(posts).where(posts.c.id == row.id).values(search_terms=terms))
                changed += 1
        last = rows[-1].id


# ----------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Term:
    """What every match must hold: a word (or, with ``prefix``, a word it begins), or a run of CJK
    characters as the phrase of its bigrams."""

    tokens: tuple[str, ...]
    prefix: bool = False


def query_words(query: str) -> list[str]:
    """The words of a reader's query; punctuation and search syntax are ignored, never an error."""
    return _WORD.findall(query[:MAX_QUERY_CHARS])[:12]


def word_pieces(word: str) -> list[tuple[str, bool]]:
    """``word`` cut into its CJK runs (True) and the letters and digits around them (False)."""
    return [(m.group(), m.group(1) is not None) for m in _PIECE.finditer(word)]


def query_terms(query: str) -> list[Term]:
    """The terms of a query: its words, the last one a prefix (it may be half typed), and each CJK
    run as a phrase of bigrams (a substring of an indexed run, wherever it starts). One CJK
    character is a prefix: it begins a bigram, or is the last of its run."""
    pieces = [piece for word in query_words(query) for piece in word_pieces(word)]
    terms = []
    for i, (piece, cjk) in enumerate(pieces):
        if cjk and len(piece) > 1:
            terms.append(Term(tuple(_bigrams(piece))))
        else:
            terms.append(Term((piece,), prefix=cjk or i == len(pieces) - 1))
    return terms


def fts5_match(terms: list[Term]) -> str:
    """An FTS5 query holding every term; each is quoted, so nothing typed is read as FTS syntax."""
    quoted = ('"' + " ".join(t.tokens).replace('"', '""') + '"' + ("*" if t.prefix else "") for t in terms)
    return " ".join(quoted)


def _tsquery_word(word: str, prefix: bool) -> str:
    """A word, or (for an accented one) the word or its plain form: posts written before their
    ``search_terms`` hold only the accented form."""
    star = ":*" if prefix else ""
    plain = unaccented(word)
    return f"{word}{star}" if plain == word else f"({word}{star} | {plain}{star})"


def tsquery_text(terms: list[Term]) -> str:
    """The same for PostgreSQL's ``to_tsquery`` (terms are letters and digits only: no syntax)."""
    parts = [
        "(" + " <-> ".join(t.tokens) + ")" if len(t.tokens) > 1 else _tsquery_word(t.tokens[0], t.prefix) for t in terms
    ]
    return " & ".join(parts)


def _ranked(candidates: Select[Any], tsquery: Any) -> Select[Any]:
    """``(id, score)`` of the candidates, newest first; the score is computed only for them."""
    sub = candidates.subquery("candidates")
    score = (-func.ts_rank(sub.c.vector, tsquery)).label("score")
    return select(sub.c.id, score).order_by(sub.c.published_at.desc(), sub.c.id.desc())


def _postgres_matches(base: Select[tuple[Post]], terms: list[Term]) -> list[Row[Any]]:
    """The newest matches, read in proportion to how many are wanted rather than how many exist
    (for a word in at least one recent post in three)."""
    vector = literal_column(f"posts.{PG_COLUMN}", type_=TSVECTOR)
    tsquery = func.to_tsquery("simple", tsquery_text(terms))
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
    terms = query_terms(query)
    if not terms:
        return None
    if dialect != "sqlite":
        return _postgres_matches(base, terms)
    match = fts5_match(terms)
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
    "ACCENTED_FORMS",
    "INDEXED_COLUMNS",
    "MAX_CANDIDATES",
    "NOT_IN_MODELS",
    "TITLE_AND_BODY",
    "Term",
    "install_search",
    "pg_vector",
    "query_terms",
    "query_words",
    "ranked_matches",
    "refresh_search_terms",
    "search_terms",
    "select",
    "unaccented",
    "uninstall_search",
    "word_pieces",
]

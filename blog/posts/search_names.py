"""Works and people whose names match a search: the "Works & people" above the posts found.

Readers search for a title or a name (Tensai Okamura, メモリーズ) as often as for a word of a
review. Works and people are few next to posts, so they need no full-text index: each word the
reader typed must be in a work's title or original title (or all of them in one of its aliases),
or in a person's name or native name, in any case and with or without accents, CJK included
(今敏 is found inside 今敏監督). One statement for works and one for people, whatever matches.

The database compares: a person's ``name_key`` is already folded (LIKE); the other names are
matched by (I)LIKE, and those holding accents letter by letter, each letter of a word being the
class of its accented and capital forms (o → [oOòóôõöō…]): a GLOB on SQLite, a regular expression
on PostgreSQL. Nothing is read into Python to be folded. Both statements scan their tables (about
10 ms for 5,000 works with as many aliases and 10,000 people); a folded key on works, as people
have, would make them LIKEs only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from blog.extensions import db
from blog.models.works import Person, Work, WorkAlias, WorkKind, name_key
from blog.posts.search import ACCENTED_FORMS, CJK_CHARS, MAX_QUERY_CHARS

#: How many works, and people, the search page lists; "more" links to the full lists.
SHOWN = 8
_EDGES = re.compile(r"^\W+|\W+$")
_CJK = re.compile(f"[{CJK_CHARS}]")
#: Latin letters with accents, and the Greek and Cyrillic alphabets (capitals SQLite's LIKE
#: does not fold), as ranges of a class.
_ACCENTED_RANGE = "\u00c0-\u024f\u0370-\u04ff\u1e00-\u1fff"


@dataclass(frozen=True)
class WorkMatch:
    slug: str
    title: str
    original_title: str
    original_language: str
    kind: WorkKind
    year: int | None
    #: The alias that matched, when the titles did not ("Kōkaku Kidōtai").
    alias: str = ""


@dataclass(frozen=True)
class PersonMatch:
    slug: str
    name: str
    original_name: str


@dataclass
class NameMatches:
    works: list[WorkMatch] = field(default_factory=list)
    more_works: bool = False
    people: list[PersonMatch] = field(default_factory=list)
    more_people: bool = False

    def __bool__(self) -> bool:
        return bool(self.works or self.people)


def name_words(query: str) -> list[str]:
    """The query's words as names compare them (``name_key``: case, spacing and accents ignored),
    punctuation trimmed from their ends ("Kiki's" stays whole). None worth looking for when the
    query is a single Latin letter or digit: it is in every other name."""
    words = [_EDGES.sub("", word) for word in name_key(query[:MAX_QUERY_CHARS]).split()[:8]]
    words = [word for word in words if word]
    if sum(len(word) for word in words) < 2 and not any(_CJK.search(word) for word in words):
        return []
    return words


@lru_cache(maxsize=4096)
def _letter_class(char: str) -> str:
    """The forms of ``char`` a name may hold: itself, its capital, its accented forms; "" when
    there is no other form (digits, punctuation, CJK)."""
    capital = char.upper() if len(char.upper()) == 1 else ""
    forms = dict.fromkeys(char + capital + ACCENTED_FORMS.get(char, ""))
    return "".join(forms) if len(forms) > 1 and all(f.isalpha() for f in forms) else ""


def _letters_pattern(word: str, glob: bool) -> str:
    """``word`` with each letter as the class of its forms: a GLOB (SQLite) or a regular expression."""
    parts = []
    for char in word:
        forms = _letter_class(char)
        if forms:
            parts.append(f"[{forms}]")
        elif glob:
            parts.append(f"[{char}]" if char in "*?[" else char)
        else:
            parts.append("\\" + char if char.isascii() and not char.isalnum() else char)
    return f"*{''.join(parts)}*" if glob else "".join(parts)


def _like_escape(word: str) -> str:
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _word_params(words: list[str], dialect: str) -> dict[str, str]:
    """The bound values of the statements below: word ``i`` as a LIKE pattern, and as letter
    classes when it has letters with other forms."""
    params = {}
    for i, word in enumerate(words):
        params[f"like_{i}"] = f"%{_like_escape(word)}%"
        if _has_forms(word):
            params[f"letters_{i}"] = _letters_pattern(word, glob=dialect == "sqlite")
    return params


def _has_forms(word: str) -> bool:
    return any(_letter_class(char) for char in word)


def _contains(column: Any, i: int, forms: bool, dialect: str) -> ColumnElement[bool]:
    """``column`` holds word ``i`` (folded already) anywhere, whatever the case and accents of the
    name. A LIKE finds it in names without accents, most of them (SQLite's LIKE ignores the case
    of ASCII letters; PostgreSQL has ILIKE); names with accents or capitals beyond ASCII are
    matched letter by letter against the classes. ``forms``: the word has letters with other
    forms (not CJK, not digits)."""
    like = bindparam(f"like_{i}")
    plain = column.like(like, escape="/") if dialect == "sqlite" else column.ilike(like, escape="/")
    if not forms:
        return plain
    letters = bindparam(f"letters_{i}")
    if dialect == "sqlite":
        return or_(plain, and_(column.op("GLOB")(f"*[{_ACCENTED_RANGE}]*"), column.op("GLOB")(letters)))
    return or_(plain, and_(column.op("~")(f"[{_ACCENTED_RANGE}]"), column.op("~")(letters)))


@lru_cache(maxsize=128)
def _works_statement(shape: tuple[bool, ...], dialect: str) -> Select[Any]:
    """Works whose titles hold every word, or one of whose aliases does; for the rows returned,
    the alias to show when the titles did not match. Built once per ``shape`` (which words have
    letter classes) and dialect: the words are bound parameters."""

    def holds_all(column: Any) -> list[ColumnElement[bool]]:
        return [_contains(column, i, forms, dialect) for i, forms in enumerate(shape)]

    titles = Work.title + "\n" + Work.original_title
    alias = aliased(WorkAlias)
    shown_alias = (
        select(alias.name)
        .where(alias.work_id == Work.id, *holds_all(alias.name))
        .order_by(alias.position, alias.id)
        .limit(1)
        .scalar_subquery()
    )
    titles_hold_all = and_(*holds_all(titles))
    return (
        select(
            Work.slug,
            Work.title,
            Work.original_title,
            Work.original_language,
            Work.kind,
            Work.year,
            case((titles_hold_all, ""), else_=shown_alias).label("alias"),
        )
        .where(or_(titles_hold_all, Work.id.in_(select(WorkAlias.work_id).where(*holds_all(WorkAlias.name)))))
        .order_by(func.lower(Work.title), Work.id)
        .limit(SHOWN + 1)
    )


@lru_cache(maxsize=128)
def _people_statement(shape: tuple[bool, ...], dialect: str) -> Select[Any]:
    """People whose folded name or native name holds each word (as ``_works_statement``)."""
    wanted = [
        or_(
            Person.name_key.like(bindparam(f"like_{i}"), escape="/"), _contains(Person.original_name, i, forms, dialect)
        )
        for i, forms in enumerate(shape)
    ]
    return (
        select(Person.slug, Person.name, Person.original_name)
        .where(*wanted)
        .order_by(Person.sort_key, Person.id)  # by family name, as the People page
        .limit(SHOWN + 1)
    )


def name_matches(query: str) -> NameMatches:
    """Works and people named by ``query`` (at most ``SHOWN`` of each, and whether there are more)."""
    words = name_words(query)
    if not words:
        return NameMatches()
    dialect = db.session.get_bind().dialect.name
    shape = tuple(_has_forms(word) for word in words)
    params = _word_params(words, dialect)
    works = [
        WorkMatch(
            row.slug,
            row.title,
            row.original_title or "",
            row.original_language or "",
            WorkKind(row.kind),
            row.year,
            alias=row.alias or "",
        )
        for row in db.session.execute(_works_statement(shape, dialect), params)
    ]
    people = [
        PersonMatch(row.slug, row.name, row.original_name or "")
        for row in db.session.execute(_people_statement(shape, dialect), params)
    ]
    return NameMatches(
        works=works[:SHOWN], more_works=len(works) > SHOWN, people=people[:SHOWN], more_people=len(people) > SHOWN
    )

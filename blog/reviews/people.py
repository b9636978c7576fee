"""The people a credit line names: found, or added when the database does not know them yet.

A typed name is a known person when it is the same name but for case and spacing
(``same_name``: "satoshi  KON" is Satoshi Kon) or their slug; any other name is someone new.
Staff saving a work add new people at once. A reader's correction carries them as credits with
no ``person_id``, and they are added only when staff approve it, after the review page has shown
each one marked "new person" beside the existing people whose name looks alike (accents and word
order ignored), so a typo or a second spelling of someone known is caught before it is added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from blog.errors import DomainError
from blog.extensions import db
from blog.models.works import Person, name_key, same_name
from blog.posts.editing import first_free_slug, make_slug
from blog.rendering import clean_text

#: As ``Person.name``.
NAME_MAX = 200


def clean_name(typed: str) -> str:
    """A typed name as it is stored: control characters dropped, spacing collapsed."""
    return " ".join(clean_text(typed).split())


def _keys(name: str) -> set[str]:
    """The ``name_key`` values a look-alike may have: as typed, and with the words in the other
    order (Kon Satoshi, Satoshi Kon: family name first or last)."""
    key = name_key(name)
    return {key, " ".join(reversed(key.split()))}


def _candidates(names: Iterable[str]) -> list[Person]:
    """Everyone whose name looks like one of ``names`` or whose slug is one of them: one query."""
    names = [n for n in names if n]
    if not names:
        return []
    keys = set().union(*(_keys(n) for n in names))
    slugs = {n.lower() for n in names}
    return list(db.session.scalars(select(Person).where(or_(Person.name_key.in_(keys), Person.slug.in_(slugs)))))


def _match(name: str, people: list[Person]) -> Person | None:
    """The person ``name`` means among ``people``: by slug first, then by the same name."""
    by_slug = [p for p in people if p.slug == name.lower()]
    by_name = [p for p in people if same_name(p.name) == same_name(name)]
    matches = by_slug or by_name
    if len(matches) > 1:
        slugs = ", ".join(p.slug for p in matches)
        raise DomainError(
            f"More than one person is called {name}; write the one you mean by their slug ({slugs}).",
            field="credits",
        )
    return matches[0] if matches else None


def resolve_people(names: Iterable[str]) -> dict[str, Person | None]:
    """Each typed name (cleaned with ``clean_name``) → its person, or None for someone new; one
    query. Raises ``DomainError`` for a name too long to store or one that fits two people."""
    wanted = {clean_name(n) for n in names} - {""}
    for name in wanted:
        if len(name) > NAME_MAX:
            raise DomainError(f"Keep a person's name under {NAME_MAX} characters ({name[:40]}…).", field="credits")
    rows = _candidates(wanted)
    return {name: _match(name, rows) for name in sorted(wanted)}


def add_new_people(snap: dict[str, Any]) -> tuple[dict[str, Any], list[Person]]:
    """``snap`` (a work's snapshot) with every credit's person in the database, and who was added.

    Credits with no ``person_id`` are looked up again (someone may have added the person since
    the correction was proposed) and the rest are created, one person per name however many
    lines name them: a constant number of queries. ``snap`` itself is not changed.
    """
    credits: list[dict[str, Any]] = snap.get("credits") or []
    new_names = [c["person"] for c in credits if c.get("person_id") is None]
    if not new_names:
        return snap, []
    found = resolve_people(new_names)
    by_name: dict[str, Person] = {same_name(n): p for n, p in found.items() if p is not None}
    to_add: dict[str, str] = {}
    for name, person in found.items():
        if person is None:
            to_add.setdefault(same_name(name), name)
    created: list[Person] = []
    if to_add:
        bases = {key: make_slug(name) for key, name in to_add.items()}
        taken = set(
            db.session.scalars(select(Person.slug).where(or_(*(Person.slug.like(f"{b}%") for b in bases.values()))))
        )
        for key, name in to_add.items():
            slug = first_free_slug(bases[key], taken)
            taken.add(slug)
            person = Person(name=name, slug=slug)
            db.session.add(person)
            created.append(person)
            by_name[key] = person
        db.session.flush()
    resolved = []
    for credit in credits:
        if credit.get("person_id") is None:
            person = by_name[same_name(clean_name(credit["person"]))]
            credit = {**credit, "person_id": person.id, "person": person.name}
        resolved.append(credit)
    return {**snap, "credits": resolved}, created


@dataclass(frozen=True)
class NewPerson:
    """A name a correction would add to the people list, as staff review it."""

    name: str
    #: Someone with this very name added since the correction was proposed: approving uses them.
    existing: Person | None = None
    #: People whose name looks alike (other case, accents or word order): maybe the one meant.
    similar: list[Person] = field(default_factory=list)


def new_people(credits: list[dict[str, Any]]) -> list[NewPerson]:
    """The people a correction's credits would add, each with look-alikes already known: one query."""
    first_spelling: dict[str, str] = {}
    for credit in credits:
        if credit.get("person_id") is None:
            first_spelling.setdefault(same_name(credit["person"]), credit["person"])
    names = list(first_spelling.values())
    if not names:
        return []
    rows = _candidates(names)
    result = []
    for name in names:
        exact = [p for p in rows if same_name(p.name) == same_name(name) or p.slug == name.lower()]
        existing = exact[0] if len(exact) == 1 else None  # two namesakes: approving asks for a slug
        alike = [p for p in rows if p is not existing and (p in exact or name_key(p.name) in _keys(name))]
        result.append(NewPerson(name, existing, sorted(alike, key=lambda p: (p.name, p.id))))
    return result

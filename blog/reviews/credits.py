"""Credits as people type them, and as the pages group them: the cast by character, the crew by role.

One credit a line, in order::

    person | role
    person | role | a note
    person | role | as Character
    person | role | as Character | a note

The third column names the character played or voiced when it starts with "as " (any case);
otherwise it is the note, as it always was, so every line written before characters existed
reads the same. A stored note that itself starts with "as " is written back with an empty
character column (``person | role | | as a favour``) so saving the form never turns it into a
character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from blog.models.works import Credit, WorkKind, same_name

#: Roles that play or voice someone: their credits make "Characters & Voice Actors" even before
#: the character is named. Compared lower-cased; "Voice Actor (English dub)" counts too.
CAST_ROLES = frozenset({"cast", "actor", "actress", "voice", "voice actor", "voice actress", "seiyuu", "narrator"})

#: Kinds of work whose page asks for characters when none are listed yet (not books or albums).
CAST_KINDS = frozenset(
    {WorkKind.FILM, WorkKind.SHORT, WorkKind.SEGMENT, WorkKind.SERIES, WorkKind.SEASON, WorkKind.EPISODE, WorkKind.GAME}
)

_CHARACTER = re.compile(r"as\s+(\S.*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class CreditLine:
    """One typed credit line, split into its columns (nothing looked up yet)."""

    person: str
    role: str
    character: str = ""
    note: str = ""


def parse_credit_line(line: str) -> CreditLine:
    """``Tsutomu | Voice Actor | as Heintz | note`` → its columns; raises ``ValueError`` without a
    person or a role (``forms.parse_credits`` adds the line number)."""
    person, _, rest = line.partition("|")
    role, _, rest = rest.partition("|")
    person, role, rest = person.strip(), role.strip(), rest.strip()
    if not person or not role:
        raise ValueError("write the person, then the role, like “Satoshi Kon | Writer”.")
    first, bar, after = rest.partition("|")
    named = _CHARACTER.fullmatch(first.strip())
    if named:
        return CreditLine(person, role, named.group(1).strip(), after.strip())
    if bar and not first.strip():
        return CreditLine(person, role, "", after.strip())  # an empty character column, then the note
    return CreditLine(person, role, "", rest)


def format_credit_line(person: str, role: str, character: str = "", note: str = "") -> str:
    """The line ``parse_credit_line`` reads back as the same four values (forms prefill with it)."""
    if character:
        return " | ".join([person, role, f"as {character}", *([note] if note else [])])
    if not note:
        return f"{person} | {role}"
    if _CHARACTER.fullmatch(note) or note.startswith("|"):
        return f"{person} | {role} | | {note}"
    return f"{person} | {role} | {note}"


def credit_text(credit: dict[str, Any]) -> str:
    """A stored credit (a snapshot's) as one line of a diff: ``Person — Role — as Character — note``.
    A person a correction would add is marked "(new person)", for staff to check the spelling."""
    person = credit["person"] + (" (new person)" if credit.get("person_id") is None else "")
    character = credit.get("character") or ""
    parts = (person, credit["role"], f"as {character}" if character else "", credit.get("note") or "")
    return " — ".join(part for part in parts if part)


def is_cast_role(role: str) -> bool:
    """Whether ``role`` plays or voices someone (Voice Actor, Cast, "Voice Actor (English)")."""
    role = " ".join(role.lower().split())
    return role in CAST_ROLES or any(role.startswith(name + " ") for name in CAST_ROLES)


def is_cast(credit: Credit) -> bool:
    """Credits shown under "Characters & Voice Actors": a character named, or a cast role."""
    return bool(credit.character) or is_cast_role(credit.role)


@dataclass(frozen=True)
class Character:
    """A character and everyone credited with playing or voicing them (an original and a dub)."""

    name: str
    credits: list[Credit]


@dataclass(frozen=True)
class RoleGroup:
    """Everyone with one role ("Director"), in credit order, under the role's first spelling."""

    role: str
    credits: list[Credit]


@dataclass
class CastAndCrew:
    """A work's credits as its page shows them; built from credits already loaded, no query."""

    characters: list[Character] = field(default_factory=list)
    #: Cast credits with no character named yet.
    unnamed: list[Credit] = field(default_factory=list)
    crew: list[RoleGroup] = field(default_factory=list)
    #: Whether the page shows the characters section even when empty, to ask readers to fill it.
    asks_for_cast: bool = False

    @property
    def has_cast(self) -> bool:
        return bool(self.characters or self.unnamed)

    @property
    def cast_title(self) -> str:
        """The seed's "Characters & Voice Actors", or "Characters & Cast" for a live-action cast."""
        cast = [c for ch in self.characters for c in ch.credits] + self.unnamed
        if cast and not any("voice" in c.role.lower() or "seiyuu" in c.role.lower() for c in cast):
            return "Characters & Cast"
        return "Characters & Voice Actors"


def cast_and_crew(credits: Iterable[Credit], kind: WorkKind | str | None = None) -> CastAndCrew:
    """Split credits into characters (in order of first mention) and crew grouped by role, so three
    "Director" lines far apart in the credits show as one "Director" entry. ``kind`` (the work's)
    says whether an empty cast is worth asking readers for."""
    result = CastAndCrew(asks_for_cast=kind is not None and WorkKind(kind) in CAST_KINDS)
    characters: dict[str, Character] = {}
    roles: dict[str, RoleGroup] = {}
    for credit in credits:
        if credit.character:
            key = same_name(credit.character)
            if key not in characters:
                characters[key] = Character(credit.character, [])
                result.characters.append(characters[key])
            characters[key].credits.append(credit)
        elif is_cast_role(credit.role):
            result.unnamed.append(credit)
        else:
            key = same_name(credit.role)
            if key not in roles:
                roles[key] = RoleGroup(credit.role, [])
                result.crew.append(roles[key])
            roles[key].credits.append(credit)
    return result

"""Writing works, people, credits and reviews.

Every change to a work's information goes through ``snapshot``/``apply_snapshot`` and leaves a
numbered ``WorkRevision``, whether staff typed it, a reader's correction was approved, or an old
version was restored; so the history is complete and any version can come back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from blog.auth.permissions import can_edit_post, can_publish
from blog.errors import DomainError
from blog.extensions import db
from blog.media.uploads import library_key
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.posts import Post
from blog.models.works import (
    Credit,
    ExternalLink,
    Person,
    ReleaseDate,
    Review,
    TermKind,
    Work,
    WorkAlias,
    WorkKind,
    WorkRevision,
    WorkTerm,
    derived_sort_name,
)
from blog.posts.editing import SLUG_MAX, first_free_slug, make_slug
from blog.rendering import clean_text
from blog.reviews.people import add_new_people, clean_name, resolve_people

#: The editable fields of a work, in the order forms and diffs show them, with their labels.
FIELDS: dict[str, str] = {
    "title": "Name",
    "original_title": "Original name",
    "original_language": "Language of the original name",
    "kind": "Kind",
    "aliases": "Aliases",
    "release_dates": "Release dates",
    "runtime_minutes": "Runtime (minutes)",
    "content_rating": "Age rating",
    "genres": "Genres",
    "themes": "Themes",
    "synopsis": "Synopsis",
    "poster_url": "Poster image",
    "links": "External links",
    "credits": "Credits",
}


#: A BCP 47 language tag as people write them: ``ja``, ``zh-Hant``, ``pt-BR``.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")


def normalize_language(tag: str) -> str:
    """``JA`` → ``ja``, ``zh-hant`` → ``zh-Hant``, ``pt-br`` → ``pt-BR``; "" stays "". Raises
    ``DomainError`` for anything that is not a language tag."""
    tag = clean_text(tag or "").strip().replace("_", "-")
    if not tag:
        return ""
    if not _LANGUAGE_TAG.fullmatch(tag):
        raise DomainError(
            "Write a language tag, like ja (Japanese), ko (Korean) or zh-Hant.", field="original_language"
        )
    primary, *rest = tag.split("-")
    subtags = [part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part.lower() for part in rest]
    return "-".join([primary.lower(), *subtags])


#: Fields added after revisions and corrections were first stored, with what their absence from
#: an older snapshot stands for.
ADDED_FIELDS: dict[str, Any] = {"original_language": ""}


def field_value(snapshot: dict[str, Any], name: str) -> Any:
    """A field of a stored snapshot, reading a field added later as its empty value in older ones
    (credits stored before characters existed have none: "")."""
    value = snapshot.get(name, ADDED_FIELDS.get(name))
    if name == "credits" and value:
        return [credit if "character" in credit else {**credit, "character": ""} for credit in value]
    return value


def score_scale() -> int:
    """The scale scores are shown on now (``REVIEW_SCORE_SCALE``: 5, 10 or 100)."""
    return int(current_app.config["REVIEW_SCORE_SCALE"])


def can_manage_works(user: Any) -> bool:
    """Authors, editors and admins add works and people and edit them directly."""
    return can_publish(user)


# --------------------------------------------------------------------------- input


@dataclass
class CreditInput:
    """One credit line as typed: the person by name (or slug), the role, an optional note, and the
    character played or voiced ("" for crew). A name nobody has is a new person (see ``people``)."""

    person: str
    role: str
    note: str = ""
    character: str = ""


@dataclass
class WorkInput:
    """What a person typed into a work form, parsed into Python values (see ``reviews.forms``)."""

    title: str
    original_title: str = ""
    original_language: str = ""
    kind: WorkKind | str = WorkKind.FILM
    aliases: list[str] = field(default_factory=list)
    release_dates: list[tuple[str, date]] = field(default_factory=list)
    runtime_minutes: int | None = None
    content_rating: str = ""
    genres: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    synopsis: str = ""
    poster_url: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    credits: list[CreditInput] = field(default_factory=list)


def _line(text: str, limit: int) -> str:
    return " ".join(clean_text(text).split())[:limit]


def _check_url(url: str, field_name: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise DomainError(f"“{url}” is not a web address; it should start with https://.", field=field_name)


def _validate(data: WorkInput) -> None:
    if not data.title.strip():
        raise DomainError("Give the work a name.", field="title")
    if len(data.title) > 300:
        raise DomainError("Keep the name under 300 characters.", field="title")
    try:
        data.kind = WorkKind(data.kind)
    except ValueError:
        raise DomainError("Choose what kind of work this is.", field="kind") from None
    if data.runtime_minutes is not None and not (0 < data.runtime_minutes <= 100_000):
        raise DomainError("The runtime is a whole number of minutes above zero.", field="runtime_minutes")
    if len(data.synopsis) > 20_000:
        raise DomainError("Keep the synopsis under 20,000 characters.", field="synopsis")
    if data.poster_url and library_key(data.poster_url) is None:
        if data.poster_url.startswith("/"):
            raise DomainError(
                f"“{data.poster_url}” is not in the media library: copy an image's Address from there.",
                field="poster_url",
            )
        _check_url(data.poster_url, "poster_url")
    for _label, url in data.links:
        _check_url(url, "links")
    for credit in data.credits:
        if not credit.role.strip():
            raise DomainError(f"Give {credit.person}'s credit a role (Director, Writer, Music...).", field="credits")


def input_to_snapshot(data: WorkInput) -> dict[str, Any]:
    """Validate ``data`` and turn it into the stored snapshot form (what revisions hold)."""
    data.title = _line(data.title, 300)
    data.original_title = _line(data.original_title, 300)
    data.original_language = normalize_language(data.original_language)
    data.content_rating = _line(data.content_rating, 40)
    data.synopsis = clean_text(data.synopsis).strip()
    data.poster_url = data.poster_url.strip()
    _validate(data)
    people = resolve_people(c.person for c in data.credits)
    aliases: list[str] = []
    for alias in data.aliases:
        alias = _line(alias, 300)
        if alias and alias not in aliases and alias != data.title:
            aliases.append(alias)
    dates = sorted({(d, _line(region, 80)) for region, d in data.release_dates}, key=lambda pair: (pair[0], pair[1]))
    return {
        "title": data.title,
        "original_title": data.original_title,
        "original_language": data.original_language,
        "kind": WorkKind(data.kind).value,
        "aliases": aliases,
        "release_dates": [{"region": region, "date": d.isoformat()} for d, region in dates],
        "runtime_minutes": data.runtime_minutes,
        "content_rating": data.content_rating,
        "genres": _terms(data.genres),
        "themes": _terms(data.themes),
        "synopsis": data.synopsis,
        "poster_url": data.poster_url,
        "links": [
            {"label": _line(label, 120) or urlsplit(url).netloc, "url": url.strip()} for label, url in data.links
        ],
        "credits": [_credit_snapshot(c, people[clean_name(c.person)]) for c in data.credits],
    }


def _credit_snapshot(credit: CreditInput, person: Person | None) -> dict[str, Any]:
    """A typed credit as a snapshot stores it; ``person_id`` None is someone to add (``people``)."""
    return {
        "person_id": person.id if person else None,
        "person": person.name if person else clean_name(credit.person),
        "role": _line(credit.role, 120),
        "character": _line(credit.character, 200),
        "note": _line(credit.note, 1000),
    }


def _terms(names: list[str]) -> list[str]:
    """Typed genres or themes, one per slug, in ``term_order``: the order a snapshot of the stored
    work has, so typing "Thriller, Anime" never reads as a change from "Anime, Thriller"."""
    seen: dict[str, str] = {}
    for raw in names:
        name = _line(raw, 80)
        if name:
            seen.setdefault(make_slug(name), name)
    return term_order(seen.values())


def term_order(names: Iterable[str]) -> list[str]:
    """Genres and themes in one order whatever the database's collation: by name, ignoring case."""
    return sorted(names, key=lambda name: (name.casefold(), name))


#: Fields that hold a set (genres, themes): stored sorted, compared without order or case.
TERM_FIELDS = frozenset({"genres", "themes"})


def _comparable(name: str, value: Any) -> Any:
    """What a field's value means, for comparing versions: terms are the set of their slugs (the
    stored identity), so order and capitals typed in another version are no change."""
    if name in TERM_FIELDS:
        return frozenset(make_slug(str(term)) for term in value or [])
    return value


def fields_changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The names of the fields that differ between two snapshots, in form order.

    Every "did anything change?" question (history diffs, corrections, staff saves) asks this, so
    a version is never shown or stored for a change nobody made. Keys starting with "_" are
    bookkeeping kept beside a snapshot (``decisions.APPLIED_KEY``), never a field."""
    extra = {name for name in old.keys() | new.keys() if not name.startswith("_")} - FIELDS.keys()
    names = [*FIELDS, *sorted(extra)]
    return [
        name for name in names if _comparable(name, field_value(old, name)) != _comparable(name, field_value(new, name))
    ]


def snapshot_of(work: Work) -> dict[str, Any]:
    """Every editable field of ``work`` as plain JSON data; revisions and corrections store these."""
    return {
        "title": work.title,
        "original_title": work.original_title,
        "original_language": work.original_language,
        "kind": WorkKind(work.kind).value,
        "aliases": [a.name for a in work.aliases],
        "release_dates": [{"region": r.region, "date": r.released_on.isoformat()} for r in work.release_dates],
        "runtime_minutes": work.runtime_minutes,
        "content_rating": work.content_rating,
        "genres": term_order(t.name for t in work.genres),
        "themes": term_order(t.name for t in work.themes),
        "synopsis": work.synopsis,
        "poster_url": work.poster_url,
        "links": [{"label": link.label, "url": link.url} for link in work.links],
        "credits": [
            {
                "person_id": c.person_id,
                "person": c.person.name,
                "role": c.role,
                "character": c.character,
                "note": c.note,
            }
            for c in work.credits
        ],
    }


def snapshot_to_input(snap: dict[str, Any]) -> WorkInput:
    """The reverse of ``input_to_snapshot``: prefill a form from a stored version."""
    return WorkInput(
        title=snap.get("title", ""),
        original_title=snap.get("original_title", ""),
        original_language=field_value(snap, "original_language"),
        kind=snap.get("kind", WorkKind.FILM.value),
        aliases=list(snap.get("aliases", [])),
        release_dates=[(r["region"], date.fromisoformat(r["date"])) for r in snap.get("release_dates", [])],
        runtime_minutes=snap.get("runtime_minutes"),
        content_rating=snap.get("content_rating", ""),
        genres=list(snap.get("genres", [])),
        themes=list(snap.get("themes", [])),
        synopsis=snap.get("synopsis", ""),
        poster_url=snap.get("poster_url", ""),
        links=[(link["label"], link["url"]) for link in snap.get("links", [])],
        credits=[
            CreditInput(c["person"], c["role"], c.get("note", ""), c.get("character", ""))
            for c in snap.get("credits", [])
        ],
    )


def _get_or_create_terms(kind: TermKind, names: list[str]) -> list[WorkTerm]:
    wanted = {make_slug(n): n for n in names}
    if not wanted:
        return []
    existing = {
        t.slug: t for t in db.session.scalars(select(WorkTerm).where(WorkTerm.kind == kind, WorkTerm.slug.in_(wanted)))
    }
    terms = []
    for slug, name in wanted.items():
        term = existing.get(slug)
        if term is None:
            term = WorkTerm(kind=kind, name=name, slug=slug)
            db.session.add(term)
        terms.append(term)
    return terms


def apply_snapshot(work: Work, snap: dict[str, Any]) -> None:
    """Make ``work`` hold exactly what ``snap`` says (credits' people must still exist)."""
    person_ids = {c["person_id"] for c in snap["credits"]}
    people = (
        {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))} if person_ids else {}
    )
    missing = [c["person"] for c in snap["credits"] if c["person_id"] not in people]
    if missing:
        raise DomainError(f"{', '.join(missing)} no longer exist(s) in the people list.", field="credits")
    with db.session.no_autoflush:
        work.title = snap["title"]
        work.original_title = snap["original_title"]
        work.original_language = field_value(snap, "original_language")
        work.kind = WorkKind(snap["kind"])
        work.aliases = [WorkAlias(name=name, position=i) for i, name in enumerate(snap["aliases"], 1)]
        work.release_dates = [
            ReleaseDate(region=r["region"], released_on=date.fromisoformat(r["date"])) for r in snap["release_dates"]
        ]
        work.year = min((r.released_on.year for r in work.release_dates), default=None)
        work.runtime_minutes = snap["runtime_minutes"]
        work.content_rating = snap["content_rating"]
        work.synopsis = snap["synopsis"]
        work.poster_url = snap["poster_url"]
        work.links = [ExternalLink(label=x["label"], url=x["url"], position=i) for i, x in enumerate(snap["links"], 1)]
        work.terms = _get_or_create_terms(TermKind.GENRE, snap["genres"]) + _get_or_create_terms(
            TermKind.THEME, snap["themes"]
        )
        work.credits = [
            Credit(
                person=people[c["person_id"]],
                role=c["role"],
                character=c.get("character", ""),
                note=c["note"],
                position=i,
            )
            for i, c in enumerate(snap["credits"], 1)
        ]
        work.updated_at = utcnow()


def record_revision(
    work: Work,
    snap: dict[str, Any],
    *,
    author: User | None,
    approved_by: User | None,
    summary: str,
    correction_id: int | None = None,
) -> WorkRevision:
    work.version = (work.version or 0) + 1
    revision = WorkRevision(
        work_id=work.id,
        number=work.version,
        snapshot=snap,
        summary=summary[:300],
        author_id=author.id if author else None,
        approved_by_id=approved_by.id if approved_by else None,
        correction_id=correction_id,
    )
    db.session.add(revision)
    return revision


def unique_work_slug(base: str, exclude_id: int | None = None) -> str:
    return _unique_slug(Work, base, exclude_id)


def _unique_slug(model: type[Work] | type[Person], base: str, exclude_id: int | None) -> str:
    base = base[:SLUG_MAX].strip("-") or "work"
    query = select(model.slug).where(model.slug.like(f"{base}%"))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return first_free_slug(base, set(db.session.scalars(query)))


def _check_parent(work: Work | None, parent: Work | None) -> None:
    if parent is None or work is None:
        return
    node: Work | None = parent
    while node is not None:
        if node.id == work.id:
            raise DomainError("A work cannot be a part of itself or of one of its own parts.", field="parent_id")
        node = node.parent


def save_work(
    user: User,
    data: WorkInput,
    work: Work | None = None,
    *,
    parent: Work | None = None,
    position: int = 0,
    slug: str = "",
    summary: str = "",
    added: list[Person] | None = None,
) -> Work:
    """Create or edit a work directly (staff); records a revision. Nothing is written on DomainError.

    A credit naming someone not in the database adds them to the people list: staff typed it, so
    it needs no approval. ``added``, when given, receives those people, for the page to name them."""
    if not can_manage_works(user):
        raise DomainError("You cannot edit works.", status=403)
    snap = input_to_snapshot(data)
    _check_parent(work, parent)
    if position < 0:
        raise DomainError("The position is a whole number from 0.", field="position")
    snap, created = add_new_people(snap)
    if added is not None:
        added.extend(created)
    creating = work is None
    if work is None:
        work = Work(title=snap["title"], slug="")
        db.session.add(work)
    wanted = make_slug(slug.strip() or snap["title"])
    if creating or (slug.strip() and wanted != work.slug):
        work.slug = unique_work_slug(wanted, exclude_id=work.id)
    work.parent = parent
    work.position = position
    if not creating and not fields_changed(snapshot_of(work), snap):
        db.session.flush()
        return work  # structure (slug, parent) may change; no new version of the information
    apply_snapshot(work, snap)
    db.session.flush()
    record_revision(
        work, snap, author=user, approved_by=user, summary=summary or ("Created" if creating else "Edited by staff")
    )
    db.session.flush()
    return work


def restore_revision(user: User, work: Work, revision: WorkRevision) -> WorkRevision:
    """Bring back an old version as a new revision; the versions in between stay in the history."""
    from blog.auth.permissions import can_moderate

    if not can_moderate(user):
        raise DomainError("Only editors and admins restore old versions.", status=403)
    if revision.work_id != work.id:
        raise DomainError("That version belongs to another work.", status=404)
    apply_snapshot(work, revision.snapshot)
    db.session.flush()
    new = record_revision(
        work, dict(revision.snapshot), author=user, approved_by=user, summary=f"Restored version {revision.number}"
    )
    db.session.flush()
    return new


def work_kept_because(work: Work) -> str:
    """Why ``work`` cannot be deleted now (posts review it, it has parts), or "" when it can."""
    if db.session.scalar(select(func.count()).select_from(Review).where(Review.work_id == work.id)):
        return "Posts review this work; detach the reviews before deleting it."
    if work.parts:
        return "This work has parts; delete or move them first."
    return ""


def delete_work(user: User, work: Work) -> None:
    if not can_manage_works(user):
        raise DomainError("You cannot delete works.", status=403)
    reason = work_kept_because(work)
    if reason:
        raise DomainError(reason)
    db.session.delete(work)
    db.session.flush()


# --------------------------------------------------------------------------- people


@dataclass
class PersonInput:
    name: str
    original_name: str = ""
    note: str = ""
    slug: str = ""
    #: "Kon, Satoshi"; "" for the one derived from the name (``derived_sort_name``).
    sort_name: str = ""


def typed_sort_name(person: Person | None) -> str:
    """The sort name staff typed for ``person``, or "" when it is the one derived from the name:
    the form shows it empty, so a name changed later takes its own derived sort name along."""
    if person is None or person.sort_name == derived_sort_name(person.name):
        return ""
    return person.sort_name


def _sort_name(typed: str) -> str:
    """A typed sort name as stored; raises ``DomainError`` for one with an empty part around a
    comma (", Satoshi", "Kon,"), which would sort the person under nothing or lose a name."""
    sort_name = _line(typed, 201)
    if len(sort_name) > 200:
        raise DomainError("Keep the sorted-as name under 200 characters.", field="sort_name")
    if "," in sort_name and not all(part.strip() for part in sort_name.split(",")):
        raise DomainError("Write the family name, a comma, then the given names, e.g. Kon, Satoshi.", field="sort_name")
    return sort_name


def save_person(user: User, data: PersonInput, person: Person | None = None) -> Person:
    """Create or edit a person. An empty sort name, or the one the old name derived (what the form
    showed back), means "derive it from the name": a typed one is kept until staff clear it."""
    if not can_manage_works(user):
        raise DomainError("You cannot edit people.", status=403)
    name = _line(data.name, 200)
    if not name:
        raise DomainError("Give the person a name.", field="name")
    typed = _sort_name(data.sort_name)
    if typed == derived_sort_name(person.name if person else ""):
        typed = ""
    if person is None:
        person = Person(name=name, slug="")
        db.session.add(person)
    person.name = name
    person.sort_name = typed or derived_sort_name(name)
    person.original_name = _line(data.original_name, 200)
    person.note = _line(data.note, 1000)
    wanted = make_slug(data.slug.strip() or name)
    if not person.slug or (data.slug.strip() and wanted != person.slug):
        person.slug = _unique_slug(Person, wanted, person.id)
    db.session.flush()
    return person


def person_kept_because(person: Person) -> str:
    """Why ``person`` cannot be deleted now (they are credited on works), or "" when they can."""
    if db.session.scalar(select(func.count()).select_from(Credit).where(Credit.person_id == person.id)):
        return f"{person.name} still has credits; remove them from the works first."
    return ""


def delete_person(user: User, person: Person) -> None:
    if not can_manage_works(user):
        raise DomainError("You cannot delete people.", status=403)
    reason = person_kept_because(person)
    if reason:
        raise DomainError(reason)
    db.session.delete(person)
    db.session.flush()


# --------------------------------------------------------------------------- reviews


def check_score(score: float | None, scale: int) -> float | None:
    """A score on ``scale``: 0 to the scale, in halves for 5 and 10, whole numbers for 100."""
    if score is None:
        return None
    if not math.isfinite(score) or not 0 <= score <= scale:
        raise DomainError(f"The score goes from 0 to {scale}.", field="score")
    step = 1.0 if scale == 100 else 0.5
    if abs(score / step - round(score / step)) > 1e-9:
        unit = "a whole number" if scale == 100 else "a whole or half number (like 8 or 8.5)"
        raise DomainError(f"The score is {unit} from 0 to {scale}.", field="score")
    return float(score)


def set_review(
    user: User, post: Post, work: Work, *, score: float | None, verdict: str = "", scale: int | None = None
) -> Review:
    """Make ``post`` a review of ``work`` (or change it): the author's score and one-line verdict.

    Only those who manage works say what a post reviews (the review page and the editor alike)."""
    if not can_manage_works(user):
        raise DomainError("You cannot say what a post reviews.", status=403)
    if not can_edit_post(user, post):
        raise DomainError("You cannot edit this post.", status=403)
    scale = scale or score_scale()
    score = check_score(score, scale)
    verdict = _line(verdict, 300)
    work_id, post_id = work.id, post.id
    review = db.session.scalar(select(Review).where(Review.post_id == post_id))
    if review is None:
        review = Review(post_id=post_id, work_id=work_id)
        db.session.add(review)
    review.work_id = work_id
    review.score = score
    review.scale = scale
    review.verdict = verdict
    review.updated_at = utcnow()
    db.session.flush()
    return review


@dataclass
class ReviewInput:
    """The review details as the post editor sends them: the work's id, a score, a verdict."""

    work_id: int
    score: float | None = None
    verdict: str = ""


def review_post(user: User, post: Post, data: ReviewInput) -> Review:
    """``set_review`` for the post editor's review details, the work named by its id. Raises
    ``DomainError`` (``field`` names the input)."""
    work = db.session.get(Work, data.work_id) if data.work_id else None
    if work is None:
        raise DomainError("Choose the work this post reviews.", field="work_id")
    return set_review(user, post, work, score=data.score, verdict=data.verdict)


def remove_review(user: User, post: Post) -> None:
    if not can_edit_post(user, post):
        raise DomainError("You cannot edit this post.", status=403)
    review = db.session.scalar(select(Review).where(Review.post_id == post.id))
    if review is not None:
        db.session.delete(review)
        db.session.flush()


def on_scale(score: float | None, given_scale: int, scale: int) -> float | None:
    """A score given on one scale, shown on another (8/10 is 4/5), to one decimal."""
    if score is None:
        return None
    if given_scale == scale:
        return float(score)
    return round(score * scale / given_scale, 1)


def format_score(score: float | None) -> str:
    """``9.0`` → ``"9"``, ``4.5`` → ``"4.5"``."""
    if score is None:
        return ""
    return f"{score:.1f}".rstrip("0").rstrip(".")

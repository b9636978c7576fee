"""Works (films, series, books, games and their parts), people, credits, reviews and reader input.

A work may contain parts (Memories holds Magnetic Rose, Stink Bomb and Cannon Fodder), each a work
of its own. A post reviews at most one work with the author's score; readers rate works too, and
propose corrections that staff approve into a numbered revision history.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import UTCDateTime, unaccented, utcnow
from blog.models.posts import Post


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class WorkKind(enum.StrEnum):
    """What a work is; decides its schema.org type and how its page labels it."""

    FILM = "film"
    SHORT = "short"
    SEGMENT = "segment"
    SERIES = "series"
    SEASON = "season"
    EPISODE = "episode"
    BOOK = "book"
    COMIC = "comic"
    GAME = "game"
    ALBUM = "album"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"series": "TV series", "comic": "Comic / manga"}.get(self.value, self.value.capitalize())


class TermKind(enum.StrEnum):
    GENRE = "genre"
    THEME = "theme"


class CorrectionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Work(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "works"
    __table_args__ = (Index("ix_works_parent_position", "parent_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    #: The title in its original script (メモリーズ).
    original_title: Mapped[str] = mapped_column(String(300), default="")
    #: The language of ``original_title`` as a BCP 47 tag (``ja``, ``zh-Hant``), or "": pages mark
    #: the name with ``lang``, so screen readers pronounce it and browsers pick the right glyphs.
    original_language: Mapped[str] = mapped_column(String(35), default="", server_default="")
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[WorkKind] = mapped_column(_enum(WorkKind), default=WorkKind.FILM, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("works.id", ondelete="SET NULL"))
    #: Order among the parent's parts (1, 2, 3...).
    position: Mapped[int] = mapped_column(default=0)
    #: Year of the earliest release date, kept at write time so browsing filters on a column.
    year: Mapped[int | None] = mapped_column(index=True)
    runtime_minutes: Mapped[int | None]
    content_rating: Mapped[str] = mapped_column(String(40), default="")
    synopsis: Mapped[str] = mapped_column(Text, default="")
    poster_url: Mapped[str] = mapped_column(String(500), default="")
    #: Number of the current revision (``WorkRevision.number``); 0 before the first one.
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    parent: Mapped[Work | None] = relationship(remote_side=[id], back_populates="parts")
    parts: Mapped[list[Work]] = relationship(back_populates="parent", order_by="(Work.position, Work.id)")
    aliases: Mapped[list[WorkAlias]] = relationship(
        cascade="all, delete-orphan", order_by="WorkAlias.position", back_populates="work"
    )
    release_dates: Mapped[list[ReleaseDate]] = relationship(
        cascade="all, delete-orphan", order_by="(ReleaseDate.released_on, ReleaseDate.id)", back_populates="work"
    )
    links: Mapped[list[ExternalLink]] = relationship(
        cascade="all, delete-orphan", order_by="ExternalLink.position", back_populates="work"
    )
    credits: Mapped[list[Credit]] = relationship(
        cascade="all, delete-orphan", order_by="(Credit.position, Credit.id)", back_populates="work"
    )
    terms: Mapped[list[WorkTerm]] = relationship(secondary="work_term_links", order_by="WorkTerm.name")

    @property
    def genres(self) -> list[WorkTerm]:
        return [t for t in self.terms if t.kind == TermKind.GENRE]

    @property
    def themes(self) -> list[WorkTerm]:
        return [t for t in self.terms if t.kind == TermKind.THEME]

    def __repr__(self) -> str:
        return f"<Work {self.id} {self.slug!r} {self.kind}>"


class WorkAlias(db.Model):  # type: ignore[name-defined,misc]
    """Another name a work goes by ("Katsuhiro Otomo Presents: Memories")."""

    __tablename__ = "work_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)

    work: Mapped[Work] = relationship(back_populates="aliases")


class ReleaseDate(db.Model):  # type: ignore[name-defined,misc]
    """When a work came out in one region (Japan 1995-12-23, US 2004-02-24)."""

    __tablename__ = "work_release_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(80), default="")
    released_on: Mapped[date] = mapped_column(Date)

    work: Mapped[Work] = relationship(back_populates="release_dates")


class ExternalLink(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "work_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)

    work: Mapped[Work] = relationship(back_populates="links")


class WorkTerm(db.Model):  # type: ignore[name-defined,misc]
    """A genre (Science fiction) or a theme (Memory, War) shared by works."""

    __tablename__ = "work_terms"
    __table_args__ = (UniqueConstraint("kind", "slug", name="uq_work_terms_kind_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TermKind] = mapped_column(_enum(TermKind))
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(100))


class WorkTermLink(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "work_term_links"

    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("work_terms.id", ondelete="CASCADE"), primary_key=True, index=True)


def same_name(name: str) -> str:
    """A name as "the same person" compares it: case and spacing ignored (``satoshi  KON`` is
    Satoshi Kon). Two names equal by this key name one person, so typing it never adds a twin."""
    return " ".join(name.split()).casefold()


def name_key(name: str) -> str:
    """``same_name`` with accents ignored too (Kōji → koji), stored as ``Person.name_key`` so a
    person who may be the one meant is found by an index, never by reading every person.

    Only Latin, Greek and Cyrillic accents (U+0300–U+036F) are dropped: a kana's voicing mark
    changes the sound, not the spelling."""
    return unaccented(unicodedata.normalize("NFKC", same_name(name)))[:200]


def _name_key_default(context: DefaultExecutionContext) -> str:
    """Rows inserted without a key (``flask import`` of an export made before the column) get it."""
    return name_key(str(context.get_current_parameters().get("name") or ""))


def derived_sort_name(name: str) -> str:
    """The sort name of someone staff gave none: the last word is the family name ("Satoshi Kon" →
    "Kon, Satoshi"), as reference databases and catalogues list people; one word stays as it is.
    Particles and family-name-first names are for staff to type: guessing them goes wrong."""
    words = name.split()
    if len(words) < 2:
        return " ".join(words)
    return f"{words[-1]}, {' '.join(words[:-1])}"[:200]


def _sort_name_default(context: DefaultExecutionContext) -> str:
    """Rows inserted without a sort name (an export made before the column) get the derived one."""
    return derived_sort_name(str(context.get_current_parameters().get("name") or ""))


def _sort_key_default(context: DefaultExecutionContext) -> str:
    """As ``_sort_name_default``, for the key (the row's sort name may be a default too)."""
    row = context.get_current_parameters()
    return name_key(str(row.get("sort_name") or derived_sort_name(str(row.get("name") or ""))))


class Person(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: ``name_key(name)``, kept in step by ``_keep_key``: finds "Koji Morimoto" for "kōji morimoto".
    name_key: Mapped[str] = mapped_column(String(200), index=True, default=_name_key_default, server_default="")
    original_name: Mapped[str] = mapped_column(String(200), default="")
    #: How lists alphabetize them, family name first ("Kon, Satoshi"): typed by staff, or else
    #: ``derived_sort_name(name)``, derived again when the name changes (see ``_keep_key``).
    sort_name: Mapped[str] = mapped_column(String(200), default=_sort_name_default, server_default="")
    #: ``name_key(sort_name)``, kept in step by ``_keep_sort_key``: the people lists' order, with
    #: case and accents ignored (Ōtomo sorts among the O's).
    sort_key: Mapped[str] = mapped_column(String(200), default=_sort_key_default, server_default="")
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    #: A short note about the person ("He's the creator of Darker than Black...").
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    credits: Mapped[list[Credit]] = relationship(back_populates="person", passive_deletes=True)

    @validates("name")
    def _keep_key(self, _key: str, value: str) -> str:
        """Keep the name's key, and the sort name when it was derived from the old name (or is not
        set yet): a sort name staff typed stays as they typed it."""
        self.name_key = name_key(value)
        if not self.sort_name or self.sort_name == derived_sort_name(self.name or ""):
            self.sort_name = derived_sort_name(value)
        return value

    @validates("sort_name")
    def _keep_sort_key(self, _key: str, value: str) -> str:
        self.sort_key = name_key(value)
        return value

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.slug!r}>"


class Credit(db.Model):  # type: ignore[name-defined,misc]
    """A person's role on a work, with an optional note, in the order the credits are shown.

    ``character`` is who they play or voice (Heintz Beckner), "" for crew: credits with one make
    the work page's "Characters & Voice Actors".
    """

    __tablename__ = "credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(120))
    character: Mapped[str] = mapped_column(String(200), default="", server_default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    position: Mapped[int] = mapped_column(default=0)

    work: Mapped[Work] = relationship(back_populates="credits")
    person: Mapped[Person] = relationship(back_populates="credits")


class Review(db.Model):  # type: ignore[name-defined,misc]
    """A post reviewing a work: the author's score and a one-line verdict.

    ``scale`` records the scale the score was given on, so changing ``REVIEW_SCORE_SCALE`` later
    converts old scores instead of misreading them.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="RESTRICT"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    scale: Mapped[int] = mapped_column(default=10)
    verdict: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    post: Mapped[Post] = relationship()
    work: Mapped[Work] = relationship()


class ReaderRating(db.Model):  # type: ignore[name-defined,misc]
    """A reader's own score for a work: one per account, or per confirmed email for guests."""

    __tablename__ = "reader_ratings"
    __table_args__ = (
        UniqueConstraint("work_id", "user_id", name="uq_reader_ratings_work_user"),
        UniqueConstraint("work_id", "email", name="uq_reader_ratings_work_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Lower-cased confirmed email of a guest; None for account ratings.
    email: Mapped[str | None] = mapped_column(String(254))
    score: Mapped[float] = mapped_column(Float)
    scale: Mapped[int] = mapped_column(default=10)
    #: Where it was given (the post reviewed, the comment carrying it), when known.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship()


class WorkRevision(db.Model):  # type: ignore[name-defined,misc]
    """One approved version of a work's information and credits, restorable at any time.

    ``snapshot`` holds every editable field (see ``blog.reviews.editing.snapshot_of``).
    ``author`` made the change (a reader whose correction was approved, or staff); ``approved_by``
    let it in.
    """

    __tablename__ = "work_revisions"
    __table_args__ = (UniqueConstraint("work_id", "number", name="uq_work_revisions_work_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("work_corrections.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class Correction(db.Model):  # type: ignore[name-defined,misc]
    """A reader's proposed change to a work, waiting for staff to approve or reject it.

    ``base`` is the work as the reader saw it, ``proposed`` what they want; only the fields they
    changed are applied on approval, so edits made in between are kept.
    """

    __tablename__ = "work_corrections"
    __table_args__ = (Index("ix_work_corrections_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[CorrectionStatus] = mapped_column(_enum(CorrectionStatus), default=CorrectionStatus.PENDING)
    base_version: Mapped[int] = mapped_column(default=0)
    base: Mapped[dict[str, Any]] = mapped_column(JSON)
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Why, and a source ("the US DVD says 2004-02-24").
    reason: Mapped[str] = mapped_column(String(1000), default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    work: Mapped[Work] = relationship()
    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

"""What the reviews pages show, each page's data from one function in a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Select, and_, bindparam, cast, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.posts import Post, PostStatus
from blog.models.works import (
    Correction,
    CorrectionStatus,
    Credit,
    Person,
    Review,
    TermKind,
    Work,
    WorkKind,
    WorkRevision,
    WorkTerm,
    WorkTermLink,
)
from blog.reviews.credits import CastAndCrew, cast_and_crew
from blog.reviews.editing import format_score, on_scale, score_scale
from blog.reviews.facts import WorkFacts, facts_of
from blog.reviews.posters import Poster, poster_of
from blog.reviews.ratings import ReaderStats, reader_stats


@dataclass(frozen=True)
class ReviewSummary:
    """A post's review in a line: what it reviews, the score on the current scale, the verdict."""

    post_id: int
    work_id: int
    work_title: str
    work_slug: str
    work_kind: str
    score: float | None
    scale: int
    verdict: str

    @property
    def score_text(self) -> str:
        """``"9/10"``, or empty when the review has no score."""
        return f"{format_score(self.score)}/{self.scale}" if self.score is not None else ""

    @property
    def score_label(self) -> str:
        return f"Score: {format_score(self.score)} out of {self.scale}" if self.score is not None else ""


def _live(query: Select[Any]) -> Select[Any]:
    return query.where(Post.status == PostStatus.PUBLISHED, Post.published_at <= utcnow())


#: Built once: every list page asks it.
_SCORES_FOR_POSTS = (
    select(Review.post_id, Review.work_id, Review.score, Review.scale, Review.verdict, Work.title, Work.slug, Work.kind)
    .join(Work, Work.id == Review.work_id)
    .where(Review.post_id.in_(bindparam("ids", expanding=True)))
)


def scores_for_posts(post_ids: Iterable[int]) -> dict[int, ReviewSummary]:
    """The review of each post that has one, in one query (for home, archives and post cards)."""
    ids = list(set(post_ids))
    if not ids:
        return {}
    scale = score_scale()
    rows = db.session.execute(_SCORES_FOR_POSTS, {"ids": ids}).all()
    return {
        r.post_id: ReviewSummary(
            post_id=r.post_id,
            work_id=r.work_id,
            work_title=r.title,
            work_slug=r.slug,
            work_kind=WorkKind(r.kind).value,
            score=on_scale(r.score, r.scale, scale),
            scale=scale,
            verdict=r.verdict,
        )
        for r in rows
    }


def _normalised_score() -> Any:
    return cast(Review.score, Float) * score_scale() / Review.scale


def blog_scores(work_ids: Iterable[int]) -> dict[int, tuple[float | None, int]]:
    """The blog's average score and number of scored published reviews per work, one GROUP BY query.

    A work's score is from reviews of that work only (the rule of every page and of the browse
    filter): a review of a part scores the part."""
    ids = list(set(work_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        _live(
            select(Review.work_id, func.avg(_normalised_score()), func.count(Review.score))
            .join(Post, Post.id == Review.post_id)
            .where(Review.work_id.in_(ids))
            .group_by(Review.work_id)
        )
    ).all()
    return {work_id: (round(float(avg), 1) if avg is not None else None, count) for work_id, avg, count in rows}


@dataclass(frozen=True)
class ReviewItem:
    """A published review as lists show it."""

    post: Post
    work: Work
    score: float | None
    scale: int
    verdict: str

    @property
    def score_text(self) -> str:
        return f"{format_score(self.score)}/{self.scale}" if self.score is not None else ""


def _reviews_of(work_ids: list[int]) -> list[ReviewItem]:
    if not work_ids:
        return []
    scale = score_scale()
    rows = db.session.execute(
        _live(
            select(Review, Post, Work)
            .join(Post, Post.id == Review.post_id)
            .join(Work, Work.id == Review.work_id)
            .where(Review.work_id.in_(work_ids))
            .order_by(Post.published_at.desc())
        )
    ).all()
    return [ReviewItem(post, work, on_scale(r.score, r.scale, scale), scale, r.verdict) for r, post, work in rows]


@dataclass(frozen=True)
class Contributor:
    user: User
    edits: int


def top_contributors(work_id: int, limit: int = 5) -> list[Contributor]:
    """ "Top Editors": who has the most approved versions of this work, one query."""
    edits = func.count(WorkRevision.id).label("edits")
    rows = db.session.execute(
        select(User, edits)
        .join(WorkRevision, WorkRevision.author_id == User.id)
        .where(WorkRevision.work_id == work_id)
        .group_by(User.id)
        .order_by(edits.desc(), User.name)
        .limit(limit)
    ).all()
    return [Contributor(user, n) for user, n in rows]


def _work_options() -> Any:
    return (
        selectinload(Work.aliases),
        selectinload(Work.release_dates),
        selectinload(Work.links),
        selectinload(Work.terms),
        selectinload(Work.credits).joinedload(Credit.person),
    )


@dataclass(frozen=True)
class PartScore:
    """The blog's score of one part of a work, shown on the whole's page as the part's, not the whole's."""

    part: Work
    average: float
    reviews: int


@dataclass
class WorkPage:
    work: Work
    parts: list[Work]
    #: Reviews of the work and of its parts, newest first (``item.work`` says which).
    reviews: list[ReviewItem]
    #: The work's own score: the average of the scored reviews of this work, never of its parts.
    blog_average: float | None
    readers: ReaderStats
    part_scores: dict[int, tuple[float | None, int]]
    contributors: list[Contributor]
    pending_corrections: int
    scale: int
    release_dates: list[Any] = field(default_factory=list)
    #: How many scored reviews ``blog_average`` comes from.
    scored_reviews: int = 0
    #: The work's credits as its page groups them: characters with their actors, crew by role.
    cast_and_crew: CastAndCrew = field(default_factory=CastAndCrew)
    #: Release dates, year, age rating, genres and themes, a part's missing ones from its whole.
    facts: WorkFacts = field(default_factory=WorkFacts)
    #: The poster with its size (None without one): the header draws it 224 px wide.
    poster: Poster | None = None

    @property
    def scored_parts(self) -> list[PartScore]:
        """The parts that have a score of their own, in the parts' order."""
        out = []
        for part in self.parts:
            average, count = self.part_scores.get(part.id, (None, 0))
            if average is not None:
                out.append(PartScore(part, average, count))
        return out


#: CSS pixels a poster takes on the work page (the header's 14rem column) and in a post's infobox.
POSTER_WIDTH = 224
INFOBOX_POSTER_WIDTH = 136


def work_page(slug: str) -> WorkPage | None:
    """Everything the work page shows: ~10 queries whatever the number of parts, credits or reviews."""
    whole = joinedload(Work.parent)
    work = db.session.scalar(
        select(Work)
        .where(Work.slug == slug)
        .options(
            *_work_options(),
            whole.selectinload(Work.release_dates),
            whole.selectinload(Work.terms),
            whole.selectinload(Work.credits),
        )
    )
    if work is None:
        return None
    parts = list(
        db.session.scalars(
            select(Work).where(Work.parent_id == work.id).order_by(Work.position, Work.id).options(*_work_options())
        )
    )
    ids = [work.id] + [p.id for p in parts]
    reviews = _reviews_of(ids)
    scores = blog_scores(ids)
    own_average, own_count = scores.pop(work.id, (None, 0))
    pending = db.session.scalar(
        select(func.count())
        .select_from(Correction)
        .where(Correction.work_id == work.id, Correction.status == CorrectionStatus.PENDING)
    )
    facts = facts_of(work)
    return WorkPage(
        work=work,
        parts=parts,
        reviews=reviews,
        blog_average=own_average,
        scored_reviews=own_count,
        readers=reader_stats([work.id])[work.id],
        part_scores=scores,
        contributors=top_contributors(work.id),
        pending_corrections=pending or 0,
        scale=score_scale(),
        release_dates=facts.release_dates,
        cast_and_crew=cast_and_crew(work.credits, work.kind),
        facts=facts,
        poster=poster_of(work.poster_url, POSTER_WIDTH),
    )


@dataclass
class PersonPage:
    person: Person
    #: Credits with no character: what they did (Director, Music, a voice role not yet named).
    credits: list[Credit]
    reviews: list[ReviewItem]
    #: Credits naming the character they played or voiced, in the same order (newest work first).
    characters: list[Credit] = field(default_factory=list)


def person_page(slug: str) -> PersonPage | None:
    """A person, every credit, and every review of a work they are credited on (or of its parts)."""
    person = db.session.scalar(select(Person).where(Person.slug == slug))
    if person is None:
        return None
    whole = aliased(Work)  # a part (a film's segment) is dated by its whole when it has no date
    credits = list(
        db.session.scalars(
            select(Credit)
            .where(Credit.person_id == person.id)
            .join(Work, Work.id == Credit.work_id)
            .outerjoin(whole, whole.id == Work.parent_id)
            .options(joinedload(Credit.work).joinedload(Work.parent))
            .order_by(func.coalesce(Work.year, whole.year).desc().nulls_last(), Work.title, Credit.position)
        )
    )
    credited = {c.work_id for c in credits}
    part_ids = set(db.session.scalars(select(Work.id).where(Work.parent_id.in_(credited)))) if credited else set()
    return PersonPage(
        person=person,
        credits=[c for c in credits if not c.character],
        reviews=_reviews_of(sorted(credited | part_ids)),
        characters=[c for c in credits if c.character],
    )


@dataclass
class BrowseFilters:
    kind: str = ""
    genre: str = ""
    theme: str = ""
    year: int | None = None
    min_score: float | None = None
    sort: str = "title"  # title | year | score
    page: int = 1


@dataclass
class BrowseRow:
    work: Work
    parent_title: str
    parent_slug: str
    year: int | None
    average: float | None
    reviews: int


@dataclass
class BrowsePage:
    rows: list[BrowseRow]
    total: int
    page: int
    pages: int
    filters: BrowseFilters
    kinds: list[tuple[str, str]]
    genres: list[WorkTerm]
    years: list[int]
    scale: int
    themes: list[WorkTerm] = field(default_factory=list)

    @property
    def theme_name(self) -> str:
        """The chosen theme as people wrote it ("Memory", not the slug "memory"), or ""."""
        return next((t.name for t in self.themes if t.slug == self.filters.theme), self.filters.theme)


def browse_works(filters: BrowseFilters, per_page: int = 30) -> BrowsePage | None:
    """Works filtered by kind, genre, theme, year and minimum blog score: 5 queries for any page.

    None when ``filters.page`` is past the last page (the view answers 404, as the posts lists do).
    A work's score is its own reviews' (``blog_scores``), so the list, its filter and the work
    page agree."""
    parent = aliased(Work)
    scores = _live(
        select(
            Review.work_id.label("work_id"),
            func.avg(_normalised_score()).label("average"),
            func.count(Review.id).label("reviews"),
        )
        .join(Post, Post.id == Review.post_id)
        .group_by(Review.work_id)
    ).subquery()
    year = func.coalesce(Work.year, parent.year)
    query = (
        select(Work, parent.title, parent.slug, year, scores.c.average, scores.c.reviews)
        .outerjoin(parent, parent.id == Work.parent_id)
        .outerjoin(scores, scores.c.work_id == Work.id)
    )
    if filters.kind:
        query = query.where(Work.kind == filters.kind)
    for slug, kind in ((filters.genre, TermKind.GENRE), (filters.theme, TermKind.THEME)):
        if slug:
            tagged = (
                select(WorkTermLink.work_id)
                .join(WorkTerm, WorkTerm.id == WorkTermLink.term_id)
                .where(WorkTerm.slug == slug, WorkTerm.kind == kind)
            )
            has_own = (
                select(WorkTermLink.work_id)
                .join(WorkTerm, WorkTerm.id == WorkTermLink.term_id)
                .where(WorkTerm.kind == kind)
            )
            # A part with no genres (themes) of its own shows its whole's (``facts``): it is found by them too.
            query = query.where(or_(Work.id.in_(tagged), and_(Work.parent_id.in_(tagged), Work.id.not_in(has_own))))
    if filters.year:
        query = query.where(year == filters.year)
    if filters.min_score is not None:
        query = query.where(scores.c.average >= filters.min_score)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if filters.sort == "year":
        query = query.order_by(year.desc().nulls_last(), Work.title)
    elif filters.sort == "score":
        query = query.order_by(scores.c.average.desc().nulls_last(), Work.title)
    else:
        query = query.order_by(func.lower(Work.title), Work.id)
    pages = max(1, -(-total // per_page))
    if filters.page > pages:
        return None
    page = max(1, filters.page)
    rows = db.session.execute(
        query.options(selectinload(Work.terms)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    terms = list(db.session.scalars(select(WorkTerm).order_by(WorkTerm.name)))
    years = [
        y
        for y in db.session.scalars(
            select(Work.year).where(Work.year.is_not(None)).distinct().order_by(Work.year.desc())
        )
        if y
    ]
    return BrowsePage(
        rows=[
            BrowseRow(w, ptitle or "", pslug or "", y, round(float(avg), 1) if avg is not None else None, n or 0)
            for w, ptitle, pslug, y, avg, n in rows
        ],
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        kinds=_kinds_with_works(filters.kind),
        genres=[t for t in terms if t.kind == TermKind.GENRE],
        themes=[t for t in terms if t.kind == TermKind.THEME],
        years=years,
        scale=score_scale(),
    )


def _kinds_with_works(chosen: str | None) -> list[tuple[str, str]]:
    """The kinds the filter offers: those some work is (eleven kinds, most of them empty on a
    given site, made a long list of dead ends), and the one chosen even if none is."""
    present = set(db.session.scalars(select(Work.kind).distinct()))
    return [(k.value, k.label) for k in WorkKind if k in present or k.value == chosen]


@dataclass(frozen=True)
class PeopleLetter:
    """The people whose sort name starts with ``letter`` ("#" for anything but A to Z)."""

    letter: str
    people: list[tuple[Person, int]]


def people_by_letter() -> list[PeopleLetter]:
    """``people_index`` in groups by the first letter of the family name, as reference databases
    list them (Kon and Kanno under K), for the People page's headings and its jump list."""
    groups: dict[str, list[tuple[Person, int]]] = {}
    for person, credits in people_index():
        initial = (person.sort_key or person.name_key)[:1].upper()
        groups.setdefault(initial if "A" <= initial <= "Z" else "#", []).append((person, credits))
    ordered = sorted(groups.items(), key=lambda group: (group[0] == "#", group[0]))  # "Other" last
    return [PeopleLetter(letter, people) for letter, people in ordered]


def people_index() -> list[tuple[Person, int]]:
    """Every person with their number of credits, one query; by family name as reference databases
    list people (``Person.sort_key``: Kon, Satoshi before Morimoto, Koji), shown by name."""
    n = func.count(Credit.id)
    query = select(Person, n).outerjoin(Credit, Credit.person_id == Person.id).group_by(Person.id)
    return [(p, c) for p, c in db.session.execute(query.order_by(Person.sort_key, Person.id))]


def work_history(work_id: int) -> list[WorkRevision]:
    return list(
        db.session.scalars(
            select(WorkRevision)
            .where(WorkRevision.work_id == work_id)
            .options(joinedload(WorkRevision.author), joinedload(WorkRevision.approved_by))
            .order_by(WorkRevision.number.desc())
        )
    )


def correction_queue(status: CorrectionStatus = CorrectionStatus.PENDING, limit: int = 100) -> list[Correction]:
    """Corrections waiting for staff (oldest first), or recently decided ones (newest first)."""
    order = Correction.created_at.asc() if status == CorrectionStatus.PENDING else Correction.decided_at.desc()
    return list(
        db.session.scalars(
            select(Correction)
            .where(Correction.status == status)
            .options(joinedload(Correction.work), joinedload(Correction.proposer), joinedload(Correction.reviewer))
            .order_by(order)
            .limit(limit)
        )
    )


def pending_corrections() -> int:
    """Corrections waiting for staff, for the admin menu's badge beside "Corrections".

    One COUNT that reads only the pending entries of ix_work_corrections_status_created, as the
    "Comments" badge does (``blog.admin.nav.pending_comments``)."""
    return int(
        db.session.scalar(select(func.count(Correction.id)).where(Correction.status == CorrectionStatus.PENDING)) or 0
    )


def awaiting_approval(n: int) -> str:
    """The badge's words for a screen reader."""
    return f"{n} correction{'' if n == 1 else 's'} awaiting approval"


def admin_works(search: str = "") -> list[tuple[Work, str, int]]:
    """Works for the admin list with their parent's title and review count, one query."""
    parent = aliased(Work)
    n = func.count(Review.id)
    query = (
        select(Work, parent.title, n)
        .outerjoin(parent, parent.id == Work.parent_id)
        .outerjoin(Review, Review.work_id == Work.id)
        .group_by(Work.id, parent.title)
        .order_by(func.lower(Work.title))
    )
    search = search.replace("\x00", "").strip()  # as the site's search: PostgreSQL refuses NUL
    if search:
        like = f"%{search.lower()}%"
        query = query.where(or_(func.lower(Work.title).like(like), func.lower(Work.original_title).like(like)))
    return [(w, p or "", c) for w, p, c in db.session.execute(query)]


def work_choices() -> list[tuple[int, str]]:
    """Every work as a select option ("Magnetic Rose (part of Memories)"), one query."""
    parent = aliased(Work)
    rows = db.session.execute(
        select(Work.id, Work.title, Work.year, parent.title)
        .outerjoin(parent, parent.id == Work.parent_id)
        .order_by(func.lower(Work.title))
    ).all()
    out = []
    for wid, title, year, ptitle in rows:
        label = title + (f" ({year})" if year else "") + (f" — part of {ptitle}" if ptitle else "")
        out.append((wid, label))
    return out


def admin_reviews(limit: int = 200) -> list[tuple[Post, ReviewSummary | None]]:
    """Recent posts with their review, if any, for the reviews admin page: two queries."""
    posts = list(db.session.scalars(select(Post).order_by(Post.updated_at.desc()).limit(limit)))
    summaries = scores_for_posts(p.id for p in posts)
    return [(p, summaries.get(p.id)) for p in posts]


# --------------------------------------------------------------------------- sitemap


@dataclass(frozen=True)
class SitemapEntry:
    """A public page of the reviews area for the sitemap: its slug and when what it shows last changed."""

    slug: str
    lastmod: datetime | None


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def sitemap_works() -> list[SitemapEntry]:
    """Every work page with its last change: its information, or the newest live review shown on it
    (of the work or of one of its parts). Two queries whatever the number of works."""
    works = db.session.execute(
        select(Work.id, Work.slug, Work.parent_id, Work.updated_at).order_by(func.lower(Work.title), Work.id)
    ).all()
    newest_review = {
        work_id: _latest(published, updated)
        for work_id, published, updated in db.session.execute(
            _live(
                select(Review.work_id, func.max(Post.published_at), func.max(Post.updated_at))
                .join(Post, Post.id == Review.post_id)
                .group_by(Review.work_id)
            )
        )
    }
    parent_of = {work_id: parent_id for work_id, _slug, parent_id, _updated in works}
    shown: dict[int, datetime | None] = {}
    for work_id, when in newest_review.items():  # a part's review shows on the whole's page too
        for target in (work_id, parent_of.get(work_id)):
            if target is not None:
                shown[target] = _latest(shown.get(target), when)
    return [SitemapEntry(slug, _latest(updated, shown.get(work_id))) for work_id, slug, _parent, updated in works]


def sitemap_people() -> list[SitemapEntry]:
    """Every person page with its last change: the person's creation or the newest change to a
    work they are credited on. One query."""
    rows = db.session.execute(
        select(Person.slug, Person.created_at, func.max(Work.updated_at))
        .outerjoin(Credit, Credit.person_id == Person.id)
        .outerjoin(Work, Work.id == Credit.work_id)
        .group_by(Person.id, Person.slug, Person.created_at)
        .order_by(Person.slug)
    ).all()
    return [SitemapEntry(slug, _latest(created, updated)) for slug, created, updated in rows]

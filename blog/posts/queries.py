"""What the reading pages show, each in a constant number of queries.

Every public page gets its data from one function here. Lists eager-load what a post card shows
(author by join, tags and series by ``selectinload``) and defer the big body columns, so a page
of ten or a hundred posts costs the same handful of statements; the home page, the busiest list,
reads its cards as plain rows (``blog.posts.listing``). Functions return ``None`` when
there is nothing public to show; the view turns that into a 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from markupsafe import Markup, escape
from sqlalchemy import JSON, ColumnElement, Integer, Select, and_, bindparam, cast, extract, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import defer, joinedload, load_only, raiseload, selectinload
from sqlalchemy.sql.functions import FunctionElement

from blog.auth.permissions import can_edit_post, is_staff
from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.posts import (
    Category,
    Post,
    PostStatus,
    Series,
    SlugRedirect,
    Tag,
    by_letter,
    post_categories,
    post_tags,
)
from blog.posts import search as fulltext
from blog.posts.search import ACCENTED_FORMS, CJK_CHARS, query_words, ranked_matches, unaccented, word_pieces
from blog.posts.search_names import NameMatches, name_matches
from blog.reviews.ratings import remember_reviewed_work, reviewed_work_column
from blog.timezone import MONTH_NAMES, local_month_bounds, local_timestamp_sql, local_year_bounds

T = TypeVar("T")

#: Page numbers beyond this are refused outright (no site has them; a huge OFFSET is a cheap DoS).
MAX_PAGE = 100_000


def is_live(now: Any) -> ColumnElement[bool]:
    """Published, and its time has come at ``now`` (a value or a bound parameter): what readers see."""
    return and_(Post.status == PostStatus.PUBLISHED, Post.published_at <= now)


def live_posts() -> Select[tuple[Post]]:
    """Posts a reader may see (scheduled ones appear by themselves when their time comes)."""
    return select(Post).where(is_live(utcnow()))


def newest_first(stmt: Select[Any]) -> Select[Any]:
    """The order of every list of posts: newest first, the id breaking ties."""
    return stmt.order_by(Post.published_at.desc(), Post.id.desc())


def _card_options(stmt: Select[tuple[Post]]) -> Select[tuple[Post]]:
    """What a post card needs, loaded up front; the Markdown and HTML bodies are left in the database."""
    return stmt.options(
        defer(Post.body_md, raiseload=True),
        defer(Post.body_html, raiseload=True),
        selectinload(Post.tags),
        selectinload(Post.series),
    )


def plausible_slug(slug: str) -> bool:
    """Could this be a slug at all? NUL bytes (which PostgreSQL refuses in any string) and
    over-long values are answered with "nothing here" before they reach the database."""
    return 0 < len(slug) <= 200 and "\x00" not in slug


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# ----------------------------------------------------------------------------- pagination


def page_number(raw: str | None) -> int | None:
    """The page a ``?page=`` value asks for, or None when it is malformed (the view answers 404)."""
    if raw is None:
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_PAGE else None


@dataclass
class Page(Generic[T]):
    """One page of a list and whether an older page follows.

    No total: counting the rows of a list costs in proportion to the whole archive, so the
    pagination says "Newer / Page N / Older" and knows of a next page from one extra row.
    """

    items: list[T]
    number: int
    per_page: int
    has_next: bool
    #: post id -> ``blog.reviews.queries.ReviewSummary`` for the posts that review a work (cards show the score).
    reviews: dict[int, Any] = field(default_factory=dict)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def prev_num(self) -> int | None:
        return self.number - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.number + 1 if self.has_next else None


def _with_scores(items: list[Any], number: int, per_page: int, has_next: bool) -> Page[Any]:
    from blog.reviews.queries import scores_for_posts  # one query for the whole page's scores

    reviews = scores_for_posts(item.id for item in items)
    return Page(items=items, number=number, per_page=per_page, has_next=has_next, reviews=reviews)


def _page_of(rows: list[Any], number: int, per_page: int) -> Page[Any] | None:
    """Rows read ``per_page`` + 1 at a time (the extra one says an older page exists) as a Page;
    None when ``number`` is past the end (page 1 of an empty list is a Page)."""
    if number > 1 and not rows:
        return None
    return _with_scores(rows[:per_page], number, per_page, has_next=len(rows) > per_page)


def paginate(stmt: Select[tuple[Post]], number: int, per_page: int) -> Page[Post] | None:
    """One statement for the page plus the eager loads (``_page_of``)."""
    return _page_of(
        list(db.session.scalars(stmt.limit(per_page + 1).offset((number - 1) * per_page)).unique()), number, per_page
    )


def _post_list(stmt: Select[tuple[Post]], number: int, per_page: int) -> Page[Post] | None:
    return paginate(_card_options(newest_first(stmt)), number, per_page)


# ----------------------------------------------------------------------------- home and post page


def home_page(number: int, per_page: int) -> Page[Any] | None:
    """Newest live posts first, as cards read from plain rows (``blog.posts.listing``)."""
    from blog.posts.listing import newest_cards

    return _page_of(newest_cards(per_page + 1, (number - 1) * per_page), number, per_page)


@dataclass
class SeriesNav:
    """The series box of a post page: where this post sits among the published parts."""

    series: Series
    parts: list[Post]
    position: int  # index of the current post in ``parts``

    @property
    def current(self) -> Post:
        return self.parts[self.position]

    @property
    def number(self) -> int:
        """The part number the author gave, else its place in the run."""
        return self.current.series_part or self.position + 1

    @property
    def total(self) -> int:
        numbered = [p.series_part for p in self.parts if p.series_part]
        return max([len(self.parts), *numbered])

    @property
    def prev(self) -> Post | None:
        return self.parts[self.position - 1] if self.position > 0 else None

    @property
    def next(self) -> Post | None:
        return self.parts[self.position + 1] if self.position + 1 < len(self.parts) else None


@dataclass
class PostLookup:
    """What the post URL leads to: a post to show, a slug to redirect to, or nothing (404)."""

    post: Post | None = None
    redirect_slug: str | None = None
    is_preview: bool = False
    #: The post's tags and categories, read with it.
    tags: list[Term] = field(default_factory=list)
    categories: list[Term] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Term:
    """A tag or category as a post page links to it."""

    name: str
    slug: str


@dataclass
class PostPage:
    post: Post
    series: SeriesNav | None
    is_preview: bool
    can_edit: bool
    tags: list[Term] = field(default_factory=list)
    categories: list[Term] = field(default_factory=list)


class json_pairs(FunctionElement[Any]):
    """``json_pairs(a, b)``: a JSON array of ``[a, b]`` over an aggregate's rows, NULL for none;
    PostgreSQL's ``json_agg`` and SQLite's ``json_group_array``, read back as a list."""

    type = JSON()
    name = "json_pairs"
    inherit_cache = True


@compiles(json_pairs, "postgresql")
def _json_pairs_postgresql(element: json_pairs, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_pairs, "sqlite")
def _json_pairs_sqlite(element: json_pairs, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


def _terms_column(term: type[Tag] | type[Category], link: Any, label: str) -> Any:
    """A post's tags (or categories; ``link`` is their column of the post's link table) as
    ``[name, slug]`` pairs, a column of the post's own row:
    on PostgreSQL a statement of their own was a round trip on every post page."""
    return (
        select(json_pairs(term.name, term.slug))
        .join(link.table, link == term.id)
        .where(link.table.c.post_id == Post.id)
        .scalar_subquery()
        .label(label)
    )


def terms_of(pairs: list[list[str]] | None) -> list[Term]:
    """Terms from ``_terms_column``, in the order readers look for a name: by letter, not by case."""
    return sorted((Term(name, slug) for name, slug in pairs or ()), key=lambda t: (t.name.casefold(), t.name))


def _part_order(stmt: Select[tuple[Post]]) -> Select[tuple[Post]]:
    # NULL part numbers last, written portably (SQLite and PostgreSQL sort NULLs differently).
    return stmt.order_by(Post.series_part.is_(None), Post.series_part, Post.published_at, Post.id)


#: Built once (the slug is bound): building it cost more than running it. The series loads when a
#: page asks for it (no statement when the post is in none; ``selectinload`` cost a fifth of the
#: lookup even then); the Markdown source and the plain text are for the editor and search. Of the
#: author, the page shows the name: their other eleven columns (email, password hash, bio...) were
#: read on every view, and on PostgreSQL each column costs psycopg a ``Column`` per statement.
#: The work the post reviews comes along: the review box and the comments' scores ask for it, and
#: on PostgreSQL a statement of its own was a round trip (~0.2 ms) on every post page.
_FIND_POST = (
    select(
        Post,
        reviewed_work_column(Post),
        _terms_column(Tag, post_tags.c.tag_id, "tags"),
        _terms_column(Category, post_categories.c.category_id, "categories"),
    )
    .where(Post.slug == bindparam("slug"))
    .options(defer(Post.body_md), defer(Post.body_text), joinedload(Post.author).load_only(User.id, User.name))
)


def find_post(slug: str, viewer: Any) -> PostLookup:
    """Resolve ``/posts/<slug>/`` for ``viewer``: live posts for everyone, drafts for those who may edit them."""
    if not plausible_slug(slug):
        return PostLookup()
    found = db.session.execute(_FIND_POST, {"slug": slug}).first()
    if found is not None:
        post, work_id, tags, categories = found
        remember_reviewed_work(post.id, work_id)
        terms = {"tags": terms_of(tags), "categories": terms_of(categories)}
        if post.is_live:
            return PostLookup(post=post, **terms)
        if is_staff(viewer) and can_edit_post(viewer, post):
            return PostLookup(post=post, is_preview=True, **terms)
        return PostLookup()
    moved = db.session.execute(
        select(Post.slug, Post.status, Post.published_at, Post.author_id)
        .join(SlugRedirect, SlugRedirect.post_id == Post.id)
        .where(SlugRedirect.old_slug == slug)
    ).first()
    if moved is None:
        return PostLookup()
    now = utcnow()
    live = moved.status == PostStatus.PUBLISHED and moved.published_at is not None and moved.published_at <= now
    if live or is_staff(viewer):
        # Staff are sent on even to a draft: the post page then decides whether they may preview it.
        return PostLookup(redirect_slug=moved.slug)
    return PostLookup()


def series_nav(post: Post) -> SeriesNav | None:
    """The series and its published parts in order (plus ``post`` itself when previewed): two
    queries for a post in a series, none for the others."""
    if post.series_id is None:
        return None
    series = db.session.get(Series, post.series_id)
    if series is None:
        return None
    stmt = _part_order(
        live_posts()
        .where(Post.series_id == post.series_id)
        .options(
            load_only(Post.id, Post.title, Post.slug, Post.series_part, Post.published_at, Post.status, raiseload=True),
            raiseload("*"),
        )
    )
    parts = list(db.session.scalars(stmt).unique())
    if all(p.id != post.id for p in parts):
        parts.append(post)
        parts.sort(key=lambda p: (p.series_part is None, p.series_part or 0, p.published_at or utcnow(), p.id))
    position = next(i for i, p in enumerate(parts) if p.id == post.id)
    return SeriesNav(series=series, parts=parts, position=position)


def post_page(lookup: PostLookup, viewer: Any) -> PostPage:
    """Everything the post page shows around the post itself (comments and review box come from their areas)."""
    assert lookup.post is not None
    post = lookup.post
    return PostPage(
        post=post,
        series=series_nav(post),
        is_preview=lookup.is_preview,
        can_edit=is_staff(viewer) and can_edit_post(viewer, post),
        tags=lookup.tags,
        categories=lookup.categories,
    )


# ----------------------------------------------------------------------------- archives


@dataclass
class Archive:
    """A filtered list of posts: what it is (kind, title, the term or author) and one page of it."""

    kind: str  # tag | category | author | yearly | month | series
    title: str
    page: Page[Post]
    subject: Any = None
    description: str = ""
    url_values: dict[str, Any] = field(default_factory=dict)
    #: Only for a series: how many parts are out. It grows with the series, not with the archive;
    #: other archives show no count (one would cost in proportion to the term's posts).
    count: int | None = None


def _term_archive(
    kind: str, model: type[Tag] | type[Category], link: Any, column: Any, slug: str, number: int, per_page: int
) -> Archive | None:
    """The live posts filed under one tag or category, newest first; None when it has none."""
    if not plausible_slug(slug):
        return None
    term = db.session.scalar(select(model).where(model.slug == slug))
    if term is None:
        return None
    # The page walks posts newest first and probes the link table's primary key, stopping after one
    # page: it stays cheap however many posts the term has.
    listed = live_posts().where(select(link.c.post_id).where(link.c.post_id == Post.id, column == term.id).exists())
    page = _post_list(listed, number, per_page)
    if page is None or not page.items:
        return None
    return Archive(
        kind,
        term.name,
        page,
        subject=term,
        description=getattr(term, "description", "") or "",
        url_values={"slug": term.slug},
    )


def tag_archive(slug: str, number: int, per_page: int) -> Archive | None:
    return _term_archive("tag", Tag, post_tags, post_tags.c.tag_id, slug, number, per_page)


def category_archive(slug: str, number: int, per_page: int) -> Archive | None:
    return _term_archive("category", Category, post_categories, post_categories.c.category_id, slug, number, per_page)


def author_archive(user_id: int, number: int, per_page: int) -> Archive | None:
    """Staff who have published something; readers' accounts are never shown here."""
    author = db.session.get(User, user_id)
    if author is None or not author.is_staff:
        return None
    page = _post_list(live_posts().where(Post.author_id == author.id), number, per_page)
    if page is None or not page.items:
        return None
    return Archive(
        "author", author.name, page, subject=author, description=author.bio, url_values={"user_id": author.id}
    )


def month_bounds(year: int, month: int) -> tuple[datetime, datetime] | None:
    """Where a month of the site's calendar (``SITE_TIMEZONE``) starts and the next one starts, as
    UTC instants, or None for a month that does not exist: the archive filters on this range, which
    the index on ``published_at`` answers."""
    return local_month_bounds(year, month)


def month_archive(year: int, month: int, number: int, per_page: int) -> Archive | None:
    """A month's live posts, newest first (``/2026/1/``): the month as the site's readers live it,
    so a Tokyo site's post of 2026-01-01 01:00 (2025-12-31 16:00 UTC) is in January 2026."""
    bounds = month_bounds(year, month)
    if bounds is None:
        return None
    start, end = bounds
    page = _post_list(live_posts().where(Post.published_at >= start, Post.published_at < end), number, per_page)
    if page is None or not page.items:
        return None
    title = f"{MONTH_NAMES[month - 1]} {year}"
    return Archive("month", title, page, subject=start, url_values={"year": year, "month": month})


def year_archive(year: int, number: int, per_page: int) -> Archive | None:
    """A year's live posts, newest first (``/2026/``, as WordPress answers it), in the site's calendar."""
    bounds = local_year_bounds(year)
    if bounds is None:
        return None
    start, end = bounds
    page = _post_list(live_posts().where(Post.published_at >= start, Post.published_at < end), number, per_page)
    if page is None or not page.items:
        return None
    return Archive("yearly", str(year), page, subject=start, url_values={"year": year})


def series_archive(slug: str, number: int, per_page: int) -> Archive | None:
    """A series page lists its published parts in reading order, not newest first."""
    if not plausible_slug(slug):
        return None
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None:
        return None
    parts = live_posts().where(Post.series_id == series.id)
    page = paginate(_card_options(_part_order(parts)), number, per_page)
    if page is None or not page.items:
        return None
    count = db.session.scalar(parts.with_only_columns(func.count()).order_by(None)) or 0
    return Archive(
        "series",
        series.title,
        page,
        subject=series,
        description=series.description,
        url_values={"slug": series.slug},
        count=count,
    )


@dataclass
class MonthCount:
    """A month of the site's calendar with live posts, and how many."""

    year: int
    month: int
    count: int

    @property
    def name(self) -> str:
        return MONTH_NAMES[self.month - 1]


@dataclass
class TermCount:
    name: str
    slug: str
    count: int
    last_published: datetime | None = None


@dataclass
class ArchivesIndex:
    months: list[MonthCount]
    tags: list[TermCount]
    categories: list[TermCount]
    series: list[TermCount]

    @property
    def years(self) -> list[tuple[int, list[MonthCount]]]:
        """Months grouped by year, newest year first, for the archives page."""
        grouped: dict[int, list[MonthCount]] = {}
        for m in self.months:
            grouped.setdefault(m.year, []).append(m)
        return list(grouped.items())


def archive_months() -> list[MonthCount]:
    """Live posts per month, newest first, in one GROUP BY that means the same on SQLite and PostgreSQL.

    Months are the site's (``SITE_TIMEZONE``), the same as ``month_archive``'s: the timestamp is
    put on the site's wall clock before extracting (``local_timestamp_sql``; on PostgreSQL that also
    keeps the session's own time zone setting from moving a post into a neighbouring month).
    """
    when = local_timestamp_sql(Post.published_at, _dialect())
    year = cast(extract("year", when), Integer).label("year")
    month = cast(extract("month", when), Integer).label("month")
    sub = live_posts().with_only_columns(year, month).subquery()
    stmt = (
        select(sub.c.year, sub.c.month, func.count().label("n"))
        .group_by(sub.c.year, sub.c.month)
        .order_by(sub.c.year.desc(), sub.c.month.desc())
    )
    return [MonthCount(int(y), int(m), int(n)) for y, m, n in db.session.execute(stmt)]


def _term_counts(model: type[Tag] | type[Category], link: Any, link_column: str) -> list[TermCount]:
    live = live_posts().with_only_columns(Post.id, Post.published_at).subquery()
    stmt = (
        select(model.name, model.slug, func.count(live.c.id), func.max(live.c.published_at))
        .join(link, getattr(link.c, link_column) == model.id)
        .join(live, live.c.id == link.c.post_id)
        .group_by(model.id, model.name, model.slug)
        .order_by(*by_letter(model.name))
    )
    return [TermCount(name, slug, int(n), last) for name, slug, n, last in db.session.execute(stmt)]


def tag_counts() -> list[TermCount]:
    """Tags with at least one live post, and how many."""
    return _term_counts(Tag, post_tags, "tag_id")


def category_counts() -> list[TermCount]:
    return _term_counts(Category, post_categories, "category_id")


def series_counts() -> list[TermCount]:
    """Series with at least one published part, most recently continued first."""
    live = live_posts().with_only_columns(Post.id, Post.series_id, Post.published_at).subquery()
    stmt = (
        select(Series.title, Series.slug, func.count(live.c.id), func.max(live.c.published_at))
        .join(live, live.c.series_id == Series.id)
        .group_by(Series.id, Series.title, Series.slug)
        .order_by(func.max(live.c.published_at).desc(), Series.title)
    )
    return [TermCount(title, slug, int(n), last) for title, slug, n, last in db.session.execute(stmt)]


def archives_index() -> ArchivesIndex:
    """Four GROUP BY statements: months, tags, categories and series, each with its count of live posts."""
    return ArchivesIndex(
        months=archive_months(), tags=tag_counts(), categories=category_counts(), series=series_counts()
    )


# ----------------------------------------------------------------------------- search


@dataclass
class SearchResults:
    query: str
    words: list[str]
    page: Page[Post] | None  # None: the query had no searchable word
    #: How many posts were ranked: every match, or the newest ``max_candidates`` when ``more``.
    matches: int = 0
    #: More posts match than were ranked (blog.posts.search.MAX_CANDIDATES): the page says so.
    more: bool = False
    max_candidates: int = 0
    #: Works and people the query names, listed above the posts on the first page.
    names: NameMatches = field(default_factory=NameMatches)

    def snippet(self, post: Post, width: int = 240) -> Markup:
        return search_snippet(post.body_text or post.excerpt, self.words, width) or escape(post.excerpt)


def search(query: str, number: int, per_page: int) -> SearchResults | None:
    """Live posts matching every word of ``query``, best first, and on the first page the works
    and people it names. None when ``number`` is past the end.

    The (bounded) candidates come with their scores, so the count of matches comes free; one more
    statement loads the posts of the page, two more the works and people.
    """
    query = query.replace("\x00", "")[:500]
    words = query_words(query)
    rows = ranked_matches(live_posts(), query, _dialect())  # newest first
    if rows is None:
        return SearchResults(query=query.strip(), words=[], page=None)
    cap = fulltext.MAX_CANDIDATES
    # A stable sort: among equal scores the newer post stays first.
    ids = [row.id for row in sorted(rows[:cap], key=lambda row: row.score)]
    start = (number - 1) * per_page
    if number > 1 and start >= len(ids):
        return None
    page_ids = ids[start : start + per_page]
    found: dict[int, Post] = {}
    if page_ids:
        found = {p.id: p for p in db.session.scalars(_card_options(select(Post).where(Post.id.in_(page_ids))))}
    items = [found[i] for i in page_ids if i in found]
    page = _with_scores(items, number, per_page, has_next=start + per_page < len(ids))
    return SearchResults(
        query=query.strip(),
        words=words,
        page=page,
        matches=len(ids),
        more=len(rows) > cap,
        max_candidates=cap,
        names=name_matches(query) if number == 1 else NameMatches(),
    )


_CJK_CHAR = re.compile(f"[{CJK_CHARS}]")
#: The rest of a word after the matched start, without running on into CJK text ("AKIRAは").
_WORD_TAIL = f"(?:(?![{CJK_CHARS}])\\w)*"


def _snippet_pattern(words: list[str]) -> re.Pattern[str]:
    """The query's words as the index matched them: a Latin word at the start of a word, with or
    without accents (opera finds Ópera), and the rest of that word; CJK text anywhere in a run."""
    alternatives = []
    for word in words:
        for piece, cjk in word_pieces(word):
            if cjk:
                alternatives.append(re.escape(piece))
                continue
            plain = unaccented(piece).lower()
            letters = "".join(f"[{c}{ACCENTED_FORMS[c]}]" if c in ACCENTED_FORMS else re.escape(c) for c in plain)
            alternatives.append(rf"\b{letters}{_WORD_TAIL}")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def search_snippet(text: str, words: list[str], width: int = 240) -> Markup | None:
    """A window of ``text`` around the first matching word, escaped, with the words in ``<mark>``.

    ``text`` is the post's own text: the bigrams the index holds never show."""
    if not text or not words:
        return None
    pattern = _snippet_pattern(words)
    found = pattern.search(text)
    if found is None:
        return None
    if _CJK_CHAR.match(found.group()):
        width //= 2  # a CJK character says about what a short word does
    start = max(0, found.start() - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < found.start() else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > found.end() else end
    window = text[start:end]
    out: list[str] = ["…" if start else ""]
    last = 0
    for m in pattern.finditer(window):
        out.append(str(escape(window[last : m.start()])))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(str(escape(window[last:])))
    out.append("…" if end < len(text) else "")
    return Markup("".join(out))  # noqa: S704  (every piece above is escaped)


# ----------------------------------------------------------------------------- feeds and sitemap


@dataclass
class FeedData:
    title: str
    posts: list[Post]
    kind: str = "site"  # site | tag | category
    subject: Tag | Category | None = None


def feed_posts(limit: int, *, tag_slug: str | None = None, category_slug: str | None = None) -> FeedData | None:
    """The newest ``limit`` live posts for a feed, with full HTML bodies, authors, tags and categories."""
    if not all(plausible_slug(s) for s in (tag_slug, category_slug) if s is not None):
        return None
    stmt = live_posts()
    data = FeedData(title="", posts=[])
    if tag_slug is not None:
        tag = db.session.scalar(select(Tag).where(Tag.slug == tag_slug))
        if tag is None:
            return None
        stmt = stmt.where(Post.tags.any(Tag.id == tag.id))
        data = FeedData(title=tag.name, posts=[], kind="tag", subject=tag)
    elif category_slug is not None:
        category = db.session.scalar(select(Category).where(Category.slug == category_slug))
        if category is None:
            return None
        stmt = stmt.where(Post.categories.any(Category.id == category.id))
        data = FeedData(title=category.name, posts=[], kind="category", subject=category)
    stmt = newest_first(stmt).options(
        defer(Post.body_md, raiseload=True), selectinload(Post.tags), selectinload(Post.categories)
    )
    data.posts = list(db.session.scalars(stmt.limit(limit)).unique())
    return data


@dataclass
class SitemapData:
    posts: list[Post]
    tags: list[TermCount]
    categories: list[TermCount]
    series: list[TermCount]
    #: The reviews area's work and person pages (``blog.reviews.queries.SitemapEntry``).
    works: list[Any] = field(default_factory=list)
    people: list[Any] = field(default_factory=list)
    #: Published pages (``blog.pages.queries.SitemapPage``).
    pages: list[Any] = field(default_factory=list)


def sitemap_data() -> SitemapData:
    """Every public address worth crawling, with last-modified times; eight statements."""
    from blog.pages.queries import sitemap_pages
    from blog.reviews.queries import sitemap_people, sitemap_works

    stmt = newest_first(live_posts()).options(
        load_only(Post.id, Post.slug, Post.published_at, Post.updated_at, raiseload=True), raiseload("*")
    )
    return SitemapData(
        posts=list(db.session.scalars(stmt)),
        tags=tag_counts(),
        categories=category_counts(),
        series=series_counts(),
        works=sitemap_works(),
        people=sitemap_people(),
        pages=sitemap_pages(),
    )

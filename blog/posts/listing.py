"""The home page's post cards, read as plain rows: no ORM instance per post.

Loading ten ``Post`` objects with their author, tags and series through the ORM cost more than
half of the home page (identity map, loader strategies, two ``selectinload`` round trips), for a
card that shows a dozen columns. Here the page is two prepared statements (``Prepared``: built
once, compiled once per dialect): the posts with their author and series, and the tags of the
same page of posts. ``PostCard`` answers what ``templates/partials/post_card.html`` asks of a post.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, select

from blog.database import Prepared, as_datetime
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.posts import CommentStatusChoice, Post, Series, Tag, by_letter, post_tags
from blog.posts.queries import Term, is_live, newest_first


@dataclass(frozen=True, slots=True)
class Byline:
    """The author as a card names them."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class SeriesLink:
    title: str
    slug: str


@dataclass(slots=True)
class PostCard:
    """A post as a list shows it (the attributes ``post_card`` reads, named as on ``Post``)."""

    id: int
    slug: str
    title: str
    excerpt: str
    cover_image: str | None
    cover_alt: str
    cover_srcset: str
    published_at: datetime | None
    reading_minutes: int
    comment_count: int
    comment_status: str
    series_part: int | None
    author: Byline
    series: SeriesLink | None
    tags: list[Term] = field(default_factory=list)

    @property
    def comments_open(self) -> bool:
        return self.comment_status == CommentStatusChoice.OPEN.value


def _live_page() -> Any:
    """The ids of one page of live posts, newest first (``:now``, ``:limit``, ``:offset``)."""
    return (
        newest_first(select(Post.id).where(is_live(bindparam("now", type_=Post.published_at.type))))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


def _cards_statement() -> Any:
    page = _live_page().add_columns(
        Post.slug,
        Post.title,
        Post.excerpt,
        Post.cover_image,
        Post.cover_alt,
        Post.cover_srcset,
        Post.published_at,
        Post.reading_minutes,
        Post.comment_count,
        Post.comment_status,
        Post.series_part,
        User.id,
        User.name,
        Series.title,
        Series.slug,
    )
    return page.join(User, User.id == Post.author_id).outerjoin(Series, Series.id == Post.series_id)


def _tags_statement() -> Any:
    page = _live_page().subquery("page")
    return (
        select(post_tags.c.post_id, Tag.name, Tag.slug)
        .join(Tag, Tag.id == post_tags.c.tag_id)
        .where(post_tags.c.post_id.in_(select(page.c.id)))
        .order_by(post_tags.c.post_id, *by_letter(Tag.name))
    )


_CARDS = Prepared(_cards_statement)
_TAGS = Prepared(_tags_statement)


def newest_cards(limit: int, offset: int) -> list[PostCard]:
    """Live posts, newest first, as cards: two statements whatever the page size."""
    params = {"now": utcnow(), "limit": limit, "offset": offset}
    rows = _CARDS.rows(**params)
    if not rows:
        return []
    tags: dict[int, list[Term]] = defaultdict(list)
    for post_id, name, slug in _TAGS.rows(**params):
        tags[post_id].append(Term(name, slug))
    return [
        PostCard(
            pid,
            slug,
            title,
            excerpt or "",
            cover,
            cover_alt or "",
            cover_srcset or "",
            as_datetime(published),
            int(minutes or 0),
            int(count or 0),
            str(status),
            part,
            Byline(author_id, author_name),
            SeriesLink(series_title, series_slug) if series_slug is not None else None,
            tags.get(pid, []),
        )
        for (
            pid,
            slug,
            title,
            excerpt,
            cover,
            cover_alt,
            cover_srcset,
            published,
            minutes,
            count,
            status,
            part,
            author_id,
            author_name,
            series_title,
            series_slug,
        ) in rows
    ]

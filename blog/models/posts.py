"""Posts, and what groups them: tags, categories and series."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Enum, ForeignKey, Index, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import UTCDateTime, utcnow


class PostStatus(enum.StrEnum):
    """Stored status. A published post whose ``published_at`` is ahead is shown as scheduled."""

    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    #: Deleted by its author, restorable (as a draft) for ``POSTS_TRASH_DAYS``; shown nowhere but the Trash.
    TRASH = "trash"


class CommentStatusChoice(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def by_letter(name: Any) -> list[Any]:
    """ORDER BY a term's name by letter, whatever its case ("anime" before "Satoshi Kon"; SQLite's
    byte order put capitals first), the name itself breaking ties. ``blog.posts.queries.terms_of``
    is the same order in Python."""
    return [func.lower(name), name]


post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

post_categories = Table(
    "post_categories",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(100), unique=True)


class Category(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))

    parent: Mapped[Category | None] = relationship(remote_side=[id])


class Series(db.Model):  # type: ignore[name-defined,misc]
    """An ordered run of posts, like the seed's "Fond Memories" parts 1 to 3."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class Post(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_status_published_at", "status", "published_at"),
        Index("ix_posts_author_published_at", "author_id", "published_at"),
        Index("ix_posts_series_part", "series_id", "series_part"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    #: Sanitized HTML rendered from ``body_md`` when the post is saved; never rendered on read.
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: Plain text of the body, for search, excerpts and word counts.
    body_text: Mapped[str] = mapped_column(Text, default="")
    #: What the search index reads beside the title and text: their CJK runs as bigrams, accented
    #: words without accents (``blog.posts.search.search_terms``), stored with every change of
    #: either; "" for ASCII text.
    #: Deferred: no page shows it. The server default covers rows written by raw SQL.
    search_terms: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    excerpt: Mapped[str] = mapped_column(String(1000), default="")
    cover_image: Mapped[str | None] = mapped_column(String(500))
    cover_alt: Mapped[str] = mapped_column(String(300), default="")
    #: The ``srcset`` of the cover's resized copies when it is one of our uploads, else "". Worked
    #: out when the post is saved (``blog.media.uploads.srcsets_in``), like the body's images.
    #: A server default only: rows written as an older schema had them (migration tests, imports)
    #: leave it out.
    cover_srcset: Mapped[str] = mapped_column(Text, server_default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[PostStatus] = mapped_column(_enum(PostStatus), default=PostStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When its going live was announced (followers' email, ``post.published`` webhook): once per
    #: post, at publication or, for a scheduled post, when its time comes (blog.posts.announce).
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the writer or an editor last changed the post (``blog.posts.editing`` sets it). Not an
    #: ``onupdate``: a comment moving ``comment_count`` or an announcement is not an edit, and this
    #: time is what feeds, ``dateModified``, the admin lists and the autosave's "newer?" check read.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    comment_status: Mapped[CommentStatusChoice] = mapped_column(
        _enum(CommentStatusChoice), default=CommentStatusChoice.OPEN
    )
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    series_part: Mapped[int | None]
    word_count: Mapped[int] = mapped_column(default=0)
    reading_minutes: Mapped[int] = mapped_column(default=1)
    #: Approved comments, kept by the comments area so lists never count per post.
    comment_count: Mapped[int] = mapped_column(default=0)
    #: Raw HTML in the Markdown is kept only when the saving user may post unfiltered HTML.
    unfiltered_html: Mapped[bool] = mapped_column(default=False)
    #: Bumped on every save; an editor saving from an older version gets a conflict, not a silent overwrite.
    version: Mapped[int] = mapped_column(default=1)
    #: The editor's note when sending a post back to its contributor ("needs a source for the quote").
    review_note: Mapped[str] = mapped_column(String(1000), default="")

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    series: Mapped[Series | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags, order_by=by_letter(Tag.name)
    )  # by letter, whatever the case
    categories: Mapped[list[Category]] = relationship(secondary=post_categories, order_by=by_letter(Category.name))

    @property
    def is_scheduled(self) -> bool:
        return self.status == PostStatus.PUBLISHED and self.published_at is not None and self.published_at > utcnow()

    @property
    def is_live(self) -> bool:
        """Readers can see it: published and its time has come."""
        return self.status == PostStatus.PUBLISHED and self.published_at is not None and self.published_at <= utcnow()

    @property
    def display_status(self) -> str:
        return "scheduled" if self.is_scheduled else self.status.value

    @property
    def comments_open(self) -> bool:
        return self.comment_status == CommentStatusChoice.OPEN

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.slug!r} {self.status}>"


class SlugRedirect(db.Model):  # type: ignore[name-defined,misc]
    """An old slug of a post; requests for it answer 301 to the current one."""

    __tablename__ = "slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostRevision(db.Model):  # type: ignore[name-defined,misc]
    """A saved state of a published post: who saved it, when, and the text as it then was."""

    __tablename__ = "post_revisions"
    __table_args__ = (Index("ix_post_revisions_post_created", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    body_md: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(String(1000), default="")
    #: What changed compared with the revision before, e.g. "title, body (+12 −3 lines)".
    summary: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class PostAutosave(db.Model):  # type: ignore[name-defined,misc]
    """The editor's latest autosave for one person and post; never shown to readers."""

    __tablename__ = "post_autosaves"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(String(1000), default="")
    #: The post version the author was editing when this was saved (for conflict detection).
    base_version: Mapped[int] = mapped_column(default=1)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

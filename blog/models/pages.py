"""Static pages ("About", "How I score"): a table of their own, apart from posts.

Kept out of ``posts`` on purpose: every listing, feed, archive, count and search of the site reads
``posts``, so a page can never turn up in one of them by a forgotten ``WHERE``. A page has no
date that readers see, no tags, series or comments; it has an address at the site's top level
(``/about/``) and may be listed in the site's menu.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import UTCDateTime, utcnow


class PageStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Page(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    #: The page's address, ``/<slug>/``: never one of the site's own routes (``blog.pages.slugs``).
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    #: Sanitized HTML rendered from ``body_md`` when the page is saved (``blog.rendering.render_post``).
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: What staff typed for search engines and link previews; may be empty.
    description: Mapped[str] = mapped_column(String(500), default="")
    #: What the meta tags say: ``description``, or the first lines of the body, worked out when saved.
    summary: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[PageStatus] = mapped_column(
        Enum(PageStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=PageStatus.DRAFT,
    )
    #: Listed in the site's header navigation (published pages only), in ``menu_order``.
    show_in_menu: Mapped[bool] = mapped_column(default=False)
    menu_order: Mapped[int] = mapped_column(default=0)
    #: A shorter name for the menu ("About" for "About this site"); the title when empty.
    menu_label: Mapped[str] = mapped_column(String(60), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Raw HTML (embeds) kept: only when the person who last saved it may post unfiltered HTML.
    unfiltered_html: Mapped[bool] = mapped_column(default=False)
    #: Bumped on every save; saving from an older version is refused rather than overwriting.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()

    @property
    def is_live(self) -> bool:
        """Readers can see it."""
        return self.status == PageStatus.PUBLISHED

    @property
    def menu_name(self) -> str:
        return self.menu_label or self.title

    def __repr__(self) -> str:
        return f"<Page {self.id} {self.slug!r} {self.status}>"


class PageRedirect(db.Model):  # type: ignore[name-defined,misc]
    """An address a published page had before it moved: requests for it answer 301 to the page
    (``/about-me/`` still reaches the page now at ``/about/``, as WordPress does)."""

    __tablename__ = "page_redirects"

    old_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PageRevision(db.Model):  # type: ignore[name-defined,misc]
    """A saved state of a published page: who saved it, when, and its text as it then was (as
    ``PostRevision`` is for posts), so an author can compare and go back."""

    __tablename__ = "page_revisions"
    __table_args__ = (Index("ix_page_revisions_page_created", "page_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    body_md: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(500), default="")
    #: What changed compared with the revision before, e.g. "title, body (+12 −3 lines)".
    summary: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()

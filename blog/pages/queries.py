"""What the page views, the menu and the sitemap read: one statement each.

Functions return ``None`` when there is nothing this viewer may see; the view turns that into a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import load_only, raiseload

from blog.auth.permissions import can_edit_pages, is_staff
from blog.extensions import db
from blog.models.pages import Page, PageRedirect, PageStatus
from blog.pages.slugs import SLUG_MAX


@dataclass(frozen=True)
class PageView:
    page: Page
    #: A draft shown to staff: marked as such, never indexed, never cached.
    is_preview: bool
    #: The viewer may open the page in the admin (the "Edit this page" link).
    can_edit: bool


def find_page(slug: str, viewer: Any) -> PageView | None:
    """The page at ``/<slug>/`` as ``viewer`` may see it: published for everyone, a draft for staff."""
    if len(slug) > SLUG_MAX:
        return None
    page = db.session.scalar(select(Page).where(Page.slug == slug).options(raiseload(Page.author)))
    if page is None:
        return None
    if page.is_live:
        return PageView(page, is_preview=False, can_edit=can_edit_pages(viewer))
    if is_staff(viewer):
        return PageView(page, is_preview=True, can_edit=can_edit_pages(viewer))
    return None


def moved_to(slug: str, viewer: Any) -> str | None:
    """Where a page that was at ``/<slug>/`` is now: for everyone when it is published, for staff
    also when it is a draft (they then see its preview); None when no page was ever there."""
    if len(slug) > SLUG_MAX:
        return None
    row = db.session.execute(
        select(Page.slug, Page.status).join(PageRedirect, PageRedirect.page_id == Page.id)
        .where(PageRedirect.old_slug == slug)
    ).first()  # fmt: skip
    if row is None or (row.status != PageStatus.PUBLISHED and not is_staff(viewer)):
        return None
    return str(row.slug)


def admin_pages() -> list[Page]:
    """Every page for the admin's list: those in the menu first, in menu order, then the rest by title."""
    stmt = (
        select(Page)
        .options(load_only(Page.id, Page.title, Page.slug, Page.status, Page.show_in_menu, Page.menu_order,
                           Page.menu_label, Page.updated_at, raiseload=True))
        .order_by(Page.show_in_menu.desc(), Page.menu_order, Page.title, Page.id)
    )  # fmt: skip
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class MenuItem:
    label: str
    slug: str


def menu_items() -> tuple[MenuItem, ...]:
    """The published pages shown in the site's menu, in menu order (ties by when they were made)."""
    rows = db.session.execute(
        select(Page.menu_label, Page.title, Page.slug)
        .where(Page.status == PageStatus.PUBLISHED, Page.show_in_menu.is_(True))
        .order_by(Page.menu_order, Page.id)
    )
    return tuple(MenuItem(label=label or title, slug=slug) for label, title, slug in rows)


@dataclass(frozen=True)
class SitemapPage:
    slug: str
    lastmod: datetime | None


def sitemap_pages() -> list[SitemapPage]:
    """Every published page and when it last changed, for ``sitemap.xml``."""
    rows = db.session.execute(
        select(Page.slug, Page.updated_at).where(Page.status == PageStatus.PUBLISHED).order_by(Page.menu_order, Page.id)
    )
    return [SitemapPage(slug, updated) for slug, updated in rows]

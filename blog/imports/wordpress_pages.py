"""WordPress pages (``wp:post_type`` page) as Sargasso pages, for ``flask import-wordpress``.

What maps to what (the report says each time it happens):

* Status: ``publish`` → published; ``draft``, ``pending``, ``private``, ``future`` and
  password-protected pages → drafts (pages here are neither reviewed, scheduled, private nor
  locked). Trash, auto-drafts and revisions are skipped with the posts' rule.
* Address: the page's own slug at the site's top level. WordPress nests child pages
  (``/about/team/``); pages here have no parents, so a child keeps its own slug (``/team/``).
  An address another page already has, or one the site uses itself (``/search/``, ``/blog/``),
  gets ``-2`` (then ``-3``...); a non-ASCII slug is spelled in ASCII (``/επίπεδο-2/`` →
  ``/epipedo-2/``). Links elsewhere to the old address will not find the page.
* Body: WordPress's HTML becomes Markdown as a post's does, rendered by ``write_page`` with the
  ordinary allowlist (imported text never keeps raw HTML). A page with no text is skipped.
* Not in the site menu: which pages the header lists is a choice made in Admin → Pages.
* Comments on pages are not imported: pages have none here.

Running the import again adds nothing: each page is remembered in ``imported_items``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from flask import current_app
from sqlalchemy import or_, select

from blog.errors import DomainError
from blog.extensions import db
from blog.imports.report import UNTITLED, ImportRefused, PagesReport
from blog.imports.wordpress_authors import AuthorAccounts
from blog.imports.wordpress_markup import GalleryImage, plain_text, post_markdown
from blog.imports.wxr import Export, Item
from blog.models.base import utcnow
from blog.models.imports import ImportedItem
from blog.models.pages import Page, PageRedirect, PageStatus
from blog.pages.editing import MENU_ORDER_MAX, PageInput, write_page
from blog.pages.slugs import SLUG_MAX, free_slug, make_page_slug

#: WordPress statuses that become drafts, and how the report says why.
_AS_DRAFT = {"draft": "", "pending": "waiting for review", "private": "private", "future": "scheduled"}


def page_items(export: Export) -> list[Item]:
    """The export's pages that may be imported (``_sort_items`` has put the rest in the report)."""
    return [item for item in export.items if item.post_type == "page"]


def _known_pages(export: Export, items: list[Item]) -> dict[str, int]:
    """WordPress page ids already imported from this site (or, by guid, from its old address)."""
    if not items:
        return {}
    ids = [item.remote_id[:100] for item in items]
    guids = [item.guid[:500] for item in items if item.guid]
    rows = db.session.execute(
        select(ImportedItem.remote_id, ImportedItem.guid, ImportedItem.source, ImportedItem.page_id).where(
            ImportedItem.kind == "page",
            ImportedItem.page_id.is_not(None),
            or_(
                (ImportedItem.source == export.source) & ImportedItem.remote_id.in_(ids),
                ImportedItem.guid.in_(guids) if guids else False,
            ),
        )
    ).all()
    by_guid = {guid: page_id for _, guid, _, page_id in rows if guid}
    by_id = {remote: page_id for remote, _, source, page_id in rows if source == export.source}
    known = {}
    for item in items:
        page_id = by_id.get(item.remote_id[:100]) or (by_guid.get(item.guid[:500]) if item.guid else None)
        if page_id is not None:
            known[item.remote_id] = page_id
    return known


class PageImporter:
    """Imports an export's pages; ``galleries`` and ``attachment_pages`` come from the posts' planner
    (``blog.imports.wordpress._Posts``), so a page's ``[gallery]`` and image links convert as a post's do."""

    def __init__(
        self,
        export: Export,
        report: PagesReport,
        galleries: Callable[[Item], Callable[[dict[str, str]], list[GalleryImage]]],
        attachment_pages: frozenset[str],
    ) -> None:
        self.export = export
        self.report = report
        self.galleries = galleries
        self.attachment_pages = attachment_pages
        self.page_ids = {item.remote_id for item in page_items(export)}
        # Pages' addresses, and their old ones, which still lead to them.
        self.taken: set[str] = set(db.session.scalars(select(Page.slug).union(select(PageRedirect.old_slug))))

    def run(self, items: list[Item], authors: AuthorAccounts) -> None:
        known = _known_pages(self.export, items)
        for item in items:
            if item.remote_id in known:
                self.report.already += 1
                continue
            self._import(item, authors)

    def _import(self, item: Item, authors: AuthorAccounts) -> None:
        title = plain_text(item.title)[:300]
        label = title or UNTITLED
        body = post_markdown(item.content, self.galleries(item), self.attachment_pages).markdown
        if not body.strip():
            self.report.skipped.append(f"“{label}”: it has no content, and a page needs a body")
            return
        limit = int(current_app.config["POST_BODY_MAX_BYTES"])
        if len(body.encode("utf-8")) > limit:
            self.report.skipped.append(f"“{label}”: its text is over the {limit} bytes of POST_BODY_MAX_BYTES")
            return
        data = PageInput(
            title=label,
            body_md=body,
            slug=self._address(item, label),
            description=plain_text(item.excerpt)[:500],
            status=self._status(item, label),
            menu_order=min(max(item.menu_order, 0), MENU_ORDER_MAX),
        )
        try:
            page = write_page(
                authors.account(item.creator),
                data,
                unfiltered=False,
                max_bytes=limit,
            )
        except DomainError as error:
            message = f"The page “{label}” could not be saved: {error.message} Nothing was imported."
            raise ImportRefused(message) from None
        written = item.date or utcnow()
        page.created_at = written
        page.updated_at = max(item.modified or written, written)
        self.taken.add(page.slug)
        if item.parent_id not in ("", "0") and item.parent_id in self.page_ids:
            self.report.flattened.append(label)
        db.session.add(
            ImportedItem(
                source=self.export.source,
                kind="page",
                remote_id=item.remote_id[:100],
                guid=item.guid[:500],
                page_id=page.id,
            )
        )
        self.report.imported[page.status.value] += 1

    def _status(self, item: Item, label: str) -> PageStatus:
        if item.status == "publish" and not item.password:
            return PageStatus.PUBLISHED
        why = "password-protected" if item.password else _AS_DRAFT.get(item.status, "")
        if why:
            self.report.as_drafts.append(f"“{label}” ({why})")
        return PageStatus.DRAFT

    def _address(self, item: Item, label: str) -> str:
        """The page's own WordPress slug (its title's when it has none), free of clashes."""
        wordpress = unquote(item.name).strip()
        base = make_page_slug(wordpress or label) or make_page_slug(label) or "page"
        base = base[:SLUG_MAX]
        slug = free_slug(base, self.taken)
        if slug != base:
            whose = "another page" if base in self.taken else "the site itself"
            self.report.moved.append(f"“{label}”: /{base}/ is taken by {whose}, so it is at /{slug}/")
        elif wordpress and wordpress != slug:
            self.report.moved.append(f"“{label}”: its address /{wordpress}/ is spelled /{slug}/ here")
        return slug

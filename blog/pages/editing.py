"""Writing pages: who may, what an address may be, and write-time rendering.

The admin's form saves through ``save_page`` (the rules about people); the demo seeder and the
WordPress importer, which write for the site rather than for someone signed in, go straight to
``write_page``. Either way the Markdown is rendered and sanitized here, once, by the renderer
posts use, and readers only ever get the stored HTML; a published page's changed text is also kept
as a revision (``blog.pages.revisions``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from blog.auth.permissions import can_edit_pages, can_post_unfiltered_html
from blog.errors import DomainError
from blog.extensions import db
from blog.media.uploads import srcsets_in
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.pages import Page, PageRedirect, PageRevision, PageStatus
from blog.pages.revisions import record_page_revision
from blog.pages.slugs import make_page_slug, slug_problem
from blog.rendering import clean_text, render_post, summary_of
from blog.timezone import local_time

#: The menu's order numbers people may type; plenty for a header.
MENU_ORDER_MAX = 999


@dataclass
class PageInput:
    """What a person typed into the page form, already parsed into Python values."""

    title: str
    body_md: str
    slug: str = ""
    description: str = ""
    status: PageStatus = PageStatus.DRAFT
    show_in_menu: bool = False
    menu_label: str = ""
    menu_order: int = 0


class PageConflict(DomainError):
    """The page was saved by someone else since this form was opened; nothing was written."""

    def __init__(self, page: Page) -> None:
        super().__init__(
            "Someone else saved this page since you opened it. Your text is still in the form: save again "
            "to keep yours, or open the page again to load theirs.",
            status=409,
        )
        self.page = page


def input_from(page: Page) -> PageInput:
    """The form values that would save ``page`` unchanged."""
    return PageInput(
        title=page.title,
        body_md=page.body_md,
        slug=page.slug,
        description=page.description,
        status=page.status,
        show_in_menu=page.show_in_menu,
        menu_label=page.menu_label,
        menu_order=page.menu_order,
    )


def _clean(data: PageInput) -> None:
    data.title = " ".join(clean_text(data.title).split())
    data.body_md = clean_text(data.body_md)
    data.description = " ".join(clean_text(data.description).split())
    data.menu_label = " ".join(clean_text(data.menu_label).split())


def _validate(data: PageInput, max_bytes: int) -> None:
    if not data.title:
        raise DomainError("Give the page a title.", field="title")
    if len(data.title) > 300:
        raise DomainError("Keep the title under 300 characters.", field="title")
    if not data.body_md.strip():
        raise DomainError("Write something in the body before saving.", field="body_md")
    if len(data.body_md.encode("utf-8", "replace")) > max_bytes:
        raise DomainError(f"The body is over {max_bytes / (1024 * 1024):g} MB.", field="body_md")
    if len(data.description) > 500:
        raise DomainError("Keep the description under 500 characters.", field="description")
    if len(data.menu_label) > 60:
        raise DomainError("Keep the menu label under 60 characters.", field="menu_label")
    if not 0 <= data.menu_order <= MENU_ORDER_MAX:
        raise DomainError(f"The menu position is a whole number from 0 to {MENU_ORDER_MAX}.", field="menu_order")


def _slug_for(data: PageInput, page: Page | None) -> str:
    """The address the page gets: the one typed (tidied) or one made from the title; refused with a
    message when the site uses it itself or another page has it."""
    typed = data.slug.strip()
    slug = make_page_slug(typed or data.title)
    problem = slug_problem(slug)
    if problem is not None:
        if not typed and not slug:
            problem = "The title has no letters to make an address from: type one under Address."
        raise DomainError(problem, field="slug")
    same = select(Page).where(Page.slug == slug)
    if page is not None:
        same = same.where(Page.id != page.id)
    other = db.session.scalar(same)
    if other is not None:
        raise DomainError(f"Another page, “{other.title}”, is at /{slug}/. Choose another address.", field="slug")
    moved = select(Page).join(PageRedirect, PageRedirect.page_id == Page.id).where(PageRedirect.old_slug == slug)
    if page is not None:
        moved = moved.where(Page.id != page.id)  # taking back one of its own old addresses is fine
    before = db.session.scalar(moved)
    if before is not None:
        raise DomainError(
            f"/{slug}/ was the address of “{before.title}”, and links to it still lead there. Choose another address.",
            field="slug",
        )
    return slug


def rendered(body_md: str, description: str, *, unfiltered: bool) -> tuple[str, str]:
    """The body's sanitized HTML (the posts' renderer, with the resized copies of uploaded images)
    and what the meta tags say (the description, or the body's first lines): what a save stores,
    and what ``flask rerender`` compares with."""
    html = render_post(body_md, unfiltered=unfiltered, image_srcsets=srcsets_in(body_md))
    return html, (description or summary_of(html))[:500]


def write_page(
    author: User | None,
    data: PageInput,
    page: Page | None = None,
    *,
    unfiltered: bool = False,
    max_bytes: int = 1024 * 1024,
    revision_note: str = "",
) -> Page:
    """Create or update a page and flush it; ``DomainError`` (nothing written) when a rule says no.

    ``author`` is recorded as the page's author on a new page only, and as the revision's on every
    save. ``unfiltered`` keeps raw HTML (embeds): pass the capability of whoever is saving now,
    never of the page's first author.

    The revision is kept here rather than in ``save_page``, as ``save_post`` keeps posts' for
    every caller: a page imported from WordPress or seeded by the demo gets its one "first
    published version" (a draft none, a re-import of the same text none), so the text it arrived
    with can be compared and restored after its first edit in the admin, instead of being lost.
    """
    _clean(data)
    _validate(data, max_bytes)
    with db.session.no_autoflush:  # nothing of the page reaches the database before every check passed
        slug = _slug_for(data, page)
        html, summary = rendered(data.body_md, data.description, unfiltered=unfiltered)
    creating = page is None
    if page is None:
        page = Page(author_id=author.id if author is not None else None)
        db.session.add(page)
    _move(page, slug)
    page.title = data.title
    page.body_md = data.body_md
    page.unfiltered_html = unfiltered
    page.body_html, page.summary = html, summary
    page.description = data.description
    page.status = data.status
    page.show_in_menu = data.show_in_menu
    page.menu_label = data.menu_label
    page.menu_order = data.menu_order
    page.updated_at = utcnow()
    page.version = 1 if creating else (page.version or 0) + 1
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the address between our check and this write; the caller rolls back.
        raise DomainError(f"Another page took /{slug}/ a moment ago. Choose another address.", field="slug") from None
    record_page_revision(page, author, revision_note)
    return page


def _move(page: Page, slug: str) -> None:
    """Give ``page`` the address ``slug``. Readers may have the old one of a published page: it
    keeps answering, with a redirect. One of its own old addresses taken back is its own again
    (``_slug_for`` refuses another page's)."""
    with db.session.no_autoflush:  # a new page is flushed whole, later
        if page.slug and slug != page.slug and page.status == PageStatus.PUBLISHED and page.id is not None:
            db.session.merge(PageRedirect(old_slug=page.slug, page_id=page.id))
        stale = db.session.get(PageRedirect, slug)
        if stale is not None:
            db.session.delete(stale)
    page.slug = slug


def old_addresses(page: Page) -> list[str]:
    """The addresses that lead to ``page`` with a redirect, oldest first (the editor lists them)."""
    stmt = select(PageRedirect.old_slug).where(PageRedirect.page_id == page.id)
    return list(db.session.scalars(stmt.order_by(PageRedirect.created_at, PageRedirect.old_slug)))


def save_page(
    user: User,
    data: PageInput,
    page: Page | None = None,
    *,
    max_bytes: int,
    base_version: int | None = None,
    revision_note: str = "",
) -> Page:
    """The admin's save: ``user`` must be allowed to edit pages, and must have the latest version."""
    if not can_edit_pages(user):
        raise DomainError("Only authors, editors and admins can write pages.", status=403)
    if page is not None and base_version is not None and base_version != page.version:
        raise PageConflict(page)
    return write_page(
        user,
        data,
        page,
        unfiltered=can_post_unfiltered_html(user),
        max_bytes=max_bytes,
        revision_note=revision_note,
    )


def restore_revision(user: User, page: Page, revision: PageRevision, *, base_version: int, max_bytes: int) -> Page:
    """Make a revision's title, description and body current again, through the admin's save (so
    the HTML is rendered anew, and the restore is kept as a revision); the address, status and menu
    stay as they are. ``PageConflict`` (nothing written) when the page was saved since
    ``base_version``."""
    if revision.page_id != page.id:
        raise DomainError("That revision belongs to another page.", status=404)
    data = input_from(page)
    data.title, data.body_md, data.description = revision.title, revision.body_md, revision.description
    when = local_time(revision.created_at, "%d %b %Y, %H:%M:%S %Z")
    note = f"Restored the revision of {when}"
    return save_page(user, data, page, max_bytes=max_bytes, base_version=base_version, revision_note=note)


def delete_page(user: User, page: Page) -> str:
    """Delete ``page`` (its address answers 404 from then on); returns its title for the message."""
    if not can_edit_pages(user):
        raise DomainError("Only authors, editors and admins can delete pages.", status=403)
    title = page.title
    db.session.delete(page)
    db.session.flush()
    return title


def saved_message(page: Page, *, was_live: bool, old_slug: str | None = None) -> str:
    """The flash after a save, saying where the page now stands (and where ``old_slug``, its
    address before this save, now leads)."""
    if page.is_live:
        if not was_live:
            return f"Page published at /{page.slug}/."
        if old_slug and old_slug != page.slug:
            return f"Page updated. It is now at /{page.slug}/, and /{old_slug}/ leads there."
        return "Page updated."
    if was_live:
        return "Page switched to draft: readers no longer see it."
    if page.show_in_menu:
        return "Draft saved. It appears in the site menu once published."
    return "Draft saved."

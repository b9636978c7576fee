"""``flask import-wordpress FILE``: a WordPress blog, from its WXR export, into Sargasso.

Everything is written in one transaction: a file that cannot be read, or a rule that says no,
leaves the database as it was. Posts are saved through ``save_post`` (so their HTML, search
text, excerpt and word counts are what the editor would make) and comments through the comment
area's own writers (``writes``, ``moderation.recount``, ``cards``), so counts and stored threads
are right the moment the import commits.

What maps to what, and what does not come across, is in ``ImportReport`` and the README:

* Posts: ``publish`` → published, ``future`` → scheduled, ``draft``/``private`` → draft,
  ``pending`` → waiting for review; password-protected posts → drafts (Sargasso has no post
  passwords); sticky posts → ordinary posts (Sargasso has none). Trash, auto-drafts and
  revisions are skipped.
* Pages: imported as pages (``blog.imports.wordpress_pages``: statuses, flattened addresses).
  Attachments: listed; their files stay at their WordPress addresses, which the imported posts
  and pages keep pointing at.
* Authors: matched to an account by email, then by login (a staff account of that name);
  otherwise a new author account without a password. An existing account is never changed.
* Comments: approved, pending (``0``) and spam keep their status; trash is skipped. Pingbacks
  and trackbacks are skipped unless ``--pingbacks`` asks for them (as approved comments that
  start with "Pingback:" or "Trackback:").

Importing the same export again adds nothing: each post, page and comment is remembered by its
site and WordPress id (``ImportedItem``); comments added on WordPress since are added.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import or_, select
from sqlalchemy.exc import DataError, IntegrityError

from blog import cache
from blog.comments import cards, moderation
from blog.errors import DomainError
from blog.extensions import db
from blog.imports.report import UNTITLED, ImportRefused, ImportReport, count
from blog.imports.wordpress_authors import AuthorAccounts
from blog.imports.wordpress_comments import CommentImporter
from blog.imports.wordpress_markup import (
    GalleryImage,
    is_image_url,
    plain_text,
    post_markdown,
)
from blog.imports.wordpress_pages import PageImporter
from blog.imports.wxr import Export, Item, Term, read_export
from blog.models.accounts import Role, User
from blog.models.base import utcnow
from blog.models.imports import ImportedItem
from blog.models.posts import Category, CommentStatusChoice, Post, PostStatus, SlugRedirect, Tag
from blog.posts.editing import PostInput, make_slug, save_post

#: ``Tag.slug`` and ``Category.slug`` are 100 characters long.
_TERM_SLUG_MAX = 100
#: WordPress statuses of things that were never content: not imported, said so in the report.
_NOT_CONTENT = {"trash": "in the WordPress trash", "auto-draft": "an empty auto-draft", "inherit": "a revision"}


# ----------------------------------------------------------------------------- categories and tags


def _term_name(raw: str) -> str:
    """As ``save_post`` stores a term's name (WordPress keeps ``&amp;`` in them), shortened until
    its slug fits the column (80 Japanese characters spell out to more than 100 letters)."""
    name = " ".join(plain_text(raw).split())[:80]
    while name and len(make_slug(name)) > _TERM_SLUG_MAX:
        name = name[: max(1, len(name) - 8)].rstrip() if len(name) > 8 else name[:-1]
    return name


class _Categories:
    """WordPress categories, created with their parents before the posts that use them.

    ``save_post`` files a post under categories by name (the slug made from it), so two WordPress
    categories with one name under different parents become one here; the report says so."""

    def __init__(self, terms: list[Term], report: ImportReport) -> None:
        self.by_nicename = {term.slug: term for term in terms if term.slug}
        self.report = report
        self.made: dict[str, tuple[Category, str]] = {}  # our slug: (category, the nicename it came from)
        self.merged: set[str] = set()

    def names_for(self, item: Item) -> list[str]:
        """The names to file ``item`` under, its categories and their ancestors now existing."""
        names = []
        for term in item.terms:
            if term.domain != "category":
                continue
            wxr = self.by_nicename.get(term.slug) or Term(slug=term.slug, name=term.name)
            if self._ensure(wxr, set()) is not None:
                names.append(_term_name(wxr.name or wxr.slug))
        return names

    def _ensure(self, term: Term, seen: set[str]) -> Category | None:
        """The category for ``term``, created with its ancestors (a loop in the file stops there)."""
        name = _term_name(term.name or term.slug)
        if not name or term.slug in seen:
            return None
        slug = make_slug(name)
        if slug in self.made:
            category, nicename = self.made[slug]
            if nicename != term.slug and slug not in self.merged:
                self.merged.add(slug)
                self.report.notes.append(
                    f"the categories “{term.slug}” and “{nicename}” share the name “{name}”: merged"
                )
            return category
        seen.add(term.slug)
        parent_term = self.by_nicename.get(term.parent) if term.parent else None
        parent = self._ensure(parent_term, seen) if parent_term is not None else None
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            category = Category(
                name=name,
                slug=slug,
                description=plain_text(term.description)[:500],
                parent_id=parent.id if parent is not None else None,
            )
            db.session.add(category)
            db.session.flush()
            self.report.categories_created.append(name)
        self.made[slug] = (category, term.slug)
        return category


def _tag_names(item: Item) -> list[str]:
    return [name for term in item.terms if term.domain == "post_tag" and (name := _term_name(term.name or term.slug))]


# ----------------------------------------------------------------------------- posts


@dataclass
class _Plan:
    """A post as it will be saved, or why it is not."""

    data: PostInput | None
    label: str = ""
    skip: str = ""

    @property
    def was_live(self) -> bool:
        """Published on WordPress, and not in the future."""
        data = self.data
        return (
            data is not None
            and data.status == PostStatus.PUBLISHED
            and data.published_at is not None
            and data.published_at <= utcnow()
        )


def _status(item: Item, report: ImportReport, title: str) -> tuple[PostStatus, datetime | None]:
    """WordPress's status as ours: ``future`` is published with a date ahead (scheduled)."""
    if item.password:
        report.password_protected.append(title)
        return PostStatus.DRAFT, None
    if item.status == "private":
        report.private.append(title)
        return PostStatus.DRAFT, None
    if item.status == "pending":
        return PostStatus.PENDING, None
    if item.status in {"publish", "future"}:
        return PostStatus.PUBLISHED, item.date or utcnow()
    return PostStatus.DRAFT, None


def _wordpress_slug(item: Item) -> str:
    """``post_name`` as readers typed it: WordPress stores non-ASCII slugs percent-encoded."""
    return unquote(item.name).strip()


class _Posts:
    def __init__(self, export: Export, report: ImportReport) -> None:
        self.report = report
        self.attachments = {item.remote_id: item for item in export.items if item.post_type == "attachment"}
        self.children: dict[str, list[Item]] = defaultdict(list)
        for attachment in sorted(self.attachments.values(), key=lambda a: _number(a.remote_id)):
            self.children[attachment.parent_id].append(attachment)
        self.attachment_pages = frozenset(a.link.rstrip("/") for a in self.attachments.values() if a.link)

    def _image(self, attachment: Item) -> GalleryImage:
        alt = attachment.meta.get("_wp_attachment_image_alt", "") or plain_text(attachment.title)
        return GalleryImage(attachment.attachment_url, plain_text(alt), plain_text(attachment.excerpt))

    def gallery_for(self, item: Item) -> Callable[[dict[str, str]], list[GalleryImage]]:
        """WordPress's ``[gallery]``: the ``ids`` (or ``include``) given, else the post's attached images."""

        def lookup(attributes: dict[str, str]) -> list[GalleryImage]:
            wanted = attributes.get("ids") or attributes.get("include") or ""
            if wanted:
                found = [self.attachments.get(i.strip()) for i in wanted.split(",")]
                chosen = [a for a in found if a is not None]
            else:
                chosen = list(self.children.get(attributes.get("id") or item.remote_id, []))
            excluded = {i.strip() for i in attributes.get("exclude", "").split(",")}
            return [self._image(a) for a in chosen if a.remote_id not in excluded and is_image_url(a.attachment_url)]

        return lookup

    def _cover(self, item: Item) -> tuple[str, str]:
        attachment = self.attachments.get(item.meta.get("_thumbnail_id", "").strip())
        if attachment is None:
            return "", ""
        url = attachment.attachment_url
        if not url.startswith(("https://", "http://")) or len(url) > 500:
            return "", ""
        image = self._image(attachment)
        return url, (image.alt or plain_text(item.title) or "Cover image")[:300]

    def plan(self, item: Item) -> _Plan:
        title = plain_text(item.title)[:300]
        label = title or UNTITLED
        converted = post_markdown(item.content, self.gallery_for(item), self.attachment_pages)
        body = converted.markdown
        if not body.strip():
            return _Plan(None, skip=f"“{label}”: it has no content, and a Sargasso post needs a body")
        limit = int(current_app.config["POST_BODY_MAX_BYTES"])
        if len(body.encode("utf-8")) > limit:
            return _Plan(None, skip=f"“{label}”: its text is over the {limit} bytes of POST_BODY_MAX_BYTES")
        if converted.dynamic_blocks:
            blocks = Counter(converted.dynamic_blocks)
            names = ", ".join(f"wp:{name}" + (f" ×{n}" if n > 1 else "") for name, n in sorted(blocks.items()))
            self.report.notes.append(f"“{label}”: blocks WordPress makes on each view were left out ({names})")
        if converted.missing_galleries:
            self.report.notes.append(
                f"“{label}”: {count(converted.missing_galleries, 'gallery', 'galleries')} left out, their images are "
                "not in the export"
            )
        if not title:
            self.report.untitled += 1
        if item.sticky:
            self.report.sticky.append(label)
        status, published_at = _status(item, self.report, label)
        cover, cover_alt = self._cover(item)
        data = PostInput(
            title=title or UNTITLED,
            body_md=body,
            slug=_wordpress_slug(item),
            excerpt=plain_text(item.excerpt)[:1000],
            tags=_tag_names(item),
            categories=[],
            cover_image=cover,
            cover_alt=cover_alt,
            comment_status=CommentStatusChoice.CLOSED if item.comment_status == "closed" else CommentStatusChoice.OPEN,
            status=status,
            published_at=published_at,
        )
        return _Plan(data, label=label)


def _number(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _save(user: User, plan: _Plan, item: Item) -> Post:
    """``save_post`` for a new post. A post that was live on WordPress was announced there: it is
    handed over with ``announced_at`` already set, so followers get no email and no
    ``post.published`` webhook fires for a years-old post (a scheduled one is announced when its
    time comes, as any other)."""
    assert plan.data is not None
    fresh = Post(author_id=user.id, announced_at=plan.data.published_at if plan.was_live else None)
    post = save_post(
        user,
        plan.data,
        fresh,
        max_bytes=int(current_app.config["POST_BODY_MAX_BYTES"]),
        revision_note="Imported from WordPress",
    )
    # WordPress's dates, not the import's: feeds, archives and "updated" read them.
    written = item.date or utcnow()
    post.created_at = written
    post.updated_at = max(item.modified or written, written)
    return post


def _keep_wordpress_slug(post: Post, item: Item) -> None:
    """A WordPress slug we could not keep as is (not ASCII) still answers, with a redirect."""
    old = _wordpress_slug(item)[:200]
    if not old or old == post.slug or "/" in old:
        return
    taken = db.session.scalar(select(Post.id).where(Post.slug == old)) or db.session.get(SlugRedirect, old)
    if not taken:
        db.session.add(SlugRedirect(old_slug=old, post_id=post.id))


# ----------------------------------------------------------------------------- the import


def _known_posts(export: Export, items: list[Item]) -> dict[str, int]:
    """WordPress post ids already imported from this site (or, by guid, from its old address)."""
    ids = [item.remote_id[:100] for item in items]
    guids = [item.guid[:500] for item in items if item.guid]
    rows = db.session.execute(
        select(ImportedItem.remote_id, ImportedItem.guid, ImportedItem.source, ImportedItem.post_id).where(
            ImportedItem.kind == "post",
            or_(
                (ImportedItem.source == export.source) & ImportedItem.remote_id.in_(ids),
                ImportedItem.guid.in_(guids) if guids else False,
            ),
        )
    ).all()
    by_guid = {guid: post_id for _, guid, _, post_id in rows if guid}
    by_id = {remote: post_id for remote, _, source, post_id in rows if source == export.source}
    known = {}
    for item in items:
        post_id = by_id.get(item.remote_id[:100]) or (by_guid.get(item.guid[:500]) if item.guid else None)
        if post_id is not None:
            known[item.remote_id] = post_id
    return known


def post_items(export: Export) -> list[Item]:
    """The export's posts that may be imported (not trash, auto-drafts or revisions)."""
    return [item for item in export.items if item.post_type == "post" and item.status not in _NOT_CONTENT]


def _sort_items(export: Export, report: ImportReport) -> tuple[list[Item], list[Item]]:
    """The posts and the pages to import; attachments and the rest go to the report."""
    posts, pages = [], []
    for item in export.items:
        title = plain_text(item.title) or UNTITLED
        if item.post_type == "post":
            if item.status in _NOT_CONTENT:
                report.posts_skipped.append(f"“{title}”: {_NOT_CONTENT[item.status]}")
                report.comments_skipped["on a post that was not imported"] += len(item.comments)
            else:
                posts.append(item)
        elif item.post_type == "page":
            if item.status in _NOT_CONTENT:
                report.pages.skipped.append(f"“{title}”: {_NOT_CONTENT[item.status]}")
            else:
                pages.append(item)
            report.comments_skipped["on a page (pages have no comments here)"] += len(item.comments)
        elif item.post_type == "attachment":
            report.attachments.append(item.attachment_url or title)
        else:
            report.other_items[item.post_type or "untyped"] += 1
    return posts, pages


def import_export(
    export: Export, *, pingbacks: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Store ``export`` in the session's transaction (flushed, not committed): the caller commits,
    or rolls back for a dry run or on ``ImportRefused``/``DomainError``."""
    report = ImportReport(source=export.source, version=export.version)
    posts, pages = _sort_items(export, report)
    known = _known_posts(export, posts)
    authors = AuthorAccounts(export, report)
    categories = _Categories(export.categories, report)
    planner = _Posts(export, report)
    comments = CommentImporter(export.source, report, pings=pingbacks)
    tag_slugs = {make_slug(name) for item in posts if item.remote_id not in known for name in _tag_names(item)}
    tags_before = set(db.session.scalars(select(Tag.slug).where(Tag.slug.in_(tag_slugs)))) if tag_slugs else set()
    touched: list[Post] = []
    for item in posts:
        post_id = known.get(item.remote_id)
        if post_id is not None:
            report.posts_already += 1
            post = db.session.get(Post, post_id)
        else:
            post = _import_post(item, authors, categories, planner, report, export.source)
        if post is not None and comments.import_for(post, item.comments):
            touched.append(post)
        elif post is None:
            report.comments_skipped["on a post that was not imported"] += len(item.comments)
        if progress is not None:
            progress(1)
    PageImporter(export, report.pages, planner.gallery_for, planner.attachment_pages).run(pages, authors)
    if touched:
        db.session.flush()
        moderation.recount([post.id for post in touched])
        for post in touched:
            cards.refresh_post(post.id, post_author_id=post.author_id)
        cache.bump_site_generation()  # comments went in with Core statements: cached pages are stale
    report.tags_created = sorted(tag_slugs - tags_before)
    return report


def _import_post(
    item: Item, authors: AuthorAccounts, categories: _Categories, planner: _Posts, report: ImportReport, source: str
) -> Post | None:
    plan = planner.plan(item)
    if plan.data is None:
        report.posts_skipped.append(plan.skip)
        return None
    user = authors.account(item.creator)
    if user.role == Role.CONTRIBUTOR and plan.data.status == PostStatus.PUBLISHED:
        plan.data.status, plan.data.published_at = PostStatus.PENDING, None  # what a contributor may do
        report.pending_review.append(plan.label)
    plan.data.categories = categories.names_for(item)
    try:
        post = _save(user, plan, item)
    except DomainError as error:
        title = plain_text(item.title) or UNTITLED
        raise ImportRefused(f"The post “{title}” could not be saved: {error.message} Nothing was imported.") from None
    _keep_wordpress_slug(post, item)
    db.session.add(
        ImportedItem(source=source, kind="post", remote_id=item.remote_id[:100], guid=item.guid[:500], post_id=post.id)
    )
    report.posts[post.display_status if post.status == PostStatus.PUBLISHED else post.status.value] += 1
    return post


def read(path: str | Path) -> Export:
    """The export at ``path``, or ``ImportRefused`` saying what is wrong with the file."""
    try:
        return read_export(path, label=str(path))
    except DomainError as error:
        raise ImportRefused(error.message) from None


def run_import(
    export: Export, *, dry_run: bool = False, pingbacks: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import ``export`` in one transaction and commit it (roll it back for a dry run, which runs
    every step so its report is exact); ``ImportRefused`` when nothing was written."""
    try:
        report = import_export(export, pingbacks=pingbacks, progress=progress)
        db.session.flush()
    except (ImportRefused, DomainError) as error:
        db.session.rollback()
        if isinstance(error, ImportRefused):
            raise
        raise ImportRefused(f"{error.message} Nothing was imported.") from None
    except (DataError, IntegrityError) as error:
        db.session.rollback()
        raise ImportRefused(f"The database refused the import ({error.orig}). Nothing was imported.") from None
    if dry_run:
        db.session.rollback()
        report.dry_run = True
    else:
        db.session.commit()
    return report


def init_app(app: Flask) -> None:
    app.cli.add_command(import_wordpress_command)


@click.command("import-wordpress")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be imported, and write nothing.")
@click.option("--pingbacks", is_flag=True, help="Import pingbacks and trackbacks as approved comments marked as such.")
@with_appcontext
def import_wordpress_command(path: str, dry_run: bool, pingbacks: bool) -> None:
    """Import a WordPress export (Tools → Export in WordPress): posts, pages, comments, categories, tags, authors."""
    export = read(path)
    total = len(post_items(export))
    with click.progressbar(length=total, label="Posts", show_pos=True) as bar:
        report = run_import(export, dry_run=dry_run, pingbacks=pingbacks, progress=bar.update)
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was written.")

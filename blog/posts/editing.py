"""Writing posts: validation, slugs, write-time rendering, tags, series and publishing rules.

The staff form, the web editor, the demo seeder and importers all save through ``save_post``,
so the rules (who may publish, what a slug becomes, what is rendered) hold everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import datetime

from slugify import slugify
from sqlalchemy import select

from blog.auth.permissions import can_edit_post, can_post_unfiltered_html, can_publish
from blog.errors import DomainError
from blog.extensions import db
from blog.media.uploads import srcsets_in
from blog.models.accounts import Role, User
from blog.models.base import utcnow
from blog.models.posts import (
    Category,
    CommentStatusChoice,
    Post,
    PostRevision,
    PostStatus,
    Series,
    SlugRedirect,
    Tag,
)
from blog.posts.announce import announce
from blog.posts.excerpts import is_automatic_excerpt, typed_excerpt
from blog.posts.revisions import check_version, discard_autosave, record_revision
from blog.posts.search import search_terms
from blog.rendering import clean_text, html_to_text, render_post, summary_of
from blog.timezone import local_time

SLUG_MAX = 180


@dataclass
class PostInput:
    """What a person typed into a post form, already parsed into Python values."""

    title: str
    body_md: str
    slug: str = ""
    excerpt: str = ""
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    series_title: str = ""
    series_part: int | None = None
    cover_image: str = ""
    cover_alt: str = ""
    comment_status: CommentStatusChoice = CommentStatusChoice.OPEN
    #: What the person asked for: draft, pending (submit for review) or published.
    status: PostStatus = PostStatus.DRAFT
    #: None means "now" when publishing; a future time schedules the post.
    published_at: datetime | None = None


def make_slug(text: str) -> str:
    """A readable ASCII slug from a title in any script (メモリーズ becomes ``memorisu``)."""
    slug = slugify(text, max_length=SLUG_MAX, word_boundary=True)
    if not slug:
        slug = slugify(text, allow_unicode=True, max_length=SLUG_MAX)
    return slug or "post"


def unique_slug(base: str, *, exclude_post_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``... the first one no other post (or old slug) uses."""
    taken_posts = select(Post.slug).where(Post.slug.like(f"{base}%"))
    if exclude_post_id is not None:
        taken_posts = taken_posts.where(Post.id != exclude_post_id)
    taken = set(db.session.scalars(taken_posts))
    redirects = select(SlugRedirect.old_slug, SlugRedirect.post_id).where(SlugRedirect.old_slug.like(f"{base}%"))
    taken |= {slug for slug, post_id in db.session.execute(redirects) if post_id != exclude_post_id}
    return first_free_slug(base, taken)


def first_free_slug(
    base: str, taken: Container[str], *, refused: Callable[[str], bool] | None = None, max_length: int = SLUG_MAX
) -> str:
    """``base`` if nobody has it, else the first of ``base-2``, ``base-3``... nobody has (and that
    ``refused`` does not turn down), the suffix never pushing it past ``max_length``."""
    candidate, n = base, 1
    while candidate in taken or (refused is not None and refused(candidate)):
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
    return candidate


def reading_stats(text: str, words_per_minute: int = 230) -> tuple[int, int]:
    """Word count and whole minutes of reading (at least one). CJK characters count as words."""
    words = len(text.split())
    cjk = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff")
    count = words + cjk
    return count, max(1, math.ceil(count / words_per_minute))


def _validate(data: PostInput, max_bytes: int) -> None:
    if not data.title.strip():
        raise DomainError("Give the post a title.", field="title")
    if len(data.title) > 300:
        raise DomainError("Keep the title under 300 characters.", field="title")
    if not data.body_md.strip():
        raise DomainError("Write something in the body before saving.", field="body_md")
    if len(data.body_md.encode("utf-8", "replace")) > max_bytes:
        mb = max_bytes / (1024 * 1024)
        raise DomainError(f"The body is over {mb:g} MB; split it into parts of a series.", field="body_md")
    if data.series_part is not None and data.series_part < 1:
        raise DomainError("A series part is a whole number from 1.", field="series_part")


def _get_or_create_terms(model: type[Tag] | type[Category], names: list[str]) -> list:  # type: ignore[type-arg]
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:80]
        if name:
            wanted.setdefault(make_slug(name), name)
    if not wanted:
        return []
    existing = {t.slug: t for t in db.session.scalars(select(model).where(model.slug.in_(wanted)))}
    terms = []
    for slug, name in wanted.items():
        term = existing.get(slug)
        if term is None:
            term = model(name=name, slug=slug)
            db.session.add(term)
        terms.append(term)
    return terms


def _series_for(title: str) -> Series | None:
    title = " ".join(title.split())
    if not title:
        return None
    slug = make_slug(title)
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None:
        series = Series(title=title, slug=slug)
        db.session.add(series)
    return series


def _resolve_status(user: User, data: PostInput, post: Post | None) -> tuple[PostStatus, datetime | None]:
    wanted = data.status
    if wanted == PostStatus.PUBLISHED and not can_publish(user):
        raise DomainError(
            "Contributors cannot publish; submit the post for review instead.", field="status", status=403
        )
    if wanted == PostStatus.PUBLISHED:
        # An empty date means now, as in WordPress: clearing a scheduled post's date and pressing
        # Update puts it out at once (callers that keep the date pass it, as ``post_input_from`` does).
        return wanted, data.published_at or utcnow()
    return wanted, data.published_at


def save_post(
    user: User,
    data: PostInput,
    post: Post | None = None,
    *,
    max_bytes: int = 1024 * 1024,
    base_version: int | None = None,
    revision_note: str = "",
) -> Post:
    """Create or update a post for ``user``; raises ``DomainError`` (nothing written) when a rule says no.

    Markdown is rendered and sanitized here, once; reads only ever show ``body_html``.
    """
    if post is not None and not can_edit_post(user, post):
        raise DomainError("You cannot edit this post.", status=403)
    if post is not None:
        check_version(post, base_version)
    data.title = clean_text(data.title).strip()
    data.body_md = clean_text(data.body_md)
    _validate(data, max_bytes)
    status, published_at = _resolve_status(user, data, post)

    creating = post is None
    with db.session.no_autoflush:
        if post is None:
            post = Post(author_id=user.id)
        _apply(user, data, post, creating, status, published_at)
    db.session.add(post)
    db.session.flush()
    record_revision(post, user, revision_note)
    discard_autosave(user, post)
    announce(post)  # followers' email and the post.published webhook, once, when it is live
    return post


def _apply(
    user: User, data: PostInput, post: Post, creating: bool, status: PostStatus, published_at: datetime | None
) -> None:
    wanted_slug = make_slug(data.slug.strip() or data.title)
    if creating or wanted_slug != post.slug:
        new_slug = unique_slug(wanted_slug, exclude_post_id=post.id)
        if not creating and post.slug and new_slug != post.slug and post.published_at is not None:
            # Readers may have the old address: keep it answering with a redirect.
            db.session.merge(SlugRedirect(old_slug=post.slug, post_id=post.id))
        # A post taking back one of its own old slugs must not redirect to itself.
        stale = db.session.get(SlugRedirect, new_slug)
        if stale is not None:
            db.session.delete(stale)
        post.slug = new_slug

    post.title = data.title
    post.body_md = data.body_md
    post.unfiltered_html = (
        can_post_unfiltered_html(user) if creating or post.author_id == user.id else post.unfiltered_html
    )
    cover = data.cover_image.strip()
    srcsets = srcsets_in(data.body_md, cover)  # one query for the body's uploads and the cover
    post.body_html = render_post(data.body_md, unfiltered=post.unfiltered_html, image_srcsets=srcsets)
    # Search and its snippets read body_text: spoilers stay out of it, as out of the excerpt.
    post.body_text = html_to_text(post.body_html, spoilers=False)
    post.search_terms = search_terms(post.title, post.body_text)
    post.word_count, post.reading_minutes = reading_stats(html_to_text(post.body_html))
    post.excerpt = clean_text(data.excerpt).strip()[:1000] or summary_of(post.body_html)
    post.cover_image = cover or None
    post.cover_srcset = srcsets.get(cover, "")
    post.cover_alt = data.cover_alt.strip()[:300]
    post.comment_status = data.comment_status
    post.status = status
    post.published_at = published_at
    post.tags = _get_or_create_terms(Tag, data.tags)
    post.categories = _get_or_create_terms(Category, data.categories)
    post.series = _series_for(data.series_title)
    post.series_part = data.series_part if post.series is not None else None
    post.updated_at = utcnow()
    post.version = (post.version or 0) + 1 if not creating else 1


def split_terms(raw: str) -> list[str]:
    """``"anime, Satoshi Kon , "`` → ``["anime", "Satoshi Kon"]``."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def post_input_from(post: Post) -> PostInput:
    """The form values that would save ``post`` unchanged (the base for partial updates)."""
    return PostInput(
        title=post.title,
        body_md=post.body_md,
        slug=post.slug,
        excerpt=typed_excerpt(post),
        tags=[t.name for t in post.tags],
        categories=[c.name for c in post.categories],
        series_title=post.series.title if post.series else "",
        series_part=post.series_part,
        cover_image=post.cover_image or "",
        cover_alt=post.cover_alt,
        comment_status=post.comment_status,
        status=post.status,
        published_at=post.published_at,
    )


def restore_revision(user: User, post: Post, revision: PostRevision) -> Post:
    """Make a revision's text current again; the restore itself becomes a new revision."""
    if revision.post_id != post.id:
        raise DomainError("That revision belongs to another post.", status=404)
    data = post_input_from(post)
    data.title, data.body_md, data.excerpt = revision.title, revision.body_md, revision.excerpt
    if revision.excerpt and is_automatic_excerpt(revision.excerpt, render_post(revision.body_md), ""):
        data.excerpt = ""  # kept by an older version as it showed: it follows the text again
    when = local_time(revision.created_at, "%d %b %Y, %H:%M:%S %Z")  # as the revisions list shows it
    return save_post(user, data, post, revision_note=f"Restored the revision of {when}")


def send_back(editor: User, post: Post, note: str) -> Post:
    """An editor returns a submitted post to its writer as a draft, with a note saying why."""
    if not can_publish(editor) or editor.role not in {Role.ADMIN, Role.EDITOR}:
        raise DomainError("Only editors can send a post back.", status=403)
    if post.status != PostStatus.PENDING:
        raise DomainError("Only posts waiting for review can be sent back.", status=409)
    note = clean_text(note).strip()
    if not note:
        raise DomainError("Say what needs changing, so the writer knows.", field="note")
    post.status = PostStatus.DRAFT
    post.review_note = note[:1000]
    post.version += 1
    post.updated_at = utcnow()
    db.session.flush()
    return post

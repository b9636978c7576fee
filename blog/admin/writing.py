"""What the web editor and the editors' workflow do: preview, autosave, revisions, review queue, upcoming.

Plain functions the routes in ``blog.admin.editor`` call and tests call without a request. Every
save still goes through ``blog.posts.editing.save_post``, so publishing rules hold here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from blog.auth.permissions import can_edit_post, can_moderate, can_post_unfiltered_html
from blog.errors import DomainError
from blog.extensions import db
from blog.media.uploads import srcsets_in
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.media import MediaFile
from blog.models.posts import Category, Post, PostAutosave, PostRevision, PostStatus, Series, Tag
from blog.posts.editing import post_input_from, reading_stats, restore_revision, save_post, send_back
from blog.posts.excerpts import typed_excerpt
from blog.posts.revisions import DiffLine, EditConflict, diff_lines, pending_autosave, save_autosave
from blog.rendering import clean_text, html_to_text, render_post

#: How many recent uploads the cover URL field suggests (its datalist; the library dialog pages through all).
RECENT_MEDIA = 24


# ----------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class Preview:
    html: str
    words: int
    reading_minutes: int


def unfiltered_for(user: User, post: Post | None) -> bool:
    """The same rule ``save_post`` applies: the writer's own capability, or the post's stored one
    when an editor touches someone else's post (an editor's save never widens a contributor's HTML)."""
    if post is None or post.author_id == user.id:
        return can_post_unfiltered_html(user)
    return post.unfiltered_html


def preview(user: User, body_md: str, post: Post | None = None, *, max_bytes: int) -> Preview:
    """The body as the published page will show it: the very same renderer and allowlist."""
    if post is not None and not can_edit_post(user, post):
        raise DomainError("You cannot edit this post.", status=403)
    body_md = clean_text(body_md)
    if len(body_md.encode("utf-8", "replace")) > max_bytes:
        raise DomainError(f"The body is over {max_bytes / (1024 * 1024):g} MB; split it into parts of a series.")
    html = render_post(body_md, unfiltered=unfiltered_for(user, post), image_srcsets=srcsets_in(body_md))
    words, minutes = reading_stats(html_to_text(html))
    return Preview(html=html, words=words if body_md.strip() else 0, reading_minutes=minutes)


# ----------------------------------------------------------------------------- autosave


def autosave(user: User, post: Post, *, title: str, body_md: str, excerpt: str, base_version: int) -> PostAutosave:
    """Keep the editor's text on the server (readers see nothing); ``EditConflict`` if the post moved."""
    try:
        saved = save_autosave(user, post, title=title, body_md=body_md, excerpt=excerpt, base_version=base_version)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return saved


# ----------------------------------------------------------------------------- the editor page


@dataclass
class EditorContext:
    """What the editor shows beside the text, in a constant number of queries."""

    tag_names: list[str]
    category_names: list[str]
    series_titles: list[str]
    recent_media: list[MediaFile]
    autosave: PostAutosave | None = None
    revision_count: int = 0


def editor_context(user: User, post: Post | None) -> EditorContext:
    """Suggestions for tags, categories and series, recent uploads, and a pending autosave."""
    context = EditorContext(
        tag_names=list(db.session.scalars(select(Tag.name).order_by(func.lower(Tag.name)).limit(500))),
        category_names=list(db.session.scalars(select(Category.name).order_by(func.lower(Category.name)).limit(200))),
        series_titles=list(db.session.scalars(select(Series.title).order_by(func.lower(Series.title)).limit(200))),
        recent_media=list(
            db.session.scalars(
                select(MediaFile).order_by(MediaFile.created_at.desc(), MediaFile.id.desc()).limit(RECENT_MEDIA)
            )
        ),
    )
    if post is not None:
        context.autosave = pending_autosave(user, post)
        context.revision_count = (
            db.session.scalar(select(func.count(PostRevision.id)).where(PostRevision.post_id == post.id)) or 0
        )
    return context


# ----------------------------------------------------------------------------- revisions


@dataclass
class RevisionCompare:
    revision: PostRevision
    title_changed: bool
    excerpt_changed: bool
    lines: list[DiffLine] = field(default_factory=list)


def revision_list(post: Post) -> list[PostRevision]:
    """Newest first, with their authors loaded in the same query."""
    return list(
        db.session.scalars(
            select(PostRevision)
            .options(selectinload(PostRevision.author))
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
        )
    )


def same_as_now(post: Post, revisions: list[PostRevision]) -> set[int]:
    """The ids of ``revisions`` whose text is the post's now: nothing to compare or restore."""
    current = (post.title, post.body_md, typed_excerpt(post))
    return {r.id for r in revisions if (r.title, r.body_md, r.excerpt) == current}


def get_revision(post: Post, revision_id: int) -> PostRevision | None:
    revision = db.session.get(PostRevision, revision_id)
    return revision if revision is not None and revision.post_id == post.id else None


def compare_with_current(post: Post, revision: PostRevision) -> RevisionCompare:
    """The revision (old) against the post's current text (new)."""
    return RevisionCompare(
        revision=revision,
        title_changed=revision.title != post.title,
        excerpt_changed=revision.excerpt != typed_excerpt(post),
        lines=diff_lines(revision.body_md, post.body_md),
    )


def restore(user: User, post: Post, revision: PostRevision, *, base_version: int | None) -> Post:
    """Make ``revision`` current (a new revision records the restore); nothing written on refusal."""
    try:
        if base_version is not None and base_version != post.version:
            raise EditConflict(post)
        restored = restore_revision(user, post, revision)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return restored


# ----------------------------------------------------------------------------- review workflow


def review_queue() -> list[Post]:
    """Posts submitted for review, the longest-waiting first (authors, series and tags loaded)."""
    return list(
        db.session.scalars(
            select(Post)
            .options(selectinload(Post.series), selectinload(Post.tags))
            .where(Post.status == PostStatus.PENDING)
            .order_by(Post.updated_at, Post.id)
        ).unique()
    )


def publish_pending(editor: User, post: Post) -> Post:
    """An editor publishes a submitted post as it stands (at its requested date, if one is set)."""
    if not can_moderate(editor):
        raise DomainError("Only editors can publish posts from the review queue.", status=403)
    if post.status != PostStatus.PENDING:
        raise DomainError("This post is no longer waiting for review.", status=409)
    data = post_input_from(post)
    data.status = PostStatus.PUBLISHED
    try:
        saved = save_post(editor, data, post, base_version=post.version, revision_note="Published after review")
        saved.review_note = ""
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return saved


def send_back_with_note(editor: User, post: Post, note: str) -> Post:
    """Return a submitted post to its writer as a draft; the note shows on the writer's editor."""
    try:
        returned = send_back(editor, post, note)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return returned


def upcoming(user: User, now: datetime | None = None) -> list[Post]:
    """Scheduled posts (published, date ahead), soonest first; editors see everyone's."""
    now = now or utcnow()
    query = (
        select(Post)
        .options(selectinload(Post.series))
        .where(Post.status == PostStatus.PUBLISHED, Post.published_at > now)
        .order_by(Post.published_at, Post.id)
    )
    if not can_moderate(user):
        query = query.where(Post.author_id == user.id)
    return list(db.session.scalars(query).unique())

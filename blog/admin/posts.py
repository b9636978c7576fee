"""The staff side of posts: the dashboard's lists, and turning the post form into a saved post.

The views stay thin and the coming full editor (issue 3) reuses these: ``input_from_form`` reads
any form with the ``PostForm`` field names, ``save_from_form`` saves through ``save_post``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import selectinload

from blog.auth.permissions import can_edit_post, can_moderate, can_publish
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.posts import CommentStatusChoice, Post, PostAutosave, PostStatus
from blog.posts.editing import PostInput, save_post, split_terms
from blog.posts.excerpts import typed_excerpt
from blog.posts.revisions import pending_autosave
from blog.reviews.editing import ReviewInput, review_post
from blog.timezone import LocalTimeError, local, local_time, to_utc

from .forms import ACTION_DRAFT, ACTION_PUBLISH, ACTION_PUBLISH_NOW, ACTION_REVIEW

#: The dashboard's tabs, in order. "scheduled" is a published post whose date is ahead.
STATUS_FILTERS = ("all", "draft", "pending", "scheduled", "published", "trash")
STATUS_LABELS = {
    "all": "All",
    "draft": "Drafts",
    "pending": "Pending review",
    "scheduled": "Scheduled",
    "published": "Published",
    "trash": "Trash",
}
#: The longest title search the posts list takes (anything longer is cut, not refused).
SEARCH_MAX = 200


@dataclass
class Dashboard:
    """Everything the dashboard template shows; built in a constant number of queries."""

    posts: list[Post]
    counts: dict[str, int]
    status: str
    page: int
    pages: int
    sees_all: bool
    query: str = ""
    pending_queue: list[Post] = field(default_factory=list)
    editable_ids: set[int] = field(default_factory=set)


def sees_all_posts(user: User) -> bool:
    """Editors and admins work on everyone's posts; authors and contributors on their own."""
    return can_moderate(user)


def _scope(query: Select[Any], user: User) -> Select[Any]:
    return query if sees_all_posts(user) else query.where(Post.author_id == user.id)


def _filter(query: Select[Any], status: str, now: datetime) -> Select[Any]:
    if status == "draft":
        return query.where(Post.status == PostStatus.DRAFT)
    if status == "pending":
        return query.where(Post.status == PostStatus.PENDING)
    if status == "scheduled":
        return query.where(Post.status == PostStatus.PUBLISHED, Post.published_at > now)
    if status == "published":
        return query.where(Post.status == PostStatus.PUBLISHED, Post.published_at <= now)
    if status == "trash":
        return query.where(Post.status == PostStatus.TRASH)
    return query.where(Post.status != PostStatus.TRASH)  # "All", as WordPress's, leaves the trash out


def search_text(raw: str | None) -> str:
    """The posts list's search box as a query: trimmed, one line, no NUL (PostgreSQL refuses it)."""
    return " ".join((raw or "").replace("\x00", "").split())[:SEARCH_MAX]


def _search(query: Select[Any], text: str) -> Select[Any]:
    """Posts whose title holds ``text``, whatever the case; ``%`` and ``_`` are plain characters."""
    if not text:
        return query
    return query.where(func.lower(Post.title).contains(text.lower(), autoescape=True))


def list_date() -> Any:
    """The date the posts list shows and sorts by, as WordPress does: the publish date of a published
    or scheduled post, the last change of any other (a draft has no publish date yet)."""
    return case((Post.status == PostStatus.PUBLISHED, Post.published_at), else_=Post.updated_at)


def status_counts(user: User, now: datetime | None = None, *, search: str = "") -> dict[str, int]:
    """How many posts the user sees under each tab (within the search, if any), in one GROUP BY query."""
    now = now or utcnow()
    future = case((and_(Post.status == PostStatus.PUBLISHED, Post.published_at > now), 1), else_=0)
    query = _scope(select(Post.status, future.label("future"), func.count(Post.id)), user)
    query = _search(query, search).group_by(Post.status, future)
    counts = dict.fromkeys(STATUS_FILTERS, 0)
    for status, is_future, n in db.session.execute(query):
        key = "scheduled" if is_future else PostStatus(status).value
        counts[key] += n
        if key != "trash":
            counts["all"] += n
    return counts


def dashboard(user: User, *, status: str = "all", page: int = 1, per_page: int = 25, search: str = "") -> Dashboard:
    """The user's posts under one tab (and matching ``search`` in their titles), newest date first:
    the date the list shows (``list_date``), so scheduled posts lead and drafts sit by their last
    change. For editors, the review queue too."""
    if status not in STATUS_FILTERS:
        status = "all"
    search = search_text(search)
    now = utcnow()
    counts = status_counts(user, now, search=search)
    pages = max(1, math.ceil(counts[status] / per_page))
    page = min(max(1, page), pages)
    query = _filter(_scope(select(Post).options(selectinload(Post.series)), user), status, now)
    query = _search(query, search).order_by(list_date().desc(), Post.id.desc())
    posts = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    queue: list[Post] = []
    if can_moderate(user):
        queue = list(
            db.session.scalars(
                select(Post)
                .options(selectinload(Post.series))
                .where(Post.status == PostStatus.PENDING)
                .order_by(Post.updated_at)
                .limit(20)
            ).unique()
        )
    editable = {p.id for p in [*posts, *queue] if can_edit_post(user, p)}
    return Dashboard(
        posts=posts,
        counts=counts,
        status=status,
        page=page,
        pages=pages,
        sees_all=sees_all_posts(user),
        query=search,
        pending_queue=queue,
        editable_ids=editable,
    )


# ----------------------------------------------------------------------------- the form


def status_for_action(action: str) -> PostStatus:
    """Which button was pressed → what status the person asked for. Unknown buttons save a draft."""
    return {
        ACTION_DRAFT: PostStatus.DRAFT,
        ACTION_REVIEW: PostStatus.PENDING,
        ACTION_PUBLISH: PostStatus.PUBLISHED,
        ACTION_PUBLISH_NOW: PostStatus.PUBLISHED,
    }.get(action, PostStatus.DRAFT)


def publish_instant(value: datetime | None) -> datetime | None:
    """The form's publish date is naive wall-clock time of the site's zone (the page says which):
    the UTC instant it names. ``DomainError`` on the date field for a time the clocks skip that
    night (the form keeps what was typed); a time they go through twice is the first of the two."""
    if value is None:
        return None
    try:
        return to_utc(value)
    except LocalTimeError as error:
        raise DomainError(error.message, field="published_at") from None


def form_instant(value: datetime | None) -> datetime | None:
    """The UTC instant of the form's date, or None when it is empty or names no instant (a time
    the clocks skip: ``save_post`` says so when the form is sent)."""
    try:
        return publish_instant(value)
    except DomainError:
        return None


def input_from_form(data: Mapping[str, Any], action: str) -> PostInput:
    """A ``PostInput`` from the post form's values (``form.data``) and the button pressed.
    "Publish now" ignores the date field: an empty date means now."""
    comment_status = data.get("comment_status") or CommentStatusChoice.OPEN.value
    return PostInput(
        title=data.get("title") or "",
        body_md=data.get("body_md") or "",
        slug=data.get("slug") or "",
        excerpt=data.get("excerpt") or "",
        tags=split_terms(data.get("tags") or ""),
        categories=split_terms(data.get("categories") or ""),
        series_title=data.get("series_title") or "",
        series_part=data.get("series_part"),
        cover_image=data.get("cover_image") or "",
        cover_alt=data.get("cover_alt") or "",
        comment_status=CommentStatusChoice(comment_status),
        status=status_for_action(action),
        published_at=None if action == ACTION_PUBLISH_NOW else publish_instant(data.get("published_at")),
    )


def _by_name(names: Iterable[str]) -> list[str]:
    """Terms in the order a person reads a list: "anime, comedy, Katsuhiro Otomo", whatever the case.
    (Which order the author typed them in is not stored.)"""
    return sorted(names, key=lambda name: (name.casefold(), name))


def form_data_for(post: Post) -> dict[str, Any]:
    """The post form's initial values for editing ``post`` (the date on the site's wall clock, to
    the minute, as the datetime-local field shows it)."""
    published = None
    if post.published_at is not None:
        published = local(post.published_at).replace(tzinfo=None, second=0, microsecond=0)
    return {
        "title": post.title,
        "slug": post.slug,
        "body_md": post.body_md,
        "excerpt": typed_excerpt(post),
        "tags": ", ".join(_by_name(t.name for t in post.tags)),
        "categories": ", ".join(_by_name(c.name for c in post.categories)),
        "series_title": post.series.title if post.series else "",
        "series_part": post.series_part,
        "cover_image": post.cover_image or "",
        "cover_alt": post.cover_alt,
        "comment_status": post.comment_status.value,
        "published_at": published,
    }


def save_from_form(
    user: User,
    data: Mapping[str, Any],
    action: str,
    post: Post | None = None,
    *,
    max_bytes: int,
    base_version: int | None = None,
    review: ReviewInput | None = None,
) -> Post:
    """Save the form through ``save_post`` and commit; ``DomainError`` leaves nothing written.

    ``base_version`` is the post version the editor was opened on: if someone saved since,
    ``EditConflict`` (409) is raised instead of overwriting their text. ``review`` (the editor's
    review details on a new post) is saved through ``review_post`` in the same transaction: if
    it is refused, the post is not saved either.
    """
    try:
        saved = save_post(user, input_from_form(data, action), post, max_bytes=max_bytes, base_version=base_version)
        if review is not None:
            review_post(user, saved, review)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return saved


def saved_message(post: Post, *, was_live: bool = False) -> str:
    """The flash after a save, saying where the post now stands: "Post updated." when it was
    already out (``was_live``) and still is, as WordPress says; "Post published." only when
    this save put it out."""
    if post.is_scheduled and post.published_at is not None:
        return f"Scheduled for {local_time(post.published_at, '%d %b %Y, %H:%M %Z')}."
    if was_live and post.status == PostStatus.PUBLISHED:
        return "Post updated."
    return {
        PostStatus.DRAFT: "Draft saved.",
        PostStatus.PENDING: "Submitted for review. An editor will look at it.",
        PostStatus.PUBLISHED: "Post published.",
    }[post.status]


def publish_label(post: Post | None, when: datetime | None, now: datetime | None = None) -> str:
    """What the publish button does with the date in the form, in WordPress's words: "Schedule"
    for a future date (unless the post is scheduled already), "Publish" for now or a past date
    (unless it is out already), else "Update". editor.js applies the same rule as the date changes."""
    future = when is not None and when > (now or utcnow())
    if future and not (post is not None and post.is_scheduled):
        return "Schedule"
    if not future and not (post is not None and post.is_live):
        return "Publish"
    return "Update"


def buttons_for(user: User, post: Post | None, when: datetime | None = None) -> list[tuple[str, str, bool]]:
    """The form's submit buttons as (action, label, primary), in page order; ``when`` is the
    instant the form's date names (None: empty, "now").

    Pressing Enter in a field submits with the first button, so it is the one that changes the
    least: "Save draft" for a post not yet out, "Update" for a published or scheduled one. A
    scheduled post also offers "Publish now". Publishing is offered only to those who may publish;
    ``save_post`` refuses it for others anyway.
    """
    if not can_publish(user):
        return [(ACTION_DRAFT, "Save draft", False), (ACTION_REVIEW, "Submit for review", True)]
    label = publish_label(post, when)
    if post is not None and post.is_scheduled:
        return [
            (ACTION_PUBLISH, label, True),
            (ACTION_PUBLISH_NOW, "Publish now", False),
            (ACTION_DRAFT, "Switch to draft", False),
        ]
    if post is not None and post.is_live:
        return [(ACTION_PUBLISH, label, True), (ACTION_DRAFT, "Switch to draft", False)]
    return [(ACTION_DRAFT, "Save draft", False), (ACTION_PUBLISH, label, True)]


def get_editable_post(user: User, post_id: int) -> Post | None:
    """The post, or None if there is none; ``DomainError`` (403) if ``user`` may not edit it."""
    post = db.session.get(Post, post_id)
    if post is None:
        return None
    if not can_edit_post(user, post):
        raise DomainError("You cannot edit this post.", status=403)
    return post


def trash_post(user: User, post: Post) -> str:
    """Move ``post`` to the trash: off the site at once (its address answers "not found", its
    comments go with it), restorable as a draft for ``POSTS_TRASH_DAYS``. Returns its title."""
    if not can_edit_post(user, post):
        raise DomainError("You cannot delete this post.", status=403)
    post.status = PostStatus.TRASH
    post.updated_at = utcnow()  # when it was trashed: the purge counts from here
    db.session.commit()
    return post.title


def restore_post(user: User, post: Post) -> str:
    """Take ``post`` out of the trash as a draft (as WordPress does): nothing goes live by itself."""
    if not can_edit_post(user, post):
        raise DomainError("You cannot restore this post.", status=403)
    if post.status != PostStatus.TRASH:
        raise DomainError("That post is not in the trash.", status=409)
    post.status = PostStatus.DRAFT
    post.updated_at = utcnow()
    db.session.commit()
    return post.title


def delete_post(user: User, post: Post) -> str:
    """Delete a trashed ``post`` for good (comments, tag links and old slugs go with it)."""
    if not can_edit_post(user, post):
        raise DomainError("You cannot delete this post.", status=403)
    if post.status != PostStatus.TRASH:
        raise DomainError("Move the post to the trash first.", status=409)
    title = post.title
    db.session.delete(post)
    db.session.commit()
    return title


def purge_trash(now: datetime | None = None) -> int:
    """Delete posts trashed more than ``POSTS_TRASH_DAYS`` ago (lazily, when the posts list is shown)."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["POSTS_TRASH_DAYS"]))
    expired = list(db.session.scalars(select(Post).where(Post.status == PostStatus.TRASH, Post.updated_at < cutoff)))
    for post in expired:
        db.session.delete(post)
    if expired:
        db.session.commit()
    return len(expired)


def autosave_for(user: User, post: Post) -> PostAutosave | None:
    """The editor's newer server autosave of ``post`` for ``user``, if there is one to offer back."""
    return pending_autosave(user, post)

"""What a new comment's checks need from the database, read in one statement before anything is written.

Posting used to ask one question per check (the post, a ban, a duplicate, an approved comment before,
the moderators to email, the parent), each an ORM round trip of ~0.5 ms. Here they are columns and
scalar subqueries of a single prebuilt ``SELECT`` run on the session's connection; the checks
themselves still run in their usual order in Python (``blog.comments.posting``), with the same
messages. The clauses come from the modules that own the rules (``bans``, ``spam``, ``moderation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, literal, select

from blog.comments.bans import ban_for
from blog.comments.moderation import approved_comment_by
from blog.comments.spam import same_text_by
from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.discussion import Subscription, SubscriptionKind
from blog.models.posts import CommentStatusChoice, Post, PostStatus

_COMMENTS = Comment.__table__
_PARENT = _COMMENTS.alias("parent")  # type: ignore[attr-defined]
_ROOT = _COMMENTS.alias("root")  # type: ignore[attr-defined]
#: Who gets the "please moderate" email (as ``notify.moderator_emails``).
MODERATOR_ROLES = (Role.ADMIN, Role.EDITOR)


@dataclass(slots=True)
class PostFacts:
    """The post being commented on, as the checks, the emails and the webhooks read it."""

    id: int
    slug: str
    title: str
    status: PostStatus
    published_at: datetime | None
    comment_status: CommentStatusChoice
    author_id: int
    author_email: str
    #: Approved comments, not deleted (``Post.comment_count``, before this one).
    comment_count: int

    @property
    def is_live(self) -> bool:
        return self.status == PostStatus.PUBLISHED and self.published_at is not None and self.published_at <= utcnow()

    @property
    def comments_open(self) -> bool:
        return self.comment_status == CommentStatusChoice.OPEN


@dataclass(slots=True)
class ParentFacts:
    """The comment being answered and the top of its thread (lock, and sort keys for the page number)."""

    id: int
    post_id: int
    status: CommentStatus
    deleted: bool
    thread_id: int
    depth: int
    root_locked: bool
    root_pinned: bool
    root_like_count: int
    root_created_at: datetime


@dataclass(slots=True)
class Facts:
    post: PostFacts
    parent: ParentFacts | None
    #: Id of the ban in force against this commenter (account, email or IP), if any.
    ban_id: int | None
    duplicate: bool
    approved_before: bool
    #: Guests under ``COMMENTS_GUEST_EMAIL_CONFIRM``: an approved guest comment under this address exists.
    email_confirmed_before: bool
    moderator_emails: list[str]
    #: Someone confirmed a subscription on this post (to it, or to replies to one of its comments)
    #: that is emailed per comment: without one, an approved comment asks nothing more.
    has_subscribers: bool


_STATEMENTS: dict[tuple[bool, bool, bool, bool], Select[Any]] = {}


def _statement(by_slug: bool, signed_in: bool, with_parent: bool, guest_confirm: bool) -> Select[Any]:
    """Built once per shape: constructing a statement this size costs more than running it."""
    key = (by_slug, signed_in, with_parent, guest_confirm)
    stmt = _STATEMENTS.get(key)
    if stmt is not None:
        return stmt
    user_id, email, name = bindparam("user_id"), bindparam("email"), bindparam("name")
    author = User.__table__.alias("author")  # type: ignore[attr-defined]
    moderators = select(func.aggregate_strings(User.email, "\n")).where(
        User.role.in_(MODERATOR_ROLES), User.active.is_(True), User.email.is_not(None), User.email != ""
    )
    columns: list[Any] = [
        Post.id,
        Post.slug,
        Post.title,
        Post.status,
        Post.published_at,
        Post.comment_status,
        Post.author_id,
        Post.comment_count,
        author.c.email.label("author_email"),
        ban_for(bindparam("ban_account"), email, bindparam("ip"), bindparam("now")).scalar_subquery().label("ban_id"),
        exists(same_text_by(Post.id, bindparam("body"), user_id if signed_in else None, email)).label("duplicate"),
        exists(approved_comment_by(user_id if signed_in else None, email, name)).label("approved_before"),
        (
            exists(
                select(Comment.id).where(
                    Comment.author_email == email, Comment.user_id.is_(None), Comment.status == CommentStatus.APPROVED
                )
            )
            if guest_confirm
            else literal(False)
        ).label("email_confirmed_before"),
        moderators.scalar_subquery().label("moderator_emails"),
        exists(
            select(Subscription.id).where(
                Subscription.kind.in_(list(SubscriptionKind)),
                Subscription.post_id == Post.id,
                Subscription.confirmed_at.is_not(None),
                Subscription.unsubscribed_at.is_(None),
                Subscription.digest.is_(False),
            )
        ).label("has_subscribers"),
    ]
    source: Any = Post.__table__.join(author, author.c.id == Post.author_id)
    if with_parent:
        parent, root = _PARENT, _ROOT
        columns += [
            parent.c.id.label("parent_id"),
            parent.c.post_id.label("parent_post_id"),
            parent.c.status.label("parent_status"),
            parent.c.deleted.label("parent_deleted"),
            func.coalesce(parent.c.thread_id, parent.c.id).label("parent_thread_id"),
            parent.c.depth.label("parent_depth"),
            root.c.locked.label("root_locked"),
            root.c.pinned.label("root_pinned"),
            root.c.like_count.label("root_like_count"),
            root.c.created_at.label("root_created_at"),
        ]
        source = source.outerjoin(parent, parent.c.id == bindparam("parent_id")).outerjoin(
            root, root.c.id == func.coalesce(parent.c.thread_id, parent.c.id)
        )
    where = Post.slug == bindparam("slug") if by_slug else Post.id == bindparam("post_id")
    stmt = _STATEMENTS[key] = select(*columns).select_from(source).where(where)
    return stmt


def read_facts(
    post_ref: str | int,
    *,
    user_id: int | None,
    email: str,
    name: str,
    ip: str,
    body: str,
    parent_id: int | None,
    guest_confirm: bool,
) -> Facts | None:
    """Everything the checks ask the database, in one round trip; None when there is no such post."""
    signed_in = user_id is not None
    by_slug = isinstance(post_ref, str)
    stmt = _statement(by_slug, signed_in, parent_id is not None, guest_confirm and not signed_in)
    params = {
        "slug" if by_slug else "post_id": post_ref,
        "user_id": user_id,
        "email": email,
        "name": name,
        "ban_account": str(user_id) if signed_in else None,
        "ip": ip.strip(),
        "now": utcnow(),
        "body": body,
        "parent_id": parent_id,
    }
    row = db.session.connection().execute(stmt, params).first()
    if row is None:
        return None
    post = PostFacts(
        row.id,
        row.slug,
        row.title,
        row.status,
        row.published_at,
        row.comment_status,
        row.author_id,
        row.author_email or "",
        int(row.comment_count or 0),
    )
    parent = None
    if parent_id is not None and row.parent_id is not None:
        parent = ParentFacts(
            row.parent_id,
            row.parent_post_id,
            CommentStatus(row.parent_status),
            bool(row.parent_deleted),
            row.parent_thread_id,
            row.parent_depth,
            bool(row.root_locked),
            bool(row.root_pinned),
            int(row.root_like_count or 0),
            row.root_created_at or utcnow(),
        )
    emails = [address for address in (row.moderator_emails or "").split("\n") if address]
    return Facts(
        post=post,
        parent=parent,
        ban_id=row.ban_id,
        duplicate=bool(row.duplicate),
        approved_before=bool(row.approved_before),
        email_confirmed_before=bool(row.email_confirmed_before),
        moderator_emails=emails,
        has_subscribers=bool(row.has_subscribers),
    )

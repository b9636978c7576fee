"""Moderation: the rules that decide a new comment's status, and what moderators do afterwards.

Every status change goes through ``change_status`` so that two things always hold: the change is
recorded as a ``ModerationAction`` (who, when, reason code, note), and ``Post.comment_count``
(approved, not deleted) moves with it, so lists never count comments per post.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, delete, func, insert, or_, select, update

from blog.auth.permissions import can_moderate
from blog.comments.spam import Submission, disallowed_key, matching_key
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.comments import REASON_CODES, REASON_LABELS, Comment, CommentStatus, ModerationAction
from blog.models.posts import Post

MODES = ("all-approved", "first", "hold-all")
BULK_ACTIONS = {
    "approve": CommentStatus.APPROVED,
    "unapprove": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
}


# ----------------------------------------------------------------------------- rules for new comments


_URL = re.compile(r"(?:https?|ftp)://|(?<![/\w.])www\.", re.IGNORECASE)


def count_links(body_html: str, source: str = "") -> int:
    """Links in the comment: the rendered ones (autolinked included) or the URLs typed, if more."""
    return max(body_html.count("<a "), len(_URL.findall(source)))


def hold_reason(sub: Submission, body_html: str, *, check_first: bool = True) -> str | None:
    """Why a comment should wait for a moderator, or None. The WordPress rules, in its order."""
    config = current_app.config
    mode = config["COMMENTS_MODERATION"]
    if mode == "hold-all":
        return "Every comment is held for moderation."
    max_links = int(config["COMMENTS_MAX_LINKS"])
    links = count_links(body_html, sub.body)
    if max_links >= 0 and links > max_links:
        return f"Contains {links} links (more than {max_links})."
    key = matching_key(config["COMMENTS_MODERATION_KEYS"], sub.fields())
    if key:
        return f"Matches the moderation key \u201c{key}\u201d."
    if check_first and mode == "first" and not has_approved_comment(sub):
        return "First comment from this commenter."
    return None


def approved_comment_by(user_id: Any, email: Any, name: Any) -> Select[tuple[int]]:
    """Approved comments by this account, or (``user_id`` None) by this guest name and email."""
    if user_id is not None:
        who = Comment.user_id == user_id
    else:
        who = and_(Comment.author_email == email, Comment.author_name == name)
    return select(Comment.id).where(who, Comment.status == CommentStatus.APPROVED)


def has_approved_comment(sub: Submission) -> bool:
    """WordPress's "comment author must have a previously approved comment"."""
    if sub.approved_before is not None:
        return sub.approved_before
    stmt = approved_comment_by(sub.user_id, sub.email.strip().lower(), sub.name.strip()).limit(1)
    return db.session.scalar(stmt) is not None


def initial_status(sub: Submission, body_html: str, user: Any, post: Post) -> tuple[CommentStatus, str]:
    """The status a new comment starts in, and the note explaining it (empty when approved)."""
    if can_moderate(user) or (user is not None and getattr(user, "id", None) == post.author_id):
        return CommentStatus.APPROVED, ""
    key = disallowed_key(sub)
    if key:
        return CommentStatus.SPAM, f"Matches the disallowed key \u201c{key}\u201d."
    reason = hold_reason(sub, body_html)
    if reason:
        return CommentStatus.PENDING, reason
    return CommentStatus.APPROVED, ""


def recheck_after_edit(comment: Comment, sub: Submission) -> tuple[CommentStatus, str] | None:
    """An approved comment edited into spam or link bait goes back to moderation; None keeps it."""
    if comment.status != CommentStatus.APPROVED:
        return None
    key = disallowed_key(sub)
    if key:
        return CommentStatus.SPAM, f"Edited; matches the disallowed key \u201c{key}\u201d."
    reason = hold_reason(sub, comment.body_html, check_first=False)
    if reason and current_app.config["COMMENTS_MODERATION"] != "hold-all":
        return CommentStatus.PENDING, "Edited; " + reason[0].lower() + reason[1:]
    return None


# ----------------------------------------------------------------------------- counts


def counts_toward_total(status: CommentStatus, deleted: bool) -> bool:
    return status == CommentStatus.APPROVED and not deleted


def adjust_comment_counts(deltas: Counter[int]) -> None:
    """Move ``Post.comment_count`` by each post's delta in one UPDATE per post (atomic in SQL)."""
    for post_id, delta in deltas.items():
        if delta:
            db.session.execute(
                update(Post)
                .where(Post.id == post_id)
                .values(comment_count=Post.comment_count + delta)
                .execution_options(synchronize_session=False)
            )


def recount(post_ids: Iterable[int] | None = None) -> None:
    """Recompute ``comment_count`` from the comments themselves (one GROUP BY); a repair tool."""
    counted = (
        select(Comment.post_id, func.count(Comment.id))
        .where(Comment.status == CommentStatus.APPROVED, Comment.deleted.is_(False))
        .group_by(Comment.post_id)
    )
    ids = list(post_ids) if post_ids is not None else None
    if ids is not None:
        counted = counted.where(Comment.post_id.in_(ids))
    totals = dict(db.session.execute(counted).all())
    targets = select(Post.id) if ids is None else select(Post.id).where(Post.id.in_(ids))
    for post_id in db.session.scalars(targets):
        db.session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(comment_count=totals.get(post_id, 0))
            .execution_options(synchronize_session=False)
        )


# ----------------------------------------------------------------------------- actions


def _check_reason(reason: str) -> None:
    if reason and reason not in REASON_LABELS:
        raise DomainError("Choose a reason from the list.", field="reason")


def _history_line(
    comment_id: int,
    action: str,
    actor: User | None,
    reason: str,
    note: str,
    from_status: str,
    to_status: str,
) -> dict[str, Any]:
    """One line of a comment's history, as ``ModerationAction``'s columns; the reason checked."""
    _check_reason(reason)
    return {
        "comment_id": comment_id,
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "reason": reason,
        "note": note[:1000],
        "from_status": from_status,
        "to_status": to_status,
    }


def record(
    comment: Comment,
    action: str,
    *,
    actor: User | None = None,
    reason: str = "",
    note: str = "",
    from_status: str = "",
    to_status: str = "",
) -> ModerationAction:
    """Add one line to the comment's history."""
    entry = ModerationAction(**_history_line(comment.id, action, actor, reason, note, from_status, to_status))
    db.session.add(entry)
    return entry


def change_status(
    comments: Sequence[Comment],
    status: CommentStatus,
    *,
    actor: User | None,
    action: str,
    reason: str = "",
    note: str = "",
    announce: bool = True,
) -> int:
    """Move comments to ``status``, recording each change and keeping comment counts true.

    The history lines go in with one INSERT, so a bulk action costs the same statements for one
    comment as for a page of them. ``announce=False`` (an undo) tells nobody outside: see
    ``events.status_changed``."""
    _check_reason(reason)  # before anything moves
    db.session.flush()  # history lines added before this call get their time (and place) first
    deltas: Counter[int] = Counter()
    moved: list[Comment] = []
    lines: list[dict[str, Any]] = []
    now = utcnow()
    for comment in comments:
        if comment.status == status:
            continue
        before = comment.status
        deltas[comment.post_id] += int(counts_toward_total(status, comment.deleted)) - int(
            counts_toward_total(before, comment.deleted)
        )
        comment.status = status
        comment.status_changed_at = now
        line = _history_line(comment.id, action, actor, reason, note, before.value, status.value)
        lines.append({**line, "created_at": now})
        moved.append(comment)
    if lines:
        db.session.execute(insert(ModerationAction), lines)  # no ids read back: one statement
    adjust_comment_counts(deltas)
    if moved:
        from blog.comments import events

        events.status_changed(moved, status, actor, announce=announce)  # reports resolved, approvals told
    return len(moved)


def previous_status(comment: Comment) -> CommentStatus:
    """Where a comment was before it went to spam or trash (restoring puts it back there)."""
    before = db.session.scalar(
        select(ModerationAction.from_status)
        .where(ModerationAction.comment_id == comment.id, ModerationAction.to_status == comment.status.value)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(1)
    )
    if before in {CommentStatus.APPROVED.value, CommentStatus.PENDING.value}:
        return CommentStatus(before)
    return CommentStatus.PENDING


@dataclass(frozen=True, slots=True)
class Move:
    """One comment a moderator's action moved: where it was, and where the action put it."""

    comment_id: int
    before: CommentStatus
    after: CommentStatus


def moderate(comment_ids: Sequence[int], action: str, actor: User, *, reason: str = "", note: str = "") -> list[Move]:
    """Approve, unapprove, spam, trash or restore comments by id (the queue's row and bulk actions).

    Returns the comments that moved, with their statuses before and after, for ``blog.comments.undo``."""
    if reason and reason not in REASON_CODES:  # the moderators' list, not the site's own reasons
        raise DomainError("Choose a reason from the list.", field="reason")
    if action != "restore" and action not in BULK_ACTIONS:
        raise DomainError("Choose an action.", field="action")
    comments = list(db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids))))
    before = {comment.id: comment.status for comment in comments}
    if action == "restore":
        for comment in comments:
            if comment.status in {CommentStatus.SPAM, CommentStatus.TRASH}:
                change_status(
                    [comment], previous_status(comment), actor=actor, action="restore", reason=reason, note=note
                )
    else:
        if action == "spam" and not reason:
            reason = "spam"
        change_status(comments, BULK_ACTIONS[action], actor=actor, action=action, reason=reason, note=note)
    moves = [Move(c.id, before[c.id], c.status) for c in comments if c.status != before[c.id]]
    db.session.commit()
    return moves


def edit_comment(comment: Comment, actor: User, *, body: str, name: str, email: str, url: str, note: str = "") -> None:
    """A moderator's edit: text and author details; the body is re-rendered at once."""
    from blog.comments.posting import clean_author, validate_body
    from blog.rendering import render_comment

    validate_body(body)
    name, email, url = clean_author(name, email, url, require_email=False)
    comment.body_source = body.strip()
    comment.body_html = render_comment(comment.body_source)
    comment.author_name, comment.author_email, comment.author_url = name, email, url
    comment.edited_at = utcnow()
    record(comment, "edit", actor=actor, note=note, from_status=comment.status.value, to_status=comment.status.value)
    db.session.commit()


def reply_as(actor: User, parent: Comment, body: str) -> Comment:
    """A moderator's reply from the queue, under their own name; a held parent is approved first
    (WordPress's "Approve and Reply"), since a reply under a hidden comment would be hidden too."""
    from blog.comments.posting import CommentInput, post_comment

    if not can_moderate(actor):
        raise DomainError("Only moderators reply from the queue.", status=403)
    if parent.deleted or parent.status in {CommentStatus.SPAM, CommentStatus.TRASH}:
        raise DomainError("Restore the comment before replying to it.", status=409)
    post = db.session.get(Post, parent.post_id)
    if post is None:
        raise DomainError("That post no longer exists.", status=404)
    if parent.status == CommentStatus.PENDING:
        change_status([parent], CommentStatus.APPROVED, actor=actor, action="approve", note="Approved to reply.")
        db.session.flush()
    return post_comment(post, CommentInput(body=body, parent_id=parent.id), actor, as_moderator=True)


def history(comment_id: int) -> list[ModerationAction]:
    """The comment's history, oldest first, with each actor loaded in the same query."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(ModerationAction)
            .options(joinedload(ModerationAction.actor))
            .where(ModerationAction.comment_id == comment_id)
            .order_by(ModerationAction.created_at, ModerationAction.id)
        )
    )


def status_counts() -> dict[str, int]:
    """How many comments each tab holds, by one GROUP BY."""
    rows = db.session.execute(select(Comment.status, func.count(Comment.id)).group_by(Comment.status)).all()
    counts = {status.value: 0 for status in CommentStatus}
    for status, n in rows:
        counts[CommentStatus(status).value] = n
    return counts


def purge_trash(now: datetime | None = None) -> int:
    """Delete comments that have been in the trash longer than ``COMMENTS_TRASH_DAYS``.

    A trashed comment that still has replies keeps a scrubbed row (shown as "This comment was
    deleted") so its replies stay in their thread; everything else goes.
    """
    days = int(current_app.config["COMMENTS_TRASH_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    expired = select(Comment.id).where(Comment.status == CommentStatus.TRASH, Comment.status_changed_at < cutoff)
    removed = 0
    # Leaves first, again and again: a chain of trashed replies empties from the bottom up.
    for _ in range(int(current_app.config["COMMENTS_MAX_DEPTH"]) + 2):
        children = select(Comment.parent_id).where(Comment.parent_id.is_not(None))
        result = db.session.execute(
            delete(Comment)
            .where(Comment.id.in_(expired), Comment.id.not_in(children))
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:
            break
        removed += result.rowcount
    # What remains has replies: keep only the skeleton.
    db.session.execute(
        update(Comment)
        .where(Comment.id.in_(expired), or_(Comment.body_source != "", Comment.deleted.is_(False)))
        .values(body_source="", body_html="", deleted=True, author_email="", author_url="", author_ip="", user_agent="")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return removed


def histories(comment_ids: Sequence[int]) -> dict[int, list[ModerationAction]]:
    """Histories of many comments (a queue page) in one query."""
    from sqlalchemy.orm import joinedload

    grouped: dict[int, list[ModerationAction]] = {cid: [] for cid in comment_ids}
    if not comment_ids:
        return grouped
    rows = db.session.scalars(
        select(ModerationAction)
        .options(joinedload(ModerationAction.actor))
        .where(ModerationAction.comment_id.in_(list(comment_ids)))
        .order_by(ModerationAction.created_at, ModerationAction.id)
    )
    for entry in rows:
        grouped[entry.comment_id].append(entry)
    return grouped

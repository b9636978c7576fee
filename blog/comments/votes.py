"""Likes on comments: one per account, or per browser for guests, with a per-address cap.

A guest browser is known by a random id in the signed session cookie; clearing cookies gives a
new id, so ``COMMENTS_VOTES_PER_IP`` caps how many likes one address may give one comment. The
count is kept on ``Comment.like_count`` (moved by the same UPDATE that records the vote) so the
thread query can sort by it without counting.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, has_request_context, session
from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from blog.comments import cards
from blog.errors import DomainError
from blog.extensions import db
from blog.models.comments import Comment, CommentStatus
from blog.models.discussion import CommentVote

BROWSER_KEY = "voter"


@dataclass
class Voter:
    """Who is liking: an account, or a guest browser; ``ip`` for the per-address cap."""

    user_id: int | None = None
    browser_id: str | None = None
    ip: str = ""

    def owns_clause(self) -> object:
        if self.user_id is not None:
            return CommentVote.user_id == self.user_id
        return and_(CommentVote.user_id.is_(None), CommentVote.browser_id == self.browser_id)


def browser_id(create: bool = False) -> str | None:
    """This browser's voter id from the signed session; made on first use when ``create``."""
    if not has_request_context():
        return None
    value = session.get(BROWSER_KEY)
    if isinstance(value, str) and value:
        return value
    if not create:
        return None
    value = secrets.token_urlsafe(16)
    session[BROWSER_KEY] = value
    return value


def _votable(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise DomainError("There is no such comment.", status=404)
    if comment.deleted or comment.status != CommentStatus.APPROVED:
        raise DomainError("This comment cannot be liked.", status=409)
    return comment


def _threads_of(comment: Comment) -> dict[str, list[int]]:
    """The like count shows in the comment's card and its thread's: the refresh need not look them up."""
    return {cards.THREADS_OPTION: [comment.thread_id or comment.id]}


def toggle_like(comment_id: int, voter: Voter) -> tuple[bool, int]:
    """Like the comment, or take the like back if this voter already gave one.

    Returns (liked now, like count). Refuses unknown, deleted and unapproved comments, and a
    new like past the per-address cap.
    """
    if voter.user_id is None and not voter.browser_id:
        raise DomainError("Your browser must accept cookies to like comments.", status=400)
    comment = _votable(comment_id)
    existing = db.session.scalar(
        select(CommentVote.id).where(CommentVote.comment_id == comment.id, voter.owns_clause())  # type: ignore[arg-type]
    )
    if existing is not None:
        db.session.execute(delete(CommentVote).where(CommentVote.id == existing))
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(like_count=case((Comment.like_count > 0, Comment.like_count - 1), else_=0))
            .execution_options(synchronize_session=False, **_threads_of(comment))
        )
        db.session.commit()
        return False, _count(comment.id)
    cap = int(current_app.config["COMMENTS_VOTES_PER_IP"])
    if voter.ip and cap > 0:
        from_ip = db.session.scalar(
            select(func.count(CommentVote.id)).where(CommentVote.comment_id == comment.id, CommentVote.ip == voter.ip)
        )
        if (from_ip or 0) >= cap:
            raise DomainError("Too many likes for this comment came from your network.", status=429)
    db.session.add(
        CommentVote(
            comment_id=comment.id,
            user_id=voter.user_id,
            browser_id=None if voter.user_id is not None else voter.browser_id,
            ip=voter.ip[:64],
        )
    )
    try:
        db.session.flush()
    except IntegrityError:  # the same voter's other request won the race: the like is there already
        db.session.rollback()
        return True, _count(comment_id)
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(like_count=Comment.like_count + 1)
        .execution_options(synchronize_session=False, **_threads_of(comment))
    )
    db.session.commit()
    return True, _count(comment.id)


def _count(comment_id: int) -> int:
    return int(db.session.scalar(select(Comment.like_count).where(Comment.id == comment_id)) or 0)


def liked_ids(comment_ids: Sequence[int], voter: Voter) -> set[int]:
    """Which of these comments this voter liked: one query, none for a browser that never voted."""
    if not comment_ids or (voter.user_id is None and not voter.browser_id):
        return set()
    stmt = select(CommentVote.comment_id).where(CommentVote.comment_id.in_(list(comment_ids)), voter.owns_clause())  # type: ignore[arg-type]
    return set(db.session.scalars(stmt))

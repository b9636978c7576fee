"""Readers' own scores: one per account (or per confirmed email for guests), changeable.

The comment form (``blog.comments``) hands a score given with a comment to ``rate_work``; the
post page's small rating form does the same for signed-in readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Float, bindparam, cast, func, or_, select

from blog.database import Prepared
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.works import ReaderRating, Review, Work
from blog.reviews.editing import check_score, format_score, on_scale, score_scale


@dataclass(frozen=True)
class ReaderStats:
    """Readers' average (on the current scale) and how many rated."""

    average: float | None
    count: int


def _owner_filter(who: User | str) -> Any:
    if isinstance(who, User):
        if who.email and who.email_verified:
            return or_(ReaderRating.user_id == who.id, ReaderRating.email == who.email.lower())
        return ReaderRating.user_id == who.id
    return ReaderRating.email == _email(who)


def _email(value: str) -> str:
    email = value.strip().lower()
    if "@" not in email or len(email) > 254:
        raise DomainError("A rating needs a confirmed email address.", field="email")
    return email


def rate_work(
    work: Work,
    who: User | str,
    score: float,
    *,
    scale: int | None = None,
    post_id: int | None = None,
    comment_id: int | None = None,
) -> ReaderRating:
    """Give or change ``who``'s score for ``work``. ``who`` is a signed-in user or a confirmed email.

    A guest rating made with an email is taken over by the account that later confirms that email,
    so a reader never counts twice.
    """
    if isinstance(who, User) and not who.is_active:
        raise DomainError("This account cannot rate.", status=403)
    scale = scale or score_scale()
    checked = check_score(score, scale)
    if checked is None:
        raise DomainError("Choose a score.", field="score")
    work_id = work.id
    user_id, email = (who.id, None) if isinstance(who, User) else (None, _email(who))
    rows = db.session.scalars(select(ReaderRating).where(ReaderRating.work_id == work_id, _owner_filter(who))).all()
    rating = rows[0] if rows else None
    for extra in rows[1:]:  # an account row and an email row of the same reader: keep one
        db.session.delete(extra)
    if len(rows) > 1:
        db.session.flush()  # deletes first, so the kept row can take over the account's unique key
    if rating is None:
        rating = ReaderRating(work_id=work_id, score=checked, scale=scale)
        db.session.add(rating)
    rating.user_id = user_id
    rating.email = email
    rating.score = checked
    rating.scale = scale
    rating.post_id = post_id if post_id is not None else rating.post_id
    rating.comment_id = comment_id if comment_id is not None else rating.comment_id
    rating.updated_at = utcnow()
    db.session.flush()
    return rating


def remove_rating(work: Work, who: User | str) -> bool:
    """Withdraw ``who``'s score for ``work``; True when there was one."""
    rows = db.session.scalars(select(ReaderRating).where(ReaderRating.work_id == work.id, _owner_filter(who))).all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return bool(rows)


def rating_of(work_id: int, who: User | str) -> float | None:
    """``who``'s current score for a work on the current scale, or None."""
    row = db.session.execute(
        select(ReaderRating.score, ReaderRating.scale)
        .where(ReaderRating.work_id == work_id, _owner_filter(who))
        .limit(1)
    ).first()
    return on_scale(row.score, row.scale, score_scale()) if row else None


def reader_stats(work_ids: Iterable[int]) -> dict[int, ReaderStats]:
    """Readers' average and count for each work, in one GROUP BY query."""
    ids = list(set(work_ids))
    if not ids:
        return {}
    scale = score_scale()
    normalised = cast(ReaderRating.score, Float) * scale / ReaderRating.scale
    rows = db.session.execute(
        select(ReaderRating.work_id, func.avg(normalised), func.count(ReaderRating.id))
        .where(ReaderRating.work_id.in_(ids))
        .group_by(ReaderRating.work_id)
    ).all()
    stats = {
        work_id: ReaderStats(round(float(avg), 1) if avg is not None else None, count) for work_id, avg, count in rows
    }
    return {work_id: stats.get(work_id, ReaderStats(None, 0)) for work_id in ids}


def reader_scores_for_comments(work_id: int, comments: Iterable[Any]) -> dict[int, float]:
    """Each comment's writer's score for ``work_id`` (by account, else by email), in one query.

    For the comments area: ``comment.id -> score`` for the comments whose writer rated the work.
    """
    comments = list(comments)
    user_ids = {c.user_id for c in comments if getattr(c, "user_id", None)}
    emails = {c.author_email.lower() for c in comments if getattr(c, "author_email", "")}
    if not comments or not (user_ids or emails):
        return {}
    rows = db.session.execute(
        select(ReaderRating.user_id, ReaderRating.email, ReaderRating.score, ReaderRating.scale).where(
            ReaderRating.work_id == work_id,
            or_(ReaderRating.user_id.in_(user_ids or {0}), ReaderRating.email.in_(emails or {""})),
        )
    ).all()
    scale = score_scale()
    by_user = {r.user_id: on_scale(r.score, r.scale, scale) for r in rows if r.user_id}
    by_email = {r.email: on_scale(r.score, r.scale, scale) for r in rows if r.email}
    scores: dict[int, float] = {}
    for c in comments:
        score = by_user.get(getattr(c, "user_id", None))
        if score is None:
            score = by_email.get((getattr(c, "author_email", "") or "").lower())
        if score is not None:
            scores[c.id] = score
    return scores


def comment_rating_target(post_id: int, raw_score: str, signed_in: bool) -> tuple[Work, float] | None:
    """The work and score a comment's optional "Your score" field asks for, checked before anything is stored.

    Readers rate through their account (one score per account, changeable); a guest who types a score is
    told to sign in, and keeps their comment text.
    """
    raw = (raw_score or "").strip().replace(",", ".")
    if not raw:
        return None
    review = db.session.scalar(select(Review).where(Review.post_id == post_id))
    if review is None:
        raise DomainError("This post does not review a work, so it takes no score.")
    if not signed_in:
        raise DomainError("Sign in to give your own score; guests can comment without one.")
    scale = score_scale()
    try:
        value = float(raw)
    except ValueError:
        raise DomainError(f"The score is a number from 0 to {scale}.", field="score") from None
    checked = check_score(value, scale)
    work = db.session.get(Work, review.work_id)
    if work is None or checked is None:
        return None
    return work, checked


def _work_reviewed_by(post_id: Any) -> Any:
    """The work the post ``post_id`` (a column or a bound parameter) reviews."""
    return select(Review.work_id).where(Review.post_id == post_id)


_REVIEWED_WORK = Prepared(lambda: _work_reviewed_by(bindparam("post_id")))


def reviewed_work_column(post: Any) -> Any:
    """The work ``post`` (a ``Post`` entity or alias) reviews, as a column of the statement that
    loads it: the post page then asks ``reviewed_work_id`` nothing (``remember_reviewed_work``)."""
    return _work_reviewed_by(post.id).scalar_subquery().label("reviewed_work_id")


def _memo() -> dict[int, int | None] | None:
    return g.setdefault("reviewed_work_ids", {}) if has_request_context() else None


def remember_reviewed_work(post_id: int, work_id: int | None) -> None:
    """What a statement that loaded the post also read (``reviewed_work_column``), for this request."""
    memo = _memo()
    if memo is not None:
        memo[post_id] = work_id


def reviewed_work_id(post_id: int) -> int | None:
    """The work a post reviews, if any: asked by the infobox and the comments of one page, read once."""
    memo = _memo()
    if memo is not None and post_id in memo:
        return memo[post_id]
    rows = _REVIEWED_WORK.rows(post_id=post_id)
    work_id = int(rows[0][0]) if rows else None
    if memo is not None:
        memo[post_id] = work_id
    return work_id


def comment_scores(post_id: int, nodes: Iterable[Any]) -> tuple[dict[int, str], int, bool]:
    """``comment id -> score text`` for comments whose (signed-in) writer rated the reviewed work, the scale,
    and whether the post reviews a work at all.

    Two queries whatever the number of comments; empty when the post reviews nothing.
    """
    work_id = reviewed_work_id(post_id)
    if work_id is None:
        return {}, score_scale(), False
    scores = reader_scores_for_comments(work_id, [n for n in nodes if getattr(n, "user_id", None)])
    return {cid: format_score(score) for cid, score in scores.items()}, score_scale(), True

"""Readers' reports: "this comment should not be here", with a reason.

One report per reader (account or browser) per comment. Each report emails the moderators;
when a comment's open reports reach ``COMMENTS_REPORT_HIDE_THRESHOLD`` it goes back to the
moderation queue (pending), hidden until a moderator reviews it. Approving or removing it there
resolves its reports.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from blog.comments import moderation
from blog.errors import DomainError
from blog.extensions import db
from blog.mail import send_mail
from blog.models.base import utcnow
from blog.models.comments import REASON_CODES, Comment, CommentStatus
from blog.models.discussion import CommentReport
from blog.models.posts import Post

#: What a reader may report, in their words (the moderation reason codes minus "duplicate").
REPORT_REASONS = {
    "spam": "It is spam or advertising",
    "abuse": "It is abusive, hateful or harassing",
    "spoiler": "It gives away the story without hiding it as a spoiler",
    "off-topic": "It is off-topic",
    "other": "Something else",
}


def report(
    comment_id: int, reason: str, reporter_key: str, *, user: Any = None, note: str = "", ip: str = ""
) -> tuple[CommentReport, bool]:
    """Record a report and tell the moderators; returns (report, whether the comment got hidden)."""
    from blog.comments.notify import moderator_emails, site_url_for

    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise DomainError("There is no such comment.", status=404)
    if comment.deleted or comment.status != CommentStatus.APPROVED:
        raise DomainError("This comment is not shown any more, so it cannot be reported.", status=409)
    if reason not in REPORT_REASONS:
        raise DomainError("Choose why you are reporting this comment.", field="reason")
    if not reporter_key:
        raise DomainError("Your browser must accept cookies to report comments.", status=400)
    note = note.strip()
    if len(note) > 1000:
        raise DomainError("Keep the explanation under 1000 characters.", field="note")
    entry = CommentReport(
        comment_id=comment.id,
        reason=reason,
        note=note,
        reporter_key=reporter_key[:80],
        user_id=getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None,
        ip=ip[:64],
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(
            "You have already reported this comment; the moderators will look at it.", status=409
        ) from None
    open_reports = int(
        db.session.scalar(
            select(func.count(CommentReport.id)).where(
                CommentReport.comment_id == comment.id, CommentReport.resolved_at.is_(None)
            )
        )
        or 0
    )
    threshold = int(current_app.config["COMMENTS_REPORT_HIDE_THRESHOLD"])
    hidden = threshold > 0 and open_reports >= threshold
    if hidden:
        moderation.change_status(
            [comment],
            CommentStatus.PENDING,
            actor=None,
            action="hidden-by-reports",
            reason=reason if reason in REASON_CODES else "other",
            note=f"Hidden after {open_reports} reports by readers, until reviewed.",
        )
    else:
        moderation.record(
            comment,
            "report",
            reason=reason if reason in REASON_CODES else "other",
            note=f"Reported by a reader: {REPORT_REASONS[reason]}. {note}".strip(),
            from_status=comment.status.value,
            to_status=comment.status.value,
        )
    post = db.session.get(Post, comment.post_id)
    title = post.title if post is not None else "a post"
    if current_app.config["COMMENTS_NOTIFY_MODERATORS"]:
        review = site_url_for("admin.moderation_edit", comment_id=comment.id)
        state = "It is now hidden until you review it." if hidden else "It is still shown."
        for email in moderator_emails():
            send_mail(
                email,
                f"[{current_app.config['SITE_NAME']}] A comment on \u201c{title}\u201d was reported",
                f"A reader reported a comment by {comment.author_name}: {REPORT_REASONS[reason]}.\n"
                + (f"Their explanation: {note}\n" if note else "")
                + f"Open reports on this comment: {open_reports}. {state}\n\nReview it: {review}\n",
            )
    db.session.commit()
    return entry, hidden


def resolve_reports(comment_ids: list[int]) -> None:
    """A moderator acted on these comments: their open reports are closed."""
    if comment_ids:
        db.session.execute(
            update(CommentReport)
            .where(CommentReport.comment_id.in_(comment_ids), CommentReport.resolved_at.is_(None))
            .values(resolved_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def open_report_counts(comment_ids: list[int]) -> dict[int, int]:
    if not comment_ids:
        return {}
    stmt = (
        select(CommentReport.comment_id, func.count(CommentReport.id))
        .where(CommentReport.comment_id.in_(comment_ids), CommentReport.resolved_at.is_(None))
        .group_by(CommentReport.comment_id)
    )
    return {int(cid): int(n) for cid, n in db.session.execute(stmt)}


def dismiss(comment_ids: list[int], actor: Any, note: str = "") -> int:
    """A moderator keeps reported comments as they are: their open reports are closed, and each
    comment's history says so. Returns how many comments had reports to dismiss."""
    counts = open_report_counts(comment_ids)
    if not counts:
        return 0
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(list(counts)))).all()
    for comment in comments:
        n = counts[comment.id]
        moderation.record(
            comment,
            "dismiss-reports",
            actor=actor,
            note=(f"Kept: {n} report{'s' if n != 1 else ''} dismissed. {note}").strip(),
            from_status=comment.status.value,
            to_status=comment.status.value,
        )
    resolve_reports(list(counts))
    db.session.commit()
    return len(comments)

"""The moderation queue's reads: a tab's page of comments, the tabs' counts, readers' open reports.

The tabs are the statuses (pending, approved, spam, trash), "all" (pending and approved) and
"reported": comments readers reported that no moderator has acted on yet, whatever their status
(a comment stays shown until ``COMMENTS_REPORT_HIDE_THRESHOLD`` reports hide it). A search
filters every tab alike, and the counts beside the tabs count what it matches, so a moderator
who searched the wrong tab sees where the comment is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from blog.comments.moderation import histories, status_counts
from blog.comments.reports import REPORT_REASONS
from blog.extensions import db
from blog.models.comments import Comment, CommentStatus
from blog.models.discussion import CommentReport
from blog.models.posts import Post

TABS = ("pending", "reported", "approved", "spam", "trash", "all")
#: Columns a search looks in.
SEARCHED = (
    Comment.body_source,
    Comment.author_name,
    Comment.author_email,
    Comment.author_url,
    Comment.author_ip,
    Post.title,
)


@dataclass(frozen=True, slots=True)
class OpenReport:
    """One reader's report, as the queue shows it (never who sent it)."""

    reason: str
    label: str
    note: str
    created_at: datetime


def _reported() -> ColumnElement[bool]:
    return Comment.id.in_(select(CommentReport.comment_id).where(CommentReport.resolved_at.is_(None)))


def _in_tab(tab: str) -> ColumnElement[bool]:
    if tab == "all":
        return Comment.status.in_([CommentStatus.PENDING, CommentStatus.APPROVED])
    if tab == "reported":
        return _reported()
    return Comment.status == CommentStatus(tab)


def _search(stmt: Select[Any], query: str) -> Select[Any]:
    if not query:
        return stmt
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    return stmt.where(or_(*(column.ilike(like, escape="\\") for column in SEARCHED)))


def tab_counts(query: str = "") -> dict[str, int]:
    """How many comments each tab holds (or, with a search, how many it matches in each):
    one GROUP BY by status, and one count of the reported."""
    if query:
        by_status = _search(
            select(Comment.status, func.count(Comment.id)).join(Post, Post.id == Comment.post_id), query
        ).group_by(Comment.status)
        counts = {status.value: 0 for status in CommentStatus}
        for status, n in db.session.execute(by_status):
            counts[CommentStatus(status).value] = int(n)
    else:
        counts = status_counts()
    reported = _search(select(func.count(Comment.id)).join(Post, Post.id == Comment.post_id).where(_reported()), query)
    counts["reported"] = int(db.session.scalar(reported) or 0)
    counts["all"] = counts["pending"] + counts["approved"]
    return counts


def open_reports(comment_ids: list[int]) -> dict[int, list[OpenReport]]:
    """The unresolved reports on a page's comments, oldest first, in one query."""
    found: dict[int, list[OpenReport]] = {}
    if not comment_ids:
        return found
    rows = db.session.execute(
        select(CommentReport.comment_id, CommentReport.reason, CommentReport.note, CommentReport.created_at)
        .where(CommentReport.comment_id.in_(comment_ids), CommentReport.resolved_at.is_(None))
        .order_by(CommentReport.created_at, CommentReport.id)
    )
    for comment_id, reason, note, created_at in rows:
        label = REPORT_REASONS.get(reason, reason)
        found.setdefault(comment_id, []).append(OpenReport(reason, label, note or "", created_at))
    return found


def queue_page(tab: str, query: str, page: int, per_page: int = 20) -> dict[str, Any]:
    """One page of the moderation queue: comments with their post, counts per tab, histories and
    open reports."""
    if tab not in TABS:
        tab = "pending"
    query = " ".join(query.split())[:200]
    stmt = _search(
        select(Comment, Post.title, Post.slug).join(Post, Post.id == Comment.post_id).where(_in_tab(tab)), query
    )
    total = int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        stmt.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    comments = [row[0] for row in rows]
    parent_ids = {c.parent_id for c in comments if c.parent_id}
    parents = (
        dict(db.session.execute(select(Comment.id, Comment.author_name).where(Comment.id.in_(parent_ids))).all())
        if parent_ids
        else {}
    )
    counts = tab_counts(query)
    return {
        "tab": tab,
        "query": query,
        "rows": [
            {"comment": c, "post_title": title, "post_slug": slug, "in_reply_to": parents.get(c.parent_id)}
            for c, title, slug in rows
        ],
        "counts": counts,
        #: With a search that found nothing here: the other tabs where it did find something.
        "elsewhere": [t for t in TABS if t not in (tab, "all") and counts[t]] if query and not rows else [],
        "history": histories([c.id for c in comments]),
        "reports": open_reports([c.id for c in comments]),
        "page": page,
        "pages": pages,
        "total": total,
    }

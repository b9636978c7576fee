"""The operator's dashboard: how the discussion is going, in a handful of GROUP BY queries.

``insights()`` returns everything ``templates/discussion/insights.html`` shows: comments per day
for the last 90 days (as bar geometry for a server-rendered SVG, no scripts), the moderation
queue's counts, this month's most discussed posts, and mail and webhook delivery failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from blog.comments.moderation import status_counts
from blog.extensions import db
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.mail import MailStatus, OutgoingMail
from blog.models.posts import Post
from blog.models.webhooks import WebhookDelivery
from blog.timezone import MONTH_NAMES, local, local_day_start, local_timestamp_sql

DAYS = 90
CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 720, 160, 10


@dataclass
class Bar:
    day: date
    count: int
    x: float
    y: float
    height: float


@dataclass
class Insights:
    bars: list[Bar]
    total_90: int
    peak: int
    counts: dict[str, int]
    top_posts: list[tuple[str, str, int]]
    mail_failures: list[OutgoingMail]
    mail_failed_count: int
    webhook_failures: list[WebhookDelivery]
    webhook_failed_count: int
    month_label: str
    axis: list[tuple[float, str]] = field(default_factory=list)
    chart_width: int = CHART_WIDTH
    chart_height: int = CHART_HEIGHT
    bar_width: float = 0.0


def _day_of(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def comments_per_day(now: datetime) -> dict[date, int]:
    """Comments received per day of the site's calendar (``SITE_TIMEZONE``) over the last ``DAYS``
    days (spam included: it is traffic too)."""
    since = local_day_start(now - timedelta(days=DAYS - 1))
    day = func.date(local_timestamp_sql(Comment.created_at, db.session.get_bind().dialect.name))
    rows = db.session.execute(
        select(day, func.count(Comment.id)).where(Comment.created_at >= since).group_by(day)
    ).all()
    return {_day_of(d): int(n) for d, n in rows}


def chart(per_day: dict[date, int], today: date) -> tuple[list[Bar], int, float, list[tuple[float, str]]]:
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    peak = max(per_day.values(), default=0)
    step = CHART_WIDTH / DAYS
    usable = CHART_HEIGHT - CHART_TOP
    bars = []
    for index, day in enumerate(days):
        count = per_day.get(day, 0)
        height = (count / peak * usable) if peak else 0.0
        bars.append(Bar(day, count, round(index * step, 2), round(CHART_HEIGHT - height, 2), round(height, 2)))
    axis = [(round(i * step, 2), f"{d:%b} {d.day}") for i, d in enumerate(days) if d.day == 1]
    return bars, peak, round(step * 0.8, 2), axis


def insights(now: datetime | None = None) -> Insights:
    now = now or utcnow()
    today = local(now)
    bars, peak, bar_width, axis = chart(comments_per_day(now), today.date())
    month_start = local_day_start(today.replace(day=1))
    discussed = func.count(Comment.id).label("n")
    top = db.session.execute(
        select(Post.title, Post.slug, discussed)
        .join(Comment, Comment.post_id == Post.id)
        .where(Comment.created_at >= month_start, Comment.status == CommentStatus.APPROVED, Comment.deleted.is_(False))
        .group_by(Post.id, Post.title, Post.slug)
        .order_by(discussed.desc(), Post.title)
        .limit(5)
    ).all()
    mail_failed = select(OutgoingMail).where(OutgoingMail.status == MailStatus.FAILED)
    hooks_failed = select(WebhookDelivery).where(WebhookDelivery.status == MailStatus.FAILED)
    return Insights(
        bars=bars,
        total_90=sum(b.count for b in bars),
        peak=peak,
        counts=status_counts(),
        top_posts=[(title, slug, int(n)) for title, slug, n in top],
        mail_failures=list(db.session.scalars(mail_failed.order_by(OutgoingMail.id.desc()).limit(5))),
        mail_failed_count=int(db.session.scalar(select(func.count()).select_from(mail_failed.subquery())) or 0),
        webhook_failures=list(db.session.scalars(hooks_failed.order_by(WebhookDelivery.id.desc()).limit(5))),
        webhook_failed_count=int(db.session.scalar(select(func.count()).select_from(hooks_failed.subquery())) or 0),
        month_label=f"{MONTH_NAMES[today.month - 1]} {today.year}",
        axis=axis,
        bar_width=bar_width,
    )

"""The daily digest: subscribers who chose it get one email a day listing the new comments.

``send_digests`` is run by ``flask comments send-digests`` (from cron, once a day). It reads the
digest subscriptions and every matching comment in two queries, queues one email per
subscription that has something new, and moves each subscription's ``last_digest_at`` on, in
one transaction, so a run that fails sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from blog.comments.notify import comment_excerpt, comment_link, one_click_unsubscribe_url, unsubscribe_footer
from blog.extensions import db
from blog.mail import send_mail
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.discussion import Subscription, SubscriptionKind
from blog.models.posts import Post


def _since(sub: Subscription) -> datetime:
    return max(d for d in (sub.last_digest_at, sub.confirmed_at) if d is not None)


def send_digests(now: datetime | None = None) -> int:
    """Queue one digest per subscription with new comments; returns how many were queued."""
    now = now or utcnow()
    subs = list(
        db.session.scalars(
            select(Subscription)
            .where(
                Subscription.digest.is_(True),
                Subscription.confirmed_at.is_not(None),
                Subscription.unsubscribed_at.is_(None),
            )
            .order_by(Subscription.id)
        )
    )
    if not subs:
        return 0
    earliest = min(_since(sub) for sub in subs)
    matches = [
        (Comment.parent_id == sub.comment_id)
        if sub.kind == SubscriptionKind.REPLIES
        else Comment.post_id == sub.post_id
        for sub in subs
    ]
    rows = db.session.execute(
        select(Comment, Post.title)
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.status == CommentStatus.APPROVED,
            Comment.deleted.is_(False),
            Comment.created_at > earliest,
            Comment.created_at <= now,
            or_(*matches),
        )
        .order_by(Comment.created_at, Comment.id)
    ).all()
    by_post: dict[int, list[tuple[Comment, str]]] = defaultdict(list)
    for comment, title in rows:
        by_post[comment.post_id].append((comment, title))
    site = current_app.config["SITE_NAME"]
    queued = 0
    for sub in subs:
        since = _since(sub)
        new = [
            (c, t)
            for c, t in by_post.get(sub.post_id, [])
            if c.created_at > since
            and c.author_email != sub.email
            and (sub.kind == SubscriptionKind.POST or c.parent_id == sub.comment_id)
        ]
        sub.last_digest_at = now
        if not new:
            continue
        title = new[0][1]
        lines = [f"{c.author_name} wrote:\n{comment_excerpt(c, 300)}\n{comment_link(c)}\n" for c, _ in new]
        what = "replies to your comment" if sub.kind == SubscriptionKind.REPLIES else "new comments"
        send_mail(
            sub.email,
            f"[{site}] {len(new)} {what} on \u201c{title}\u201d today",
            "\n".join(lines) + unsubscribe_footer(sub),
            unsubscribe_url=one_click_unsubscribe_url("comments", sub.id),
        )
        queued += 1
    db.session.commit()
    return queued

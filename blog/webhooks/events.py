"""What each event says, and queueing it (in the caller's transaction)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import current_app

from blog.extensions import db
from blog.models.base import utcnow
from blog.models.comments import Comment
from blog.models.posts import Post
from blog.models.webhooks import DeliveryStatus, WebhookDelivery

if TYPE_CHECKING:  # what the posting path passes before its commit
    from blog.comments.intake import PostFacts
    from blog.comments.posting import Posted

#: Key in ``Session.info``: this transaction queued deliveries (the after-commit hook kicks the worker).
QUEUED_FLAG = "sargasso_webhooks_queued"
EVENTS = ("comment.created", "comment.approved", "post.published")


def emit(event: str, data: dict[str, Any]) -> WebhookDelivery | None:
    """Queue ``event`` for ``WEBHOOK_URL``; None (and nothing stored) when no URL is configured."""
    url = str(current_app.config.get("WEBHOOK_URL") or "").strip()
    if not url:
        return None
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    delivery = WebhookDelivery(
        event=event, url=url[:500], payload="", status=DeliveryStatus.QUEUED, next_attempt_at=utcnow()
    )
    db.session.add(delivery)
    db.session.flush()
    body = {
        "id": delivery.id,
        "event": event,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "site": str(current_app.config.get("SITE_NAME") or ""),
        "data": data,
    }
    delivery.payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    db.session().info[QUEUED_FLAG] = current_app._get_current_object()  # type: ignore[attr-defined]
    return delivery


def _post_data(post: Post | PostFacts) -> dict[str, Any]:
    from blog.comments.notify import site_url_for

    return {
        "id": post.id,
        "title": post.title,
        "slug": post.slug,
        "url": site_url_for("posts.post_detail", slug=post.slug),
        "published_at": post.published_at.isoformat(timespec="seconds") if post.published_at else None,
    }


def comment_event(event: str, comment: Comment | Posted, post: Post | PostFacts | None) -> WebhookDelivery | None:
    """``comment.created`` / ``comment.approved``: the comment (no email or IP) and its post."""
    if not current_app.config.get("WEBHOOK_URL"):
        return None
    from blog.comments.notify import site_url_for

    post = post if post is not None else db.session.get(Post, comment.post_id)
    data = {
        "comment": {
            "id": comment.id,
            "post_id": comment.post_id,
            "parent_id": comment.parent_id,
            "author_name": comment.author_name,
            "status": comment.status.value,
            "body_html": comment.body_html,
            "created_at": comment.created_at.isoformat(timespec="seconds"),
            "url": site_url_for("comments.permalink", comment_id=comment.id),
        },
        "post": _post_data(post) if post is not None else None,
    }
    return emit(event, data)


def post_event(post: Post) -> WebhookDelivery | None:
    if not current_app.config.get("WEBHOOK_URL"):
        return None
    return emit("post.published", {"post": _post_data(post)})

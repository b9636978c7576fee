"""The discussion's hooks into the comments area: one call each from posting and moderation.

Keeping them here means ``posting`` and ``moderation`` only say *when* something happened; what
follows (emails queued, subscriptions, reports resolved, webhooks fired) lives with the discussion
features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blog import webhooks
from blog.comments import followers, guest_confirm, notify, reports
from blog.models.comments import Comment, CommentStatus
from blog.models.discussion import SubscriptionKind
from blog.models.posts import Post


def comment_posted(
    comment: notify.NewComment,
    post: notify.PostShown,
    data: Any,
    *,
    held_for_email: bool = False,
    moderators: list[str] | None = None,
    subscribers: bool = True,
) -> None:
    """After a comment is stored (same transaction): notifications, subscriptions, webhooks.

    ``held_for_email``: the guest must confirm their address first (``guest_confirm``), so only they
    hear now. ``moderators``: their addresses, and ``subscribers``: whether the post has any, when
    the caller already read them.
    """
    if held_for_email:
        guest_confirm.ask_to_confirm(comment, post)  # the guest's click publishes it
    else:
        notify.new_comment(comment, post, moderators, subscribers)
    if comment.status != CommentStatus.SPAM:
        webhooks.comment_event("comment.created", comment, post)
        if comment.status == CommentStatus.APPROVED:
            webhooks.comment_event("comment.approved", comment, post)
    if comment.status == CommentStatus.SPAM or not comment.author_email:
        return
    digest = bool(getattr(data, "notify_digest", False))
    if getattr(data, "notify_replies", False):
        notify.subscribe(SubscriptionKind.REPLIES, comment.author_email, post, comment, digest=digest)
    if getattr(data, "notify_post", False):
        notify.subscribe(SubscriptionKind.POST, comment.author_email, post, digest=digest)


def post_went_live(post: Post) -> None:
    """A post is live for the first time (published now, or its scheduled time came): the
    ``post.published`` webhook and followers' emails. Called once per post by blog.posts.announce."""
    webhooks.post_event(post)
    followers.announce_post(post)


def status_changed(comments: Sequence[Comment], status: CommentStatus, actor: Any, *, announce: bool = True) -> None:
    """A moderator (or a rule) moved comments: reports are resolved, approvals announced.

    ``announce=False``: an undo puts comments back where they were a few minutes before. Readers
    and the webhook already heard of every approved comment when it was first approved, so a
    comment an undo brings back is not announced again (no email, no ``comment.approved``); one
    it takes back out was announced already, and no email or webhook can be recalled."""
    if actor is not None:
        reports.resolve_reports([c.id for c in comments])
    if announce and status == CommentStatus.APPROVED and comments:
        notify.announce_approved(comments)
        for comment in comments:
            webhooks.comment_event("comment.approved", comment, None)

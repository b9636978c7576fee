"""The stricter mode for guests (``COMMENTS_GUEST_EMAIL_CONFIRM``): a guest's first comment is
published only after they click a link sent to the address they gave.

Only comments the moderation rules would have approved wait for the click; one that the rules
hold stays for a moderator whatever the guest does. Once a guest has an approved comment under
that address, later comments follow the normal rules.
"""

from __future__ import annotations

from flask import current_app, flash, has_request_context
from sqlalchemy import select

from blog.comments import moderation
from blog.comments.notify import NewComment, PostShown, link, read_token, tell_post_author
from blog.errors import DomainError
from blog.extensions import db
from blog.mail import send_mail
from blog.models.comments import Comment, CommentStatus, ModerationAction
from blog.models.posts import Post

HOLD_NOTE = "Waiting for the commenter to confirm their email address."
CHECK_INBOX = "Almost there: we emailed you a link. Your comment appears once you open it and confirm."


def needs_confirmation(status: CommentStatus, user_id: int | None, email: str, confirmed_before: bool) -> bool:
    """A guest comment the rules would approve, under an address with no approved guest comment yet
    (``confirmed_before``, read with the post by ``blog.comments.intake``)."""
    if not current_app.config.get("COMMENTS_GUEST_EMAIL_CONFIRM") or user_id is not None:
        return False
    return status == CommentStatus.APPROVED and bool(email) and not confirmed_before


def ask_to_confirm(comment: NewComment, post: PostShown) -> None:
    """Email the guest the link that publishes their held comment (same transaction as the comment)."""
    site = current_app.config["SITE_NAME"]
    url = link("discussion.confirm_comment", "comment-confirm", comment.id)
    send_mail(
        comment.author_email,
        f"[{site}] Please confirm your comment on \u201c{post.title}\u201d",
        f"You (we hope) commented on \u201c{post.title}\u201d as {comment.author_name}.\n\n"
        f"Publish your comment by opening this link and pressing the button:\n{url}\n\n"
        "If it was not you, ignore this email: the comment will not be published.\n",
    )
    if has_request_context():
        flash(CHECK_INBOX, "info")


def confirm(token: str) -> Comment:
    """The guest clicked: publish the comment if it still waits for exactly this."""
    comment = db.session.get(Comment, read_token(token, "comment-confirm"))
    if comment is None:
        raise DomainError("This comment no longer exists. Nothing was changed.", status=404)
    if comment.status == CommentStatus.APPROVED:
        raise DomainError("Your comment was already published; this link has been used.", status=409)
    waiting = (
        comment.status == CommentStatus.PENDING
        and not comment.deleted
        and db.session.scalar(
            select(ModerationAction.id)
            .where(ModerationAction.comment_id == comment.id, ModerationAction.note == HOLD_NOTE)
            .limit(1)
        )
    )
    if not waiting:
        raise DomainError("This comment is with the moderators now; the link cannot publish it.", status=409)
    moderation.change_status(
        [comment],
        CommentStatus.APPROVED,
        actor=None,
        action="approve",
        note="The commenter confirmed their email address.",
    )
    post = db.session.get(Post, comment.post_id)
    if post is not None:
        tell_post_author(comment, post)
    db.session.commit()
    return comment

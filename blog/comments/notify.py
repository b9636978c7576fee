"""Emails around a discussion, all through the outbox (``blog.mail.send_mail``).

* the post's author hears about each new comment (not their own);
* moderators hear about each held comment, with approve and spam links, and about reports;
* readers who asked (and confirmed: double opt-in) hear about replies to their comment, or about
  every new comment of a post; each email carries a one-click unsubscribe link.

Links carry signed, expiring tokens (``itsdangerous``); what they act on is re-checked when they
are used, so a link used twice or after the fact says so and changes nothing. Mail is queued in
the caller's transaction: a comment that is rolled back sends nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, Protocol, TypeVar

from flask import current_app, has_request_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select

from blog.auth.social import site_url_for as _site_url_for
from blog.errors import DomainError
from blog.extensions import db
from blog.mail import send_mail
from blog.mail.outbox import mail_row, queue_mails
from blog.models.accounts import Role, User
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.discussion import Follower, Subscription, SubscriptionKind
from blog.models.posts import Post
from blog.rendering import html_to_text


class NewComment(Protocol):
    """What the emails read of a comment: a stored ``Comment``, or ``posting.Posted`` before the commit."""

    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def user_id(self) -> int | None: ...
    @property
    def author_name(self) -> str: ...
    @property
    def author_email(self) -> str: ...
    @property
    def status(self) -> CommentStatus: ...
    @property
    def body_html(self) -> str: ...


class PostShown(Protocol):
    """What the emails read of a post: a ``Post``, or ``intake.PostFacts`` (which also knows the
    author's email, so no query is needed for it)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def author_id(self) -> int | None: ...


SALT = "sargasso.discussion-link"
INVALID = "This link is not valid: it may have been copied incompletely. Nothing was changed."
EXPIRED = "This link has expired. Nothing was changed."


# ----------------------------------------------------------------------------- signed links


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def site_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL for an email, also from work done outside a request (CLI, workers, tests)."""
    if has_request_context():
        return _site_url_for(endpoint, **values)
    base = str(current_app.config.get("SITE_URL") or "http://localhost").rstrip("/")
    with current_app.test_request_context(base_url=base):
        return _site_url_for(endpoint, **values)


def make_token(action: str, target: int) -> str:
    return _serializer().dumps([action, target])


def read_token(token: str, action: str, *, max_age: int | None = None) -> int:
    """The id a link names for ``action``; ``DomainError`` when forged, for another action or expired."""
    if max_age is None:
        max_age = int(current_app.config["DISCUSSION_LINK_MAX_AGE_DAYS"]) * 24 * 3600
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(EXPIRED, status=410) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError(INVALID, status=400) from None
    if not (isinstance(data, list) and len(data) == 2 and data[0] == action and isinstance(data[1], int)):
        raise DomainError(INVALID, status=400)
    return int(data[1])


def link(endpoint: str, signed_for: str, target: int, **values: Any) -> str:
    """An absolute URL to ``endpoint`` carrying a token signed for ``signed_for`` and ``target``."""
    return site_url_for(endpoint, token=make_token(signed_for, target), **values)


# ----------------------------------------------------------------------------- who gets what


def moderator_emails() -> list[str]:
    stmt = (
        select(User.email)
        .where(User.role.in_([Role.ADMIN, Role.EDITOR]), User.active.is_(True), User.email.is_not(None))
        .order_by(User.id)
    )
    return [email for email in db.session.scalars(stmt) if email]


def _site() -> str:
    return str(current_app.config["SITE_NAME"])


def comment_excerpt(comment: NewComment, limit: int = 600, *, spoilers: bool = False) -> str:
    """The start of a comment as an email quotes it. Spoilers are left out ("[spoiler]") unless
    ``spoilers``: staff (moderators, the post's author) read them, subscribers are spared them."""
    text = html_to_text(comment.body_html, spoilers=spoilers).strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "\u2026"


def comment_link(comment: NewComment) -> str:
    return site_url_for("comments.permalink", comment_id=comment.id)


def one_click_unsubscribe_url(kind: str, target: int) -> str:
    """The ``List-Unsubscribe`` URL: a mail client POSTs to it (RFC 8058) to stop these emails.
    ``kind`` is "comments" (a comment subscription) or "follow" (a follower of the blog)."""
    purpose = "unsubscribe" if kind == "comments" else "follow-unsubscribe"
    return site_url_for("discussion.one_click_unsubscribe", kind=kind, token=make_token(purpose, target))


def unsubscribe_footer(sub: Subscription) -> str:
    what = "replies to your comment" if sub.kind == SubscriptionKind.REPLIES else "new comments on this post"
    url = link("discussion.unsubscribe", "unsubscribe", sub.id)
    return f"\n--\nYou get this email because you asked for {what}.\nStop these emails with one click: {url}\n"


def new_comment(
    comment: NewComment, post: PostShown, moderators: list[str] | None = None, subscribers: bool = True
) -> None:
    """Queue every email a new comment causes, with one INSERT. Called by the posting path before its
    commit; ``moderators`` are their addresses when the caller already read them, and
    ``subscribers`` False when it knows the post has no live per-comment subscription.

    A post author who is also a moderator gets only the "please moderate" email about a held
    comment: it says everything the author's email says, plus the approve and spam links.
    """
    config = current_app.config
    if comment.status == CommentStatus.SPAM:
        return
    rows = []
    held = comment.status == CommentStatus.PENDING and config["COMMENTS_NOTIFY_MODERATORS"]
    moderator_list = (moderators if moderators is not None else moderator_emails()) if held else []
    author_row = post_author_mail(comment, post, unless_to=moderator_list)
    if author_row is not None:
        rows.append(author_row)
    rows += moderation_mails(comment, post, moderator_list)
    queue_mails(rows)
    if comment.status == CommentStatus.APPROVED and subscribers:
        comment_published(comment, post)


def _post_author_email(post: PostShown) -> str:
    known = getattr(post, "author_email", None)  # read with the post by the posting path
    if known is not None:
        return str(known)
    author = db.session.get(User, post.author_id) if post.author_id is not None else None
    return (author.email or "") if author is not None else ""


def post_author_mail(comment: NewComment, post: PostShown, *, unless_to: Collection[str] = ()) -> dict[str, Any] | None:
    """The post's author hears about a comment (not their own), if the operator wants that; not
    when their address is in ``unless_to`` (they get the moderators' email), checked before the
    email is written."""
    if not current_app.config["COMMENTS_NOTIFY_POST_AUTHOR"] or post.author_id is None:
        return None
    email = _post_author_email(post)
    if not email or post.author_id == comment.user_id or email in unless_to:
        return None
    state = "" if comment.status == CommentStatus.APPROVED else " (held for moderation)"
    return mail_row(
        email,
        f"[{_site()}] New comment on \u201c{post.title}\u201d{state}",
        f"{comment.author_name} commented on \u201c{post.title}\u201d:\n\n{comment_excerpt(comment, spoilers=True)}\n\n"
        f"Read it: {comment_link(comment)}\n",
    )


def tell_post_author(comment: NewComment, post: PostShown) -> None:
    row = post_author_mail(comment, post)
    if row is not None:
        queue_mails([row])


def moderation_mails(comment: NewComment, post: PostShown, emails: list[str]) -> list[dict[str, Any]]:
    """ "Please moderate", with approve and spam links, to each of ``emails``."""
    if not emails:
        return []
    approve = link("discussion.moderate_link", "approve", comment.id, action="approve")
    spam = link("discussion.moderate_link", "spam", comment.id, action="spam")
    queue = site_url_for("admin.moderation", status="pending")
    subject = f"[{_site()}] Please moderate: \u201c{post.title}\u201d"
    text = (
        f"A comment by {comment.author_name} on \u201c{post.title}\u201d is waiting for approval:\n\n"
        f"{comment_excerpt(comment, spoilers=True)}\n\nApprove it: {approve}\nMark it as spam: {spam}\n"
        f"The moderation queue: {queue}\n"
    )
    return [mail_row(email, subject, text) for email in emails]


def comment_published(comment: NewComment, post: PostShown) -> None:
    """A comment became readable: tell reply subscribers of its parent and the post's subscribers."""
    clauses = [(Subscription.kind == SubscriptionKind.POST) & (Subscription.post_id == post.id)]
    if comment.parent_id is not None:
        clauses.append((Subscription.kind == SubscriptionKind.REPLIES) & (Subscription.comment_id == comment.parent_id))
    targets = list(
        db.session.scalars(
            select(Subscription)
            .where(
                or_(*clauses),
                Subscription.confirmed_at.is_not(None),
                Subscription.unsubscribed_at.is_(None),
                Subscription.digest.is_(False),  # digest subscribers hear in ``digest.send_digests``
            )
            .order_by(Subscription.id)
        )
    )
    sent: set[str] = set()
    own = (comment.author_email or "").lower()
    rows = []
    for sub in targets:
        if sub.email in sent or sub.email == own:
            continue  # one email per reply per address, and never about one's own comment
        sent.add(sub.email)
        if sub.kind == SubscriptionKind.REPLIES:
            subject = f"[{_site()}] {comment.author_name} replied to your comment on \u201c{post.title}\u201d"
        else:
            subject = f"[{_site()}] New comment on \u201c{post.title}\u201d"
        rows.append(
            mail_row(
                sub.email,
                subject,
                f"{comment.author_name} wrote:\n\n{comment_excerpt(comment)}\n\n"
                f"Read the reply: {comment_link(comment)}\n" + unsubscribe_footer(sub),
                unsubscribe_url=one_click_unsubscribe_url("comments", sub.id),
            )
        )
    queue_mails(rows)


def announce_approved(comments: Iterable[Comment]) -> None:
    """Held comments were approved by a moderator: subscribers hear about them now."""
    for comment in comments:
        post = db.session.get(Post, comment.post_id)
        if post is not None:
            comment_published(comment, post)


# ----------------------------------------------------------------------------- subscriptions


def subscribe(
    kind: SubscriptionKind, email: str, post: PostShown, comment: NewComment | None = None, *, digest: bool = False
) -> Subscription | None:
    """Ask for replies (or all comments) by email: stored unconfirmed, with a confirmation email.

    An address already subscribed to the same thing gets nothing new (no second email).
    """
    email = email.strip().lower()
    if not email:
        return None
    same_target = (Subscription.comment_id == comment.id) if comment is not None else Subscription.comment_id.is_(None)
    existing = db.session.scalar(
        select(Subscription).where(
            Subscription.kind == kind,
            Subscription.email == email,
            Subscription.post_id == post.id,
            same_target,
            Subscription.unsubscribed_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    sub = Subscription(
        kind=kind, email=email, post_id=post.id, comment_id=comment.id if comment else None, digest=digest
    )
    db.session.add(sub)
    db.session.flush()
    what = "replies to your comment" if kind == SubscriptionKind.REPLIES else "every new comment"
    what += " (one daily digest)" if digest else ""
    confirm_url = link("discussion.confirm", "confirm", sub.id)
    send_mail(
        email,
        f"[{_site()}] Please confirm: email me {what} on \u201c{post.title}\u201d",
        f"Someone (we hope you) asked to receive {what} on \u201c{post.title}\u201d at this address.\n\n"
        f"Confirm by opening this link and pressing the button:\n{confirm_url}\n\n"
        "If it was not you, ignore this email: nothing will be sent without your confirmation.\n",
    )
    return sub


UNSUBSCRIBE_MAX_AGE = 10 * 365 * 24 * 3600  # unsubscribe links in old emails must keep working


OptIn = TypeVar("OptIn", Subscription, Follower)


def _opt_in(model: type[OptIn], token: str, purpose: str, max_age: int | None = None) -> OptIn:
    """The subscription or follower an emailed link names, still live (a reader may have left since)."""
    row = db.session.get(model, read_token(token, purpose, max_age=max_age))
    if row is None:
        raise DomainError("This subscription no longer exists. Nothing was changed.", status=404)
    if row.unsubscribed_at is not None:
        used = (
            "this link has been used" if purpose.endswith("unsubscribe") else "this confirmation link no longer works"
        )
        raise DomainError(f"You were already unsubscribed; {used}. Nothing was changed.", status=409)
    return row


def confirm_opt_in(model: type[OptIn], token: str, purpose: str) -> OptIn:
    """Double opt-in, for comment subscriptions and followers alike: the emailed link makes it live, once."""
    row = _opt_in(model, token, purpose)
    if row.confirmed_at is not None:
        raise DomainError("You already confirmed; this link has been used. Nothing was changed.", status=409)
    row.confirmed_at = utcnow()
    db.session.commit()
    return row


def end_opt_in(model: type[OptIn], token: str, purpose: str) -> OptIn:
    """One click (and a POST) ends it; the links keep working for years (``UNSUBSCRIBE_MAX_AGE``)."""
    row = _opt_in(model, token, purpose, UNSUBSCRIBE_MAX_AGE)
    row.unsubscribed_at = utcnow()
    db.session.commit()
    return row


def confirm(token: str) -> Subscription:
    return confirm_opt_in(Subscription, token, "confirm")


def unsubscribe(token: str) -> Subscription:
    return end_opt_in(Subscription, token, "unsubscribe")


def subscription_target(sub: Subscription) -> tuple[Post | None, Comment | None]:
    return db.session.get(Post, sub.post_id), (db.session.get(Comment, sub.comment_id) if sub.comment_id else None)


def moderate_by_link(token: str, action: str, actor: Any = None) -> Comment:
    """Approve or spam a held comment from an emailed link (confirmed by a POST)."""
    from blog.comments import moderation

    if action not in {"approve", "spam"}:
        raise DomainError(INVALID, status=400)
    comment_id = read_token(token, action)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise DomainError("This comment no longer exists. Nothing was changed.", status=404)
    if comment.status != CommentStatus.PENDING:
        raise DomainError(
            f"This comment was already handled (it is now {comment.status.value}). Nothing was changed.", status=409
        )
    target = CommentStatus.APPROVED if action == "approve" else CommentStatus.SPAM
    moderation.change_status(
        [comment],
        target,
        actor=actor,
        action=action,
        reason="spam" if action == "spam" else "",
        note="From the link in the email.",
    )
    db.session.commit()  # approval tells subscribers through moderation.change_status's hook
    return comment

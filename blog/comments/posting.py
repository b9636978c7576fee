"""Writing comments: who may post where, the checks, write-time rendering, threads, edit and delete.

``submit`` is the one way a reader's comment is stored (the web form; ``post_comment`` wraps it for
tests and tools), so the rules hold everywhere: the post must be live and open, a reply stays on
its post, the guard runs, the body is rendered once here, and the comment count moves only for
approved comments. It reads the database once (``intake``) and writes in one transaction
(``writes``, the outbox), with one commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import exists, select

from blog import cache
from blog.comments import bans, cards, events, guest_confirm, intake, moderation, sorting, threads, tools, writes
from blog.comments.avatars import avatar_hash
from blog.comments.intake import ParentFacts, PostFacts
from blog.comments.spam import Submission, check_length, check_text, guard, invalid_characters
from blog.errors import DomainError
from blog.extensions import db
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post
from blog.rendering import render_comment
from blog.reviews.ratings import comment_rating_target, rate_work

NAME_MAX = 120
EMAIL_MAX = 254
URL_MAX = 300


@dataclass
class CommentInput:
    """What a reader typed into the comment form, plus where the request came from."""

    body: str
    name: str = ""
    email: str = ""
    url: str = ""
    parent_id: int | None = None
    honeypot: str = ""
    form_token: str = ""
    ip: str = ""
    user_agent: str = ""
    #: "Notify me of replies by email" / "...of all new comments" (double opt-in, see comments.notify).
    notify_replies: bool = False
    notify_post: bool = False
    notify_digest: bool = False
    #: "Your score" for the reviewed work, as typed (checked by blog.reviews.ratings).
    score: str = ""


# ----------------------------------------------------------------------------- when comments are open


def closes_at(post: Post | PostFacts) -> datetime | None:
    """When the automatic close (``COMMENTS_CLOSE_AFTER_DAYS``) shuts this post's comments."""
    days = int(current_app.config["COMMENTS_CLOSE_AFTER_DAYS"])
    if days <= 0 or post.published_at is None:
        return None
    return post.published_at + timedelta(days=days)


def comments_open(post: Post | PostFacts, now: datetime | None = None) -> bool:
    """Open per post (``comment_status``), live, and not past the automatic close."""
    if not post.comments_open or not post.is_live:
        return False
    deadline = closes_at(post)
    return deadline is None or (now or utcnow()) < deadline


# ----------------------------------------------------------------------------- field checks


def validate_body(body: str) -> None:
    if not body.strip():
        raise DomainError("Type your comment before posting.", field="body")
    check_text(Submission(post_id=0, body=body))
    check_length(Submission(post_id=0, body=body))


def clean_author(name: str, email: str, url: str, *, require_email: bool = True) -> tuple[str, str, str]:
    """Trimmed, checked guest details: name and email required, website optional (http/https)."""
    name, email, url = " ".join(name.split()), email.strip(), url.strip()
    if invalid_characters([name, email, url]):
        raise DomainError("Your name, email or website contains characters we cannot store.", field="name")
    if not name:
        raise DomainError("Please give your name.", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"Keep your name under {NAME_MAX} characters.", field="name")
    if email or require_email:
        if not email:
            raise DomainError("Please give your email address (it is never shown).", field="email")
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise DomainError("That email address does not look right.", field="email") from None
        if len(email) > EMAIL_MAX:
            raise DomainError("That email address is too long.", field="email")
    if url:
        if "://" not in url:
            url = "https://" + url
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or " " in url or "." not in parts.netloc:
            raise DomainError("A website address starts with http:// or https://.", field="url")
        if len(url) > URL_MAX:
            raise DomainError(f"Keep the website address under {URL_MAX} characters.", field="url")
    return name, email.lower(), url


# ----------------------------------------------------------------------------- posting


def _check_parent(parent: ParentFacts | None, parent_id: int | None, post_id: int) -> None:
    if parent_id is None:
        return
    if parent is None:
        raise DomainError("The comment you are replying to does not exist.", field="parent_id", status=404)
    if parent.post_id != post_id:
        raise DomainError("You can only reply to a comment on the same post.", field="parent_id", status=400)
    if parent.deleted or parent.status != CommentStatus.APPROVED:
        raise DomainError(
            "The comment you are replying to has been removed; you can still post your comment on its own.",
            field="parent_id",
            status=409,
        )


def reply_depth(parent_depth: int) -> int:
    """A reply deeper than ``COMMENTS_MAX_DEPTH`` lands at the deepest level."""
    return min(parent_depth + 1, max(1, int(current_app.config["COMMENTS_MAX_DEPTH"])) - 1)


def place_in_thread(comment: Comment, parent: Comment | None) -> None:
    """Set a stored comment's ``thread_id`` and ``depth`` (for tools and tests that add ``Comment``s)."""
    if parent is None:
        comment.thread_id = comment.id
        comment.depth = 0
        return
    comment.thread_id = parent.thread_id or parent.id
    comment.depth = reply_depth(parent.depth)


class NoSuchPost(DomainError):
    """There is no live post at this address: no page to show the form again on (a plain 404)."""


@dataclass(slots=True)
class Posted:
    """A comment just written, as notifications, webhooks and the redirect read it (no ORM object)."""

    id: int
    post_id: int
    parent_id: int | None
    thread_id: int
    user_id: int | None
    author_name: str
    author_email: str
    author_url: str
    status: CommentStatus
    body_html: str
    created_at: datetime
    #: The page of the post that shows it (1 when no viewer was given).
    page: int = 1


def submit(
    post_ref: Post | str,
    data: CommentInput,
    user: Any = None,
    *,
    as_moderator: bool = False,
    viewer: Callable[[int], threads.Viewer] | None = None,
    sort: str | None = None,
) -> Posted:
    """Check, render and store a comment in one transaction and one commit; raise ``DomainError``
    (nothing stored) when a rule says no. ``post_ref`` is the post or its slug.

    The database is read once (``intake.read_facts``: the post and every check's answer) and written
    with Core statements: the comment, its history line, the comment count, the emails. With a
    ``viewer`` (the reader as they will look, given the comment's id: a guest's own held comments
    are theirs to see), the page that shows the comment to them is worked out before the commit, so
    the redirect needs no query afterwards. ``as_moderator`` is the moderation queue's reply: no
    anti-spam guard, and closed posts accept it.
    """
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    body = data.body.strip()
    refused: DomainError | None = None  # said after "no such post" and "closed", as the rules go
    try:
        validate_body(data.body)
        if signed_in:
            name, email, url = user.name, (user.email or "").lower(), user.website or ""
        else:
            name, email, url = clean_author(data.name, data.email, data.url)
    except DomainError as error:
        refused, body, name, email, url = error, "", "", "", ""  # nothing unstorable goes into the query
    guest_confirm_on = bool(current_app.config.get("COMMENTS_GUEST_EMAIL_CONFIRM"))
    facts = intake.read_facts(
        post_ref if isinstance(post_ref, str) else post_ref.id,
        user_id=user.id if signed_in else None,
        email=email,
        name=name.strip(),
        ip=data.ip,
        body=body,
        parent_id=data.parent_id,
        guest_confirm=guest_confirm_on,
    )
    if facts is None or not facts.post.is_live:
        raise NoSuchPost("This post is not published.", status=404)
    post = facts.post
    if not as_moderator and not comments_open(post):
        raise DomainError("Comments are closed on this post.", status=403)
    if refused is not None:
        raise refused
    _check_parent(facts.parent, data.parent_id, post.id)
    parent = facts.parent
    rating = comment_rating_target(post.id, data.score, signed_in) if not as_moderator else None
    sub = Submission(
        post_id=post.id,
        body=body,
        name=name,
        email=email,
        url=url,
        ip=data.ip,
        user_agent=data.user_agent[:500],
        user_id=user.id if signed_in else None,
        honeypot=data.honeypot,
        form_token=data.form_token,
        duplicate=facts.duplicate,
        approved_before=facts.approved_before,
    )
    if not as_moderator:
        bans.check_not_banned(facts.ban_id)  # bans and locked threads first, with a message for the reader
        if parent is not None and parent.root_locked:
            raise DomainError(tools.LOCKED_MESSAGE, status=403)
        guard(sub)
    body_html = render_comment(body)
    status, why = moderation.initial_status(sub, body_html, user if signed_in else None, post)
    if parent is not None and status == CommentStatus.APPROVED and parent.status != CommentStatus.APPROVED:
        status, why = CommentStatus.PENDING, "Reply to a comment that is not approved."
    held_for_email = guest_confirm.needs_confirmation(status, sub.user_id, email, facts.email_confirmed_before)
    if held_for_email:
        status, why = CommentStatus.PENDING, guest_confirm.HOLD_NOTE
    # a top-level comment is its own thread, set once its id is known
    thread_id, depth = (parent.thread_id, reply_depth(parent.depth)) if parent is not None else (None, 0)
    now = utcnow()
    row = {
        "post_id": post.id,
        "parent_id": parent.id if parent else None,
        "thread_id": thread_id,
        "depth": depth,
        "user_id": sub.user_id,
        "author_name": name,
        "author_email": email,
        "author_url": url,
        "author_ip": data.ip[:64],
        "user_agent": sub.user_agent,
        "avatar_hash": avatar_hash(email, sub.user_id),
        "body_source": body,
        "body_html": body_html,
        "status": status,
        "deleted": False,
        "is_author_reply": bool(signed_in and user.id == post.author_id),
        "like_count": 0,
        "pinned": False,
        "locked": False,
        "created_at": now,
        "status_changed_at": now,
    }
    connection = db.session.connection()
    comment_id = writes.insert_comment(connection, row)
    comment = Posted(
        comment_id,
        post.id,
        row["parent_id"],
        thread_id or comment_id,
        sub.user_id,
        name,
        email,
        url,
        status,
        body_html,
        now,
    )
    if status != CommentStatus.APPROVED:
        writes.insert_history(
            connection,
            {
                "comment_id": comment_id,
                "actor_id": None,
                "action": "hold" if status == CommentStatus.PENDING else "spam",
                "reason": "spam" if status == CommentStatus.SPAM else "",
                "note": why[:1000],
                "from_status": "",
                "to_status": status.value,
                "created_at": now,
            },
        )  # the comment's history starts with why it waits (``moderation.record``'s line, in Core)
    else:
        cache.bump_site_generation()  # a readable comment: every cached page showing the post is stale
        writes.count_one_more(connection, post.id)
    if rating is not None:
        work, score = rating
        rate_work(work, user, score, post_id=post.id, comment_id=comment_id)
    if status == CommentStatus.APPROVED:
        # Its card, for the readers who will see it (``blog.comments.cards``): its thread is read once.
        cards.refresh_threads(post.id, [thread_id or comment_id], post_author_id=post.author_id)
    # notifications, webhooks and subscriptions, in the same transaction
    events.comment_posted(
        comment,
        post,
        data,
        held_for_email=held_for_email,
        moderators=facts.moderator_emails,
        subscribers=facts.has_subscribers,
    )
    if viewer is not None:
        comment.page = _page_for(comment, post, parent, viewer(comment_id), sort)
    db.session.commit()
    return comment


def _page_for(
    comment: Posted, post: PostFacts, parent: ParentFacts | None, viewer: threads.Viewer, sort: str | None
) -> int:
    """The page of threads that shows ``comment`` to ``viewer``.

    A guest reads at most the approved comments (``comment_count``) and their own held ones (the ids
    in their session), and a thread needs one readable comment: below a page of those, it is page 1
    without counting anything.
    """
    per_page = threads.per_page()
    own_others = len(viewer.guest_ids) - (comment.id in viewer.guest_ids)
    if viewer.user_id is None and post.comment_count + own_others < per_page:
        return 1
    if parent is None and sorting.normalize(sort) == "oldest":
        # A new thread is the last to start (comments are dated as they are written), so every other
        # thread this reader can read comes before it: counted from the index, 0.55 ms for a post of
        # 4,000 threads on SQLite, where placing it among them read each thread's first comment (4.4 ms).
        return threads.count_threads(post.id, viewer, excluding=comment.id) // per_page + 1
    if parent is None:
        root = threads.RootKeys(comment.id, False, 0, comment.created_at)
    else:
        root = threads.RootKeys(parent.thread_id, parent.root_pinned, parent.root_like_count, parent.root_created_at)
    return threads.position_of_thread(post.id, viewer, sort, root) // per_page + 1


def post_comment(post: Post, data: CommentInput, user: Any = None, *, as_moderator: bool = False) -> Comment:
    """``submit`` for callers that want the stored ``Comment`` (tools, tests, the moderators' reply)."""
    posted = submit(post, data, user, as_moderator=as_moderator)
    comment = db.session.get(Comment, posted.id)
    assert comment is not None
    return comment


# ----------------------------------------------------------------------------- a commenter's own comments


def is_owner(comment: Comment, user: Any, guest_ids: set[int] | frozenset[int]) -> bool:
    """Accounts own comments by their login; guests by the ids in their signed session cookie."""
    if comment.user_id is not None:
        return bool(getattr(user, "is_authenticated", False) and user.id == comment.user_id)
    return comment.id in guest_ids


def edit_deadline(comment: Comment) -> datetime:
    return comment.created_at + timedelta(minutes=int(current_app.config["COMMENTS_EDIT_WINDOW_MINUTES"]))


def can_modify(comment: Comment, user: Any, guest_ids: set[int] | frozenset[int], now: datetime | None = None) -> bool:
    """The commenter may edit or delete their own comment for a few minutes after posting."""
    if comment.deleted or comment.status in {CommentStatus.SPAM, CommentStatus.TRASH}:
        return False
    return is_owner(comment, user, guest_ids) and (now or utcnow()) < edit_deadline(comment)


def _require_modifiable(comment: Comment, user: Any, guest_ids: set[int] | frozenset[int]) -> None:
    if not is_owner(comment, user, guest_ids) or comment.deleted:
        raise DomainError("You can only change your own comments.", status=403)
    if not can_modify(comment, user, guest_ids):
        minutes = int(current_app.config["COMMENTS_EDIT_WINDOW_MINUTES"])
        raise DomainError(
            f"Comments can be changed for {minutes} minutes after posting; that time has passed.", status=403
        )


def edit_own_comment(comment: Comment, body: str, user: Any, guest_ids: set[int] | frozenset[int]) -> Comment:
    """The commenter's edit: re-rendered now, marked "edited", and re-checked by moderation."""
    _require_modifiable(comment, user, guest_ids)
    validate_body(body)
    body = body.strip()
    if body == comment.body_source:
        return comment
    comment.body_source = body
    comment.body_html = render_comment(body)
    comment.edited_at = utcnow()
    sub = Submission(
        post_id=comment.post_id,
        body=body,
        name=comment.author_name,
        email=comment.author_email,
        url=comment.author_url,
        ip=comment.author_ip,
        user_agent=comment.user_agent,
        user_id=comment.user_id,
    )
    verdict = moderation.recheck_after_edit(comment, sub)
    if verdict is not None:
        moderation.change_status(
            [comment],
            verdict[0],
            actor=None,
            action="hold" if verdict[0] == CommentStatus.PENDING else "spam",
            reason="spam" if verdict[0] == CommentStatus.SPAM else "",
            note=verdict[1],
        )
    db.session.commit()
    return comment


def has_replies(comment: Comment) -> bool:
    return bool(db.session.scalar(select(exists().where(Comment.parent_id == comment.id))))


def delete_own_comment(comment: Comment, user: Any, guest_ids: set[int] | frozenset[int]) -> None:
    """A comment with replies stays as "This comment was deleted"; one without goes to the trash."""
    _require_modifiable(comment, user, guest_ids)
    actor = user if getattr(user, "is_authenticated", False) else None
    if has_replies(comment):
        if moderation.counts_toward_total(comment.status, False):
            moderation.adjust_comment_counts(Counter({comment.post_id: -1}))
        comment.deleted = True
        moderation.record(
            comment,
            "delete",
            actor=actor,
            note="Deleted by its author; replies kept.",
            from_status=comment.status.value,
            to_status=comment.status.value,
        )
    else:
        moderation.change_status(
            [comment], CommentStatus.TRASH, actor=actor, action="delete", note="Deleted by its author."
        )
    db.session.commit()

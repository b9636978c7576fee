""" "Email me new posts": readers follow the blog by email (double opt-in, one-click unsubscribe).

It lives beside the comment notifications because it shares their signed links and the outbox:
``follow`` stores an unconfirmed follower and sends the confirmation; each post that goes live
sends one email per confirmed follower (``announce_post``, called once per post by
blog.posts.announce: at publication, or when a scheduled post's time comes), through the same queue.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from blog.comments.notify import confirm_opt_in, end_opt_in, link, one_click_unsubscribe_url, site_url_for
from blog.errors import DomainError
from blog.extensions import db
from blog.mail import send_mail
from blog.models.base import utcnow
from blog.models.discussion import Follower
from blog.models.posts import Post

#: Said whatever happened, so the form never tells a stranger whether an address already follows.
SENT = "Check your inbox: we sent a link to confirm. Nothing is sent to you until you press it."


def following(email: str) -> str:
    """Said to a signed-in reader who followed with their own verified address."""
    return f"Each new post comes to {email}. Every email has a one-click unsubscribe link."


def follow(email: str, *, owner_email: str = "") -> Follower | None:
    """Ask to follow the blog. An address already following (or waiting) gets no second email.

    ``owner_email`` is the signed-in reader's verified address: when they follow with it, the
    double opt-in has nothing left to prove, so they follow at once (a waiting request of theirs
    is confirmed) and the follower is returned, confirmed. Anyone else's address gets the
    confirmation email, and the same answer whatever the address's state.
    """
    email = email.strip()
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise DomainError("That email address does not look right.", field="email") from None
    existing = db.session.scalar(select(Follower).where(Follower.email == email, Follower.unsubscribed_at.is_(None)))
    if owner_email and owner_email.strip().lower() == email:
        confirmed = existing or Follower(email=email)
        if confirmed.confirmed_at is None:
            confirmed.confirmed_at = utcnow()
        db.session.add(confirmed)
        db.session.commit()
        return confirmed
    if existing is not None:
        return None
    follower = Follower(email=email)
    db.session.add(follower)
    db.session.flush()
    site = current_app.config["SITE_NAME"]
    send_mail(
        email,
        f"[{site}] Please confirm: email me new posts",
        f"Someone (we hope you) asked to receive an email for each new post on {site}.\n\n"
        f"Confirm by opening this link and pressing the button:\n"
        f"{link('discussion.follow_link', 'follow-confirm', follower.id, purpose='confirm')}\n\n"
        "If it was not you, ignore this email: nothing will be sent without your confirmation.\n",
    )
    db.session.commit()
    return follower


def confirm(token: str) -> Follower:
    return confirm_opt_in(Follower, token, "follow-confirm")


def unsubscribe(token: str) -> Follower:
    return end_opt_in(Follower, token, "follow-unsubscribe")


def announce_post(post: Post) -> int:
    """One email per confirmed follower for a post that just went live; scheduled posts wait."""
    if post.published_at is None or post.published_at > utcnow():
        return 0
    followers = list(
        db.session.scalars(
            select(Follower)
            .where(Follower.confirmed_at.is_not(None), Follower.unsubscribed_at.is_(None))
            .order_by(Follower.id)
        )
    )
    site = current_app.config["SITE_NAME"]
    url = site_url_for("posts.post_detail", slug=post.slug)
    for follower in followers:
        stop = link("discussion.follow_link", "follow-unsubscribe", follower.id, purpose="unsubscribe")
        send_mail(
            follower.email,
            f"[{site}] New post: {post.title}",
            f"{post.title}\n\n{post.excerpt}\n\nRead it: {url}\n"
            f"\n--\nYou get this email because you follow {site}.\nStop these emails with one click: {stop}\n",
            unsubscribe_url=one_click_unsubscribe_url("follow", follower.id),
        )
    return len(followers)

"""Telling the world a post went live: the followers' email and the ``post.published`` webhook.

Each post is announced once (``Post.announced_at``): when it is published, or, for a scheduled
post, when its time comes. Nothing runs on a timer: before a request, each process looks at most
every ``ANNOUNCE_CHECK_SECONDS`` (and no later than the next scheduled post's time) whether a post
has come due, and ``flask announce-due`` does the same for operators who prefer cron. A post is
claimed with a conditional UPDATE, so two processes never announce it twice.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from blog.extensions import db
from blog.models.base import utcnow
from blog.models.posts import Post, PostStatus

log = logging.getLogger("blog.posts.announce")
EXTENSION_KEY = "sargasso.announce"


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return (
        Post.status == PostStatus.PUBLISHED,
        Post.published_at.is_not(None),
        Post.published_at <= now,
        Post.announced_at.is_(None),
    )


def announce(post: Post) -> bool:
    """Announce ``post`` if it is live and nobody has yet, in the caller's transaction."""
    now = utcnow()
    if (
        post.status != PostStatus.PUBLISHED
        or post.published_at is None
        or post.published_at > now
        or post.announced_at is not None
    ):
        return False
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, *_due(now))
        .values(announced_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False  # another process got there first
    set_committed_value(post, "announced_at", now)
    from blog.comments.events import post_went_live

    post_went_live(post)
    return True


def announce_due() -> int:
    """Announce every post whose time has come; commits. Returns how many were announced."""
    ids = list(db.session.scalars(select(Post.id).where(*_due(utcnow())).order_by(Post.published_at, Post.id)))
    count = 0
    for post_id in ids:
        post = db.session.get(Post, post_id)
        if post is not None and announce(post):
            count += 1
    db.session.commit()
    return count


def next_due() -> datetime | None:
    """The publication time of the first published post not yet announced (past or future)."""
    return db.session.scalar(
        select(func.min(Post.published_at)).where(
            Post.status == PostStatus.PUBLISHED, Post.published_at.is_not(None), Post.announced_at.is_(None)
        )
    )


@dataclass
class _Clock:
    """When this process looks next (``time.monotonic``); one request at a time does the looking."""

    interval: float
    next_check: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _before_request() -> None:
    clock: _Clock = current_app.extensions[EXTENSION_KEY]
    now = time.monotonic()
    if now < clock.next_check or not clock.lock.acquire(blocking=False):
        return
    try:
        clock.next_check = now + clock.interval
        due = next_due()
        if due is None:
            return
        wait = (due - utcnow()).total_seconds()
        if wait > 0:
            clock.next_check = min(clock.next_check, now + wait)
            return
        count = announce_due()
        if count:
            log.info("Announced %d post(s) that came due", count)
    except Exception:  # the reader's page must not fail because an announcement did
        db.session.rollback()
        log.exception("Announcing due posts failed; trying again in %.0f s", clock.interval)
    finally:
        clock.lock.release()


def init_app(app: Flask) -> None:
    """Register before the page cache, so cached pages do not stop scheduled posts being announced."""
    interval = max(0.0, float(app.config["ANNOUNCE_CHECK_SECONDS"]))
    # The first look waits one interval: a request's statement count stays its own, and a post that
    # came due while the site was down is announced within a minute of starting.
    app.extensions[EXTENSION_KEY] = _Clock(interval=interval, next_check=time.monotonic() + interval)
    app.before_request(_before_request)


@click.command("announce-due")
@with_appcontext
def announce_due_command() -> None:
    """Send the followers' email and the post.published webhook for scheduled posts that came due."""
    count = announce_due()
    click.echo(f"Announced {count} post{'s' if count != 1 else ''}.")

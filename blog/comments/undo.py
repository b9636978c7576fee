"""Undo in the moderation queue: the moderator's latest status change, put back.

What an undo needs (each comment's status before and after the action) stays in the moderator's
session, which is signed; the Undo form posts only the action's id. A moderator can undo their
latest action only, within ``COMMENTS_UNDO_SECONDS``, once. Undoing goes through
``moderation.change_status`` like any other change (history, comment counts, thread cards, the
page cache) but announces nothing (see ``events.status_changed``), and it leaves alone a comment
that someone has moved since: it only takes back what the action itself did.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, session
from sqlalchemy import select

from blog.comments import moderation
from blog.comments.moderation import Move
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import User
from blog.models.comments import Comment, CommentStatus

SESSION_KEY = "moderation_undo"

#: The session is a cookie (4 kB at most): an action on more comments than this, which the queue's
#: pages of 20 never send, is not offered for undo.
MAX_COMMENTS = 200

GONE = "That can no longer be undone: Undo works once, for your latest action in the queue, for {minutes}."


@dataclass(frozen=True, slots=True)
class Undone:
    """What an undo did: comments put back, left because they changed since, or deleted since."""

    restored: int
    changed: int = 0
    deleted: int = 0

    @property
    def message(self) -> str:
        text = f"Undone: {_comments(self.restored)} put back." if self.restored else "Nothing was undone."
        if self.changed:
            it = "it was" if self.changed == 1 else "they were"
            text += f" {_comments(self.changed)} left alone: {it} changed by someone since."
        if self.deleted:
            was = "was" if self.deleted == 1 else "were"
            text += f" {_comments(self.deleted)} {was} deleted for good since."
        return text


def _comments(n: int) -> str:
    return f"{n} comment" if n == 1 else f"{n} comments"


def _seconds() -> int:
    return int(current_app.config["COMMENTS_UNDO_SECONDS"])


def remember(moves: Sequence[Move], actor: User) -> None:
    """Keep ``moves`` as the moderator's latest action, replacing any older one.

    Nothing is kept when nothing moved, when the action was too big for the session, or when
    the trash is emptied at once (``COMMENTS_TRASH_DAYS`` 0: trashing deletes for good)."""
    session.pop(SESSION_KEY, None)
    if not moves or len(moves) > MAX_COMMENTS or _seconds() <= 0:
        return
    if int(current_app.config["COMMENTS_TRASH_DAYS"]) <= 0 and any(m.after == CommentStatus.TRASH for m in moves):
        return
    grouped: dict[str, list[int]] = defaultdict(list)
    for move in moves:
        grouped[f"{move.before.value}>{move.after.value}"].append(move.comment_id)
    session[SESSION_KEY] = {
        "id": secrets.token_urlsafe(12),
        "user": actor.id,
        "at": int(time.time()),
        "moves": dict(grouped),
        "offered": False,
    }


def _latest(actor: User) -> dict[str, Any] | None:
    """The moderator's latest action, while it can still be undone."""
    entry = session.get(SESSION_KEY)
    if not isinstance(entry, dict) or entry.get("user") != actor.id:
        return None
    if time.time() - float(entry.get("at", 0)) > _seconds():
        session.pop(SESSION_KEY, None)
        return None
    return entry


def take_offer(actor: User) -> str | None:
    """The id of the action just done, for an Undo button on the page that follows it (once)."""
    entry = _latest(actor)
    if entry is None or entry.get("offered"):
        return None
    session[SESSION_KEY] = {**entry, "offered": True}
    return str(entry["id"])


def _claim(action_id: str, actor: User) -> list[Move]:
    """The moves of the latest action if ``action_id`` names it; it cannot be claimed twice."""
    entry = _latest(actor)
    if entry is None or not secrets.compare_digest(str(entry.get("id", "")), action_id or ""):
        minutes = max(1, _seconds() // 60)
        raise DomainError(GONE.format(minutes=f"{minutes} minute" + ("s" if minutes != 1 else "")), status=409)
    session.pop(SESSION_KEY, None)
    moves = []
    for key, ids in entry["moves"].items():
        before, _, after = key.partition(">")
        moves.extend(Move(int(cid), CommentStatus(before), CommentStatus(after)) for cid in ids)
    return moves


def undo_latest(action_id: str, actor: User) -> Undone:
    """Undo the moderator's latest action, named by the id its Undo button posted."""
    return put_back(_claim(action_id, actor), actor)


def put_back(moves: Sequence[Move], actor: User) -> Undone:
    """Return each comment to its status before the action, if it still has the status the action
    gave it; one read (locking the rows on PostgreSQL) and one ``change_status`` per status."""
    wanted = {move.comment_id: move for move in moves}
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.id.in_(list(wanted)))
        .order_by(Comment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    back: dict[CommentStatus, list[Comment]] = defaultdict(list)
    for comment in comments:
        move = wanted[comment.id]
        if comment.status == move.after:
            back[move.before].append(comment)
    restored = sum(
        moderation.change_status(group, status, actor=actor, action="undo", reason="undo", announce=False)
        for status, group in back.items()
    )
    db.session.commit()
    return Undone(restored=restored, changed=len(comments) - restored, deleted=len(wanted) - len(comments))

"""Bans: a commenter (account, email address or IP) who may not comment, for good or until a date.

The posting path reads ``ban_for`` with the post and calls ``check_not_banned`` before the guard,
so a banned reader is told plainly why their comment was refused rather than silently dropped. An expired or lifted ban
matches nothing: the reader is back without anyone having to remember them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from blog.auth.permissions import can_moderate
from blog.comments import moderation
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.discussion import Ban, BanKind
from blog.timezone import human_date, local_time


def _active(now: datetime) -> Any:
    return (Ban.lifted_at.is_(None)) & or_(Ban.until.is_(None), Ban.until > now)


def ban_for(account: Any, email: Any, ip: Any, now: Any) -> Select[tuple[int]]:
    """The first ban in force against an account id (as text), an email or an IP: values or bound
    parameters (the posting path reads it inside its one statement, ``blog.comments.intake``)."""
    matches = or_(
        (Ban.kind == BanKind.ACCOUNT) & (Ban.value == account),
        (Ban.kind == BanKind.EMAIL) & (Ban.value == email),
        (Ban.kind == BanKind.IP) & (Ban.value == ip),
    )
    return select(Ban.id).where(_active(now), matches).order_by(Ban.id).limit(1)


def ban_message(ban: Ban) -> str:
    when = "" if ban.until is None else f" until {human_date(ban.until)}"
    reason = f" Reason: {ban.reason}" if ban.reason else ""
    return f"You have been banned from commenting on this site{when}.{reason}".strip()


def check_not_banned(ban_id: int | None) -> None:
    """Refuse a banned commenter's comment with a message saying so (403). ``ban_id`` is what
    ``ban_for`` found, read with the post by the posting path (``blog.comments.intake``)."""
    ban = db.session.get(Ban, ban_id) if ban_id is not None else None
    if ban is not None:
        raise DomainError(ban_message(ban), status=403)


def _matching_comments(kind: BanKind, value: str) -> Any:
    if kind == BanKind.ACCOUNT:
        return Comment.user_id == int(value)
    if kind == BanKind.EMAIL:
        return Comment.author_email == value
    return Comment.author_ip == value


def normalize_value(kind: BanKind, value: str) -> str:
    value = value.strip()
    if kind == BanKind.EMAIL:
        value = value.lower()
        if "@" not in value:
            raise DomainError("That email address does not look right.", field="value")
    elif kind == BanKind.ACCOUNT:
        if not value.isdigit():
            raise DomainError("An account ban needs the account's number.", field="value")
    elif not value:
        raise DomainError("Give the IP address to ban.", field="value")
    if len(value) > 254:
        raise DomainError("That value is too long.", field="value")
    return value


def ban(
    kind: BanKind | str,
    value: str,
    actor: Any,
    *,
    reason: str = "",
    until: datetime | None = None,
    hide_past: bool = False,
    comment: Comment | None = None,
) -> Ban:
    """Ban a commenter; with ``hide_past`` their approved and held comments go to spam (restorable).

    The ban joins the history of ``comment`` (the one the moderator banned from) and of every
    comment it hid.
    """
    if not can_moderate(actor):
        raise DomainError("Only moderators can ban commenters.", status=403)
    try:
        kind = BanKind(kind)
    except ValueError:
        raise DomainError("Choose account, email or IP.", field="kind") from None
    value = normalize_value(kind, value)
    if until is not None and until <= utcnow():
        raise DomainError("The end of a ban must be in the future.", field="until")
    entry = Ban(
        kind=kind, value=value, reason=reason.strip()[:500], until=until, hide_past=hide_past, created_by_id=actor.id
    )
    db.session.add(entry)
    note = f"Banned {kind.value} {value}" + (
        f" until {local_time(until, '%Y-%m-%d %H:%M %Z')}" if until else " permanently"
    )
    note += f": {reason.strip()}" if reason.strip() else "."
    hidden: Sequence[Comment] = []
    if hide_past:
        hidden = list(
            db.session.scalars(
                select(Comment).where(
                    _matching_comments(kind, value), Comment.status.in_([CommentStatus.APPROVED, CommentStatus.PENDING])
                )
            )
        )
        moderation.change_status(hidden, CommentStatus.SPAM, actor=actor, action="ban", reason="abuse", note=note)
    if comment is not None and comment not in hidden:
        moderation.record(
            comment, "ban", actor=actor, note=note, from_status=comment.status.value, to_status=comment.status.value
        )
    db.session.commit()
    return entry


def lift(ban_id: int, actor: Any) -> Ban:
    if not can_moderate(actor):
        raise DomainError("Only moderators can lift bans.", status=403)
    entry = db.session.get(Ban, ban_id)
    if entry is None:
        raise DomainError("There is no such ban.", status=404)
    if entry.lifted_at is None:
        entry.lifted_at = utcnow()
        db.session.commit()
    return entry


def ban_list(now: datetime | None = None) -> list[Ban]:
    """Bans in force, newest first."""
    return list(db.session.scalars(select(Ban).where(_active(now or utcnow())).order_by(Ban.id.desc())))


def accounts_named(found: Sequence[Ban]) -> dict[str, User]:
    """The accounts that account bans name, by the ban's value (the id as text), in one query: a
    moderator reads "Ann Reader (ann@example.org)", not "account: 2"."""
    ids = {int(b.value) for b in found if b.kind == BanKind.ACCOUNT and b.value.isdigit()}
    if not ids:
        return {}
    return {str(user.id): user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}

"""Queueing and claiming messages. Plain functions over the ``mail_outbox`` table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from blog.extensions import db
from blog.models.base import utcnow
from blog.models.mail import MailStatus, OutgoingMail

#: Key in ``Session.info`` telling the after-commit hook that this transaction queued mail.
QUEUED_FLAG = "sargasso_mail_queued"


def _check_header(value: str, what: str) -> str:
    value = value.strip()
    if not value or "\n" in value or "\r" in value:
        raise ValueError(f"send_mail: {what} must be one non-empty line")
    return value


def send_mail(to: str, subject: str, text: str, html: str | None = None, *,
              unsubscribe_url: str = "") -> OutgoingMail:
    """Queue one message to ``to`` in the current transaction; it is sent after the caller commits.

    ``text`` is the plain-text body (always sent); ``html`` an optional alternative part, which
    callers must build from escaped or sanitized content. ``unsubscribe_url`` (a URL that stops
    this kind of email on a POST, without cookies) becomes the ``List-Unsubscribe`` header, so
    mail clients show their own "Unsubscribe" button.
    """
    message = OutgoingMail(
        to_address=_check_header(to, "to")[:254],
        subject=_check_header(subject, "subject")[:300],
        body_text=text,
        body_html=html,
        list_unsubscribe=_check_header(unsubscribe_url, "unsubscribe_url")[:1000] if unsubscribe_url else "",
        status=MailStatus.QUEUED,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    session = db.session()
    session.info[QUEUED_FLAG] = current_app._get_current_object()  # type: ignore[attr-defined]
    return message


def stale_before(now: datetime, config: dict[str, Any]) -> datetime:
    """A message claimed earlier than this was left by a worker that died mid-send."""
    return now - timedelta(seconds=max(60, int(config["MAIL_TIMEOUT"]) * 6))


def due_ids(session: Session, now: datetime, config: dict[str, Any], limit: int = 20) -> list[int]:
    """Messages ready for a (re)try, oldest first."""
    claimable = or_(
        and_(OutgoingMail.status == MailStatus.QUEUED, OutgoingMail.next_attempt_at <= now),
        and_(OutgoingMail.status == MailStatus.SENDING, OutgoingMail.claimed_at < stale_before(now, config)),
    )
    return list(session.scalars(select(OutgoingMail.id).where(claimable).order_by(OutgoingMail.id).limit(limit)))


def claim(session: Session, message_id: int, now: datetime, config: dict[str, Any]) -> OutgoingMail | None:
    """Mark one message as being sent by us; None if another worker (process) got it first."""
    result = session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == message_id,
            or_(
                OutgoingMail.status == MailStatus.QUEUED,
                and_(OutgoingMail.status == MailStatus.SENDING, OutgoingMail.claimed_at < stale_before(now, config)),
            ),
        )
        .values(status=MailStatus.SENDING, claimed_at=now, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(OutgoingMail, message_id, populate_existing=True)


def mark_sent(session: Session, message: OutgoingMail) -> None:
    message.status = MailStatus.SENT
    message.sent_at = utcnow()
    message.last_error = ""
    session.commit()


def mark_failed(
    session: Session, message: OutgoingMail, error: str, *, permanent: bool, config: dict[str, Any]
) -> None:
    """Schedule a retry with doubling delay, or give up after ``MAIL_MAX_ATTEMPTS``."""
    message.last_error = error[:1000]
    if permanent or message.attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
        message.status = MailStatus.FAILED
    else:
        message.status = MailStatus.QUEUED
        delay = int(config["MAIL_RETRY_SECONDS"]) * 2 ** max(0, message.attempts - 1)
        message.next_attempt_at = utcnow() + timedelta(seconds=delay)
    message.claimed_at = None
    session.commit()


def next_wakeup(session: Session) -> datetime | None:
    """When the earliest queued message becomes due; None when nothing waits."""
    earliest = select(func.min(OutgoingMail.next_attempt_at)).where(OutgoingMail.status == MailStatus.QUEUED)
    return session.scalar(earliest)

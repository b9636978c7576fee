"""Queueing mail, and claiming and retrying rows of a background queue (the outbox, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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


def mail_row(to: str, subject: str, text: str, html: str | None = None, *, unsubscribe_url: str = "") -> dict[str, Any]:
    """The outbox row for one message, checked (one-line headers), for ``queue_mails``."""
    return {
        "to_address": _check_header(to, "to")[:254],
        "subject": _check_header(subject, "subject")[:300],
        "body_text": text,
        "body_html": html,
        "list_unsubscribe": _check_header(unsubscribe_url, "unsubscribe_url")[:1000] if unsubscribe_url else "",
    }


def _mark_queued() -> None:
    db.session().info[QUEUED_FLAG] = current_app._get_current_object()  # type: ignore[attr-defined]


_INSERT_MAIL: Any = OutgoingMail.__table__.insert()  # type: ignore[attr-defined]


def queue_mails(rows: list[dict[str, Any]]) -> None:
    """Queue several messages (``mail_row``) with one INSERT in the current transaction.

    The rows are the durable record that the emails must go: written with the change that causes
    them, gone if it rolls back, and sent by the worker after the commit.
    """
    if not rows:
        return
    now = utcnow()
    extra = {"status": MailStatus.QUEUED, "attempts": 0, "next_attempt_at": now, "created_at": now, "last_error": ""}
    db.session.connection().execute(_INSERT_MAIL, [{**row, **extra} for row in rows])
    _mark_queued()


def send_mail(to: str, subject: str, text: str, html: str | None = None, *, unsubscribe_url: str = "") -> OutgoingMail:
    """Queue one message to ``to`` in the current transaction; it is sent after the caller commits.

    ``text`` is the plain-text body (always sent); ``html`` an optional alternative part, which
    callers must build from escaped or sanitized content. ``unsubscribe_url`` (a URL that stops
    this kind of email on a POST, without cookies) becomes the ``List-Unsubscribe`` header, so
    mail clients show their own "Unsubscribe" button.
    """
    message = OutgoingMail(
        **mail_row(to, subject, text, html, unsubscribe_url=unsubscribe_url),
        status=MailStatus.QUEUED,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    _mark_queued()
    return message


@dataclass(frozen=True)
class Queue:
    """A table of rows sent in the background with retries: the mail outbox, webhook deliveries.

    Both have the same columns (``status``, ``attempts``, ``next_attempt_at``, ``claimed_at``,
    ``last_error``, ``sent_at``) and the same life cycle; ``settings`` names their knobs:
    ``<settings>_TIMEOUT``, ``<settings>_MAX_ATTEMPTS``, ``<settings>_RETRY_SECONDS``.
    """

    model: Any
    settings: str

    def stale_before(self, now: datetime, config: dict[str, Any]) -> datetime:
        """A row claimed earlier than this was left by a worker that died mid-send."""
        return now - timedelta(seconds=max(60, int(config[f"{self.settings}_TIMEOUT"]) * 6))

    def claimable(self, now: datetime, config: dict[str, Any]) -> Any:
        model = self.model
        return or_(
            and_(model.status == MailStatus.QUEUED, model.next_attempt_at <= now),
            and_(model.status == MailStatus.SENDING, model.claimed_at < self.stale_before(now, config)),
        )

    def due_ids(self, session: Session, now: datetime, config: dict[str, Any], limit: int = 20) -> list[int]:
        """Rows ready for a (re)try, oldest first."""
        stmt = select(self.model.id).where(self.claimable(now, config)).order_by(self.model.id).limit(limit)
        return list(session.scalars(stmt))

    def claim(self, session: Session, row_id: int, now: datetime, config: dict[str, Any]) -> Any:
        """Mark one row as being sent by us; None if another worker (process) got it first."""
        model = self.model
        result = session.execute(
            update(model)
            .where(model.id == row_id, self.claimable(now, config))
            .values(status=MailStatus.SENDING, claimed_at=now, attempts=model.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(model, row_id, populate_existing=True)

    def claim_due(self, session: Session, now: datetime, config: dict[str, Any], limit: int = 20) -> list[Any]:
        """Claim up to ``limit`` due rows, oldest first, in one UPDATE ... RETURNING and one commit.

        Per row that was an UPDATE, a commit and a SELECT: most of the worker's cost per email. The
        subquery picks candidates and the outer WHERE re-checks them, so a row another worker
        claimed meanwhile is left out. Without RETURNING, rows are claimed one by one.
        """
        if not session.get_bind().dialect.update_returning:
            rows = (self.claim(session, row_id, now, config) for row_id in self.due_ids(session, now, config, limit))
            return [row for row in rows if row is not None]
        model = self.model
        due = select(model.id).where(self.claimable(now, config)).order_by(model.id).limit(limit)
        stmt = (
            update(model)
            .where(model.id.in_(due.scalar_subquery()), self.claimable(now, config))
            .values(status=MailStatus.SENDING, claimed_at=now, attempts=model.attempts + 1)
            .returning(model)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        rows = list(session.scalars(stmt))
        session.commit()
        return sorted(rows, key=lambda row: row.id)

    @cached_property
    def _mark_sent_stmt(self) -> Any:
        table = self.model.__table__
        return (
            table.update()
            .where(table.c.id.in_(bindparam("row_ids", expanding=True)))
            .values(status=MailStatus.SENT, sent_at=bindparam("now"), last_error="")
        )

    def mark_sent(self, session: Session, rows: list[Any]) -> None:
        """Record sent rows with one prebuilt Core UPDATE and one commit (the worker's
        ``sent_per_commit`` rows at a time).

        For email a commit per row was most of the worker's cost per message when mail goes to the
        log (0.40 against 0.16 ms), and each took SQLite's one write lock from the requests. The
        price: a worker killed mid-round sends the rows it had not recorded again once their claim
        goes stale (email is at-least-once anyway).
        """
        if not rows:
            return
        now = utcnow()
        session.connection().execute(self._mark_sent_stmt, {"row_ids": [row.id for row in rows], "now": now})
        session.commit()
        for row in rows:
            for key, value in (("status", MailStatus.SENT), ("sent_at", now), ("last_error", "")):
                set_committed_value(row, key, value)

    def release(self, session: Session, rows: list[Any]) -> None:
        """Give back rows claimed but not tried (the worker is stopping), as if never claimed."""
        model = self.model
        session.execute(
            update(model)
            .where(model.id.in_([row.id for row in rows]))
            .values(status=MailStatus.QUEUED, claimed_at=None, attempts=model.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()

    def mark_failed(self, session: Session, row: Any, error: str, *, permanent: bool, config: dict[str, Any]) -> None:
        """Schedule a retry with doubling delay, or give up after ``<settings>_MAX_ATTEMPTS``."""
        row.last_error = error[:1000]
        if permanent or row.attempts >= int(config[f"{self.settings}_MAX_ATTEMPTS"]):
            row.status = MailStatus.FAILED
        else:
            row.status = MailStatus.QUEUED
            delay = int(config[f"{self.settings}_RETRY_SECONDS"]) * 2 ** max(0, row.attempts - 1)
            row.next_attempt_at = utcnow() + timedelta(seconds=delay)
        row.claimed_at = None
        session.commit()

    def next_wakeup(self, session: Session) -> datetime | None:
        """When the earliest queued row becomes due; None when nothing waits."""
        earliest = select(func.min(self.model.next_attempt_at)).where(self.model.status == MailStatus.QUEUED)
        return session.scalar(earliest)


OUTBOX = Queue(OutgoingMail, "MAIL")

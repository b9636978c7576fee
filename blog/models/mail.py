"""The mail outbox: every email the site sends is a row here first, sent later by a worker."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.extensions import db
from blog.models.base import UTCDateTime, utcnow


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first try or a retry (see next_attempt_at)
    SENDING = "sending"  # claimed by a worker; stale claims are taken back after a timeout
    SENT = "sent"
    FAILED = "failed"  # gave up: permanent SMTP refusal or too many attempts


class QueuedRow:
    """The columns of a row sent in the background with retries (blog.mail.outbox.Queue drains them):
    shared by the mail outbox and webhook deliveries."""

    status: Mapped[MailStatus] = mapped_column(
        Enum(MailStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=MailStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutgoingMail(QueuedRow, db.Model):  # type: ignore[name-defined,misc]
    """One message. Rows survive restarts, so nothing queued is lost when the site stops."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: One-click unsubscribe URL for the ``List-Unsubscribe`` header (RFC 2369/8058); empty for none.
    list_unsubscribe: Mapped[str] = mapped_column(String(1000), default="")

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} to={self.to_address!r} {self.status}>"

"""Webhook deliveries: each event for the operator's endpoint is a row first, sent later by a worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.extensions import db
from blog.models.base import UTCDateTime, utcnow
from blog.models.mail import MailStatus

#: Same life cycle as a mail: queued, sending (claimed), sent, failed (gave up).
DeliveryStatus = MailStatus


class WebhookDelivery(db.Model):  # type: ignore[name-defined,misc]
    """One event for ``url``. Rows survive restarts; the worker retries with backoff."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(String(500))
    #: The JSON body exactly as signed and sent.
    payload: Mapped[str] = mapped_column(Text)
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

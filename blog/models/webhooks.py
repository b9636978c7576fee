"""Webhook deliveries: each event for the operator's endpoint is a row first, sent later by a worker."""

from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.extensions import db
from blog.models.mail import MailStatus, QueuedRow

#: Same life cycle as a mail: queued, sending (claimed), sent, failed (gave up).
DeliveryStatus = MailStatus


class WebhookDelivery(QueuedRow, db.Model):  # type: ignore[name-defined,misc]
    """One event for ``url``. Rows survive restarts; the worker retries with backoff."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(String(500))
    #: The JSON body exactly as signed and sent.
    payload: Mapped[str] = mapped_column(Text)

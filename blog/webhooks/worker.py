"""The webhook sender: the mail outbox's worker thread, pointed at the ``webhook_deliveries`` queue.

``MailWorker`` already owns the hard parts (its own one-connection engine, waking on commit, sleeping
until the next retry, stopping cleanly); this subclass only replaces what one round of work is.
Rows are claimed with a conditional UPDATE, so several processes may run workers at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import threading
from collections.abc import Iterator
from typing import Any

import requests
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from blog.mail.outbox import Queue
from blog.mail.worker import MailWorker
from blog.models.webhooks import WebhookDelivery
from blog.webhooks.events import QUEUED_FLAG

log = logging.getLogger("blog.webhooks")
EXTENSION_KEY = "sargasso_webhooks"
SIGNATURE_HEADER = "X-Sargasso-Signature"


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: what a receiver recomputes with the shared secret to trust the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class DeliveryFailed(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def post_delivery(delivery: WebhookDelivery, config: dict[str, Any]) -> None:
    """POST one delivery; raise ``DeliveryFailed`` unless the receiver answered 2xx."""
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Sargasso-Webhooks/1",
        "X-Sargasso-Event": delivery.event,
        "X-Sargasso-Delivery": str(delivery.id),
        SIGNATURE_HEADER: signature(str(config.get("WEBHOOK_SECRET") or ""), body),
    }
    try:
        response = requests.post(
            delivery.url, data=body, headers=headers, timeout=float(config["WEBHOOK_TIMEOUT"]), allow_redirects=False
        )
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        # 410 Gone: the receiver says this endpoint is retired; retrying cannot help.
        raise DeliveryFailed(f"HTTP {response.status_code}", permanent=response.status_code == 410)


class WebhookWorker(MailWorker):
    """Same thread life cycle as the mail worker; each round sends due webhook deliveries."""

    log = log
    queue = Queue(WebhookDelivery, "WEBHOOK")
    failures = (DeliveryFailed,)
    #: Each delivery is an HTTP request that may take seconds: recorded one by one, so a worker
    #: killed mid-round repeats at most the delivery it was making.
    sent_per_commit = 1

    def deliver(self, row: Any) -> bool:
        post_delivery(row, self.config)
        return True

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Each delivery is its own HTTP request: nothing is held for the round."""
        yield

    def describe(self, row: Any) -> str:
        return f"Webhook {row.id} ({row.event})"


def webhook_worker(app: Flask) -> WebhookWorker:
    worker = app.extensions.get(EXTENSION_KEY)
    if worker is None:
        worker = app.extensions[EXTENSION_KEY] = WebhookWorker(app)
    return worker  # type: ignore[no-any-return]


def stop_webhook_worker(app: Flask) -> None:
    webhook_worker(app).stop()


def _after_commit(session: Session) -> None:
    app = session.info.pop(QUEUED_FLAG, None)
    if app is not None:
        webhook_worker(app).kick()


_listening = threading.Lock()
_registered = False


def init_app(app: Flask) -> None:
    global _registered
    webhook_worker(app)
    with _listening:
        if not _registered:
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_soft_rollback", lambda session, previous: session.info.pop(QUEUED_FLAG, None))
            _registered = True

    @app.before_request
    def _resume_webhooks() -> None:
        # Once per process: deliveries left by a previous run go out without waiting for new ones.
        worker = webhook_worker(app)
        if not worker.resumed:
            worker.resumed = True
            if app.config.get("MAIL_RESUME_ON_START", True) and app.config.get("WEBHOOK_URL"):
                worker.kick()

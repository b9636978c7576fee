"""Signed webhooks for the operator: events as JSON to ``WEBHOOK_URL``, in the background.

``emit(event, data)`` adds a delivery row to the current transaction (nothing is sent for work
that is rolled back); after the commit a worker thread POSTs it with an
``X-Sargasso-Signature: sha256=<hex hmac of the body with WEBHOOK_SECRET>`` header, retrying with
doubling delays. The worker is the mail outbox's (``blog.mail.worker.MailWorker``), given a
different queue, so a receiver that answers 500 or never answers never slows a request.
"""

from __future__ import annotations

from flask import Flask

from blog.webhooks.events import comment_event, emit, post_event
from blog.webhooks.worker import init_app as _init_worker
from blog.webhooks.worker import stop_webhook_worker, webhook_worker


def init_app(app: Flask) -> None:
    _init_worker(app)


__all__ = ["comment_event", "emit", "init_app", "post_event", "stop_webhook_worker", "webhook_worker"]

"""The site's mail outbox: ``send_mail`` queues, a background worker delivers.

Every email of the site (sign-in links, notifications, digests) goes through ``send_mail``. The
message is a row in the current database transaction: it is queued when the caller commits and
never exists if the caller rolls back, so a failed comment never sends a notification. After the
commit a worker thread wakes up and delivers it over SMTP (``MAIL_*`` settings) with retries and
backoff, or writes it to the log when ``MAIL_SERVER`` is empty. A request never waits for SMTP.
"""

from __future__ import annotations

from flask import Flask

from blog.mail.outbox import send_mail
from blog.mail.worker import kick_worker, mail_worker, stop_worker


def init_app(app: Flask) -> None:
    """Wake the worker after commits that queued mail; resume a previous run's queue."""
    from blog.mail import worker

    worker.init_app(app)


__all__ = ["init_app", "kick_worker", "mail_worker", "send_mail", "stop_worker"]

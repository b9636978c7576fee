"""Request ids and logs an operator can follow from nginx to gunicorn to the app.

Each request gets an id: the ``X-Request-ID`` a proxy sent when it looks sane, else a new one.
It is echoed in the response header (gunicorn's access log prints it, see ``gunicorn.conf.py``)
and stamped on every log line written while the request runs. Errors are logged with the
request's method, path, endpoint, client address and user, so a reader's report ("the page broke
at 10:02") can be matched to a traceback. Readers only ever see the friendly error page.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid

from flask import Flask, g, has_request_context, request, session
from flask.logging import default_handler
from werkzeug.wrappers import Response

REQUEST_ID_HEADER = "X-Request-ID"
#: Letters, digits and a few separators, at most 128 of them: enough for UUIDs, AWS and
#: Heroku ids, and never a newline or a space that could forge a log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")
LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_for(offered: str) -> str:
    """The id a proxy offered when it looks sane, else a new one (also for hits answered before
    Flask, see blog.cache.wsgi)."""
    return offered if _SANE_ID.fullmatch(offered) else new_request_id()


def request_id() -> str:
    """This request's id (made on first use); ``-`` outside a request."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        g.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER, ""))
    return str(g.request_id)


def request_context() -> str:
    """What an error log line needs to be traced back to a reader's request."""
    if not has_request_context():
        return ""
    user = session.get("_user_id", "-") if session else "-"
    user_id = str(user).partition(":")[0] or "-"
    return (
        f"method={request.method} path={request.full_path.rstrip('?')} endpoint={request.endpoint}"
        f" ip={request.remote_addr} user={user_id}"
    )


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` (and, for errors, the request's context) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        if record.levelno >= logging.ERROR and has_request_context() and not getattr(record, "request_context", None):
            record.request_context = request_context()
        return True


class ContextFormatter(logging.Formatter):
    """The usual format, with the request's context after the message of an error."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        text = super().format(record)
        context = getattr(record, "request_context", "")
        if context:
            first, sep, rest = text.partition("\n")
            text = f"{first} ({context}){sep}{rest}"
        return text


def make_handler(stream: object = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(ContextFormatter(LOG_FORMAT))
    handler.set_name("sargasso")
    return handler


def _configure_logging(app: Flask) -> None:
    logger = app.logger  # the "blog" logger; area modules log to its children
    if not any(h.get_name() == "sargasso" for h in logger.handlers):
        logger.removeHandler(default_handler)
        logger.addHandler(make_handler())
    if not app.debug:
        logger.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())


def _add_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def _start_request() -> None:
    request_id()  # fix the id before anything logs


def init_app(app: Flask) -> None:
    _configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_add_request_id)

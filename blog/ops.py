"""What load balancers and operators ask of a running instance.

``/healthz`` answers 200 when the database answers, 503 when it does not, so a load balancer
takes an instance out of rotation instead of sending readers to error pages. A database that
vanishes mid-request (a restart, a failover) gives the reader a clear 503 "try again" page with
``Retry-After`` rather than a 500 or a hang; the pool's pre-ping reconnects on the next request.
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, Flask, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from blog.extensions import db, limiter

bp = Blueprint("ops", __name__)

UNAVAILABLE_MESSAGE = "The site is briefly unavailable. Please try again in a few seconds."


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("healthz: database unreachable: %s", error.__class__.__name__)
        response, status = jsonify(status="unavailable", database="unreachable"), 503
    else:
        response, status = jsonify(status="ok"), 200
    response.headers["Cache-Control"] = "no-store"
    return response, status


def database_unavailable(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
    """A lost connection, a restarting server, SQLite busy past its timeout: 503, never 500."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.remove()
    current_app.logger.error("Database unavailable: %s", error, exc_info=error)
    headers = {"Retry-After": "5", "Cache-Control": "no-store"}
    page = ServiceUnavailable(UNAVAILABLE_MESSAGE)
    try:
        body = render_template("errors/generic.html", error=page)
    except SQLAlchemyError:  # the page itself needed the database (a signed-in user's menu)
        db.session.remove()
        body = f"<!doctype html><title>503 Service Unavailable</title><p>{UNAVAILABLE_MESSAGE}</p>"
    return body, 503, headers


def _end_session_safely(error: BaseException | None) -> None:
    """Give the connection back even if the server dropped it while the page was being sent.

    Flask-SQLAlchemy's own teardown rolls back on a dead connection and the error escapes Flask:
    the reader would get a bare 500 after a complete page. Runs before that teardown.
    """
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - the driver's own errors too: teardown must never fail
        with contextlib.suppress(Exception):
            db.session.invalidate()
        db.session.registry.clear()  # a fresh session next time; the dead connection is dropped


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.teardown_appcontext(_end_session_safely)

    # Only connection-level failures; an IntegrityError is a bug and gets the logged 500 page.
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)

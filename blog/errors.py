"""Domain errors meant for people, and the friendly 4xx/5xx pages."""

from __future__ import annotations

from flask import Flask, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException

from blog.extensions import db
from blog.web import wants_json


class DomainError(Exception):
    """A rule said no. ``message`` is written for the person who asked; views show it as is."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        if wants_json() or request.path.startswith("/api/"):
            return {"error": error.name, "message": error.description}, code
        template = f"errors/{code}.html" if code in {403, 404, 410} else "errors/generic.html"
        return render_template(template, error=error), code

    @app.errorhandler(DataError)
    def unstorable_input(error: DataError):  # type: ignore[no-untyped-def]
        """The database refused a value sent to it (PostgreSQL: a NUL byte, a number out of range).
        Forms check what they store; this is the net under the rest: a 400 saying so, not a 500,
        and nothing of the request is kept."""
        db.session.rollback()
        app.logger.warning("Refused input on %s %s: %s", request.method, request.path, error.orig)
        return http_error(
            BadRequest(
                "Something in what was sent cannot be stored (a NUL character, or a number far too large). "
                "Nothing was changed."
            )
        )

    @app.errorhandler(500)
    def server_error(error: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_template("errors/500.html"), 500

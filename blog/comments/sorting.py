"""How a reader orders a post's threads: oldest, newest or best (most liked), pinned ones first.

The order is part of the thread query (``threads.thread_page``), so sorting costs no extra query
and pagination stays by top-level thread. The reader's choice comes from ``?sort=`` and is
remembered in a cookie; without either, the site's ``COMMENTS_SORT_DEFAULT`` applies.
"""

from __future__ import annotations

from typing import Any

from flask import after_this_request, current_app, has_request_context, request
from flask.wrappers import Response
from sqlalchemy import ColumnElement, and_, false, or_

from blog.models.comments import Comment

SORTS = {"oldest": "Oldest", "newest": "Newest", "best": "Best"}
SORT_COOKIE = "comment_sort"
SORT_COOKIE_MAX_AGE = 365 * 24 * 3600


def site_default() -> str:
    configured = str(current_app.config.get("COMMENTS_SORT_DEFAULT") or "").lower()
    if configured in SORTS:
        return configured
    return "newest" if str(current_app.config["COMMENTS_ORDER"]).lower() == "newest" else "oldest"


def normalize(sort: str | bool | None) -> str:
    """Accept the old ``newest: bool`` flag of the thread functions as well as a sort name."""
    if sort is True:
        return "newest"
    if sort is False:
        return "oldest"
    return sort if isinstance(sort, str) and sort in SORTS else site_default()


def reader_sort() -> str:
    """The reader's sort: ``?sort=`` (remembered in a cookie), else the cookie, else the default."""
    if not has_request_context():
        return site_default()
    asked = request.args.get("sort", "")
    remembered = request.cookies.get(SORT_COOKIE, "")
    if asked in SORTS:
        if asked != remembered:

            @after_this_request
            def _remember(response: Response) -> Response:
                response.set_cookie(
                    SORT_COOKIE,
                    asked,
                    max_age=SORT_COOKIE_MAX_AGE,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure,
                )
                return response

        return asked
    return remembered if remembered in SORTS else site_default()


def _keys(sort: str, entity: Any = Comment) -> list[tuple[Any, bool]]:
    """(column, descending) pairs, most significant first; always ends with the id for stability."""
    if sort == "best":
        return [(entity.pinned, True), (entity.like_count, True), (entity.created_at, False), (entity.id, False)]
    descending = sort == "newest"
    return [(entity.pinned, True), (entity.created_at, descending), (entity.id, descending)]


def order_by(sort: str | bool | None, entity: Any = Comment) -> list[Any]:
    """ORDER BY clauses for top-level comments in this sort."""
    return [column.desc() if descending else column.asc() for column, descending in _keys(normalize(sort), entity)]


def before(root: Any, sort: str | bool | None) -> ColumnElement[bool]:
    """Top-level comments that come before ``root`` in this sort (for a permalink's page number).
    ``root`` has the sort's attributes (a ``Comment``, or bound parameters; ``pinned`` a bool)."""
    keys = _keys(normalize(sort))
    clauses = []
    for index, (column, descending) in enumerate(keys):
        value = getattr(root, column.key)
        if isinstance(value, bool):  # booleans have no < in SQL: "ahead" means the other value first
            ahead = (column == (not value)) if value != descending else false()
        else:
            ahead = column > value if descending else column < value
        equal_so_far = [prev == getattr(root, prev.key) for prev, _ in keys[:index]]
        clauses.append(and_(*equal_so_far, ahead))
    return or_(*clauses)

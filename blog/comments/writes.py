"""The statements that store a new comment: Core, prebuilt, on the session's connection.

Through the ORM each was a unit-of-work flush (~0.5 ms); here each is one prebuilt statement. A
top-level comment is its own thread (``thread_id = id``); on SQLite and PostgreSQL the id is
taken inside the INSERT itself, so that needs no second statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from blog.models.comments import Comment, ModerationAction
from blog.models.posts import Post

_COMMENTS: Any = Comment.__table__
_ACTIONS: Any = ModerationAction.__table__
_INSERT_ACTION = _ACTIONS.insert()
_INSERT_REPLY = _COMMENTS.insert()
#: Columns a new comment's row does not name: its id (and thread) come from the statement, the rest
#: are written later (an edit, the cards of ``blog.comments.cards``).
_NOT_INSERTED = (
    "id",
    "thread_id",
    "edited_at",
    "card_head",
    "card_tail",
    "card_key",
    "thread_card",
    "thread_card_version",
)
_SET_OWN_THREAD = _COMMENTS.update().where(_COMMENTS.c.id == bindparam("comment_id")).values(thread_id=_COMMENTS.c.id)
_POSTS: Any = Post.__table__
#: ``moderation.adjust_comment_counts`` for one new approved comment (a count, not an edit: ``updated_at`` stays).
_COUNT_ONE_MORE = (
    _POSTS.update().where(_POSTS.c.id == bindparam("post_id")).values(comment_count=_POSTS.c.comment_count + 1)
)
_TOP_LEVEL: dict[str, Any] = {}


def _top_level_insert(dialect: str) -> Any:
    """``INSERT ... SELECT new.id, new.id, :post_id, ... FROM (the next id) AS new RETURNING id``.

    PostgreSQL takes the next value of the column's sequence; SQLite's next rowid is max(id) + 1
    (what it would pick itself: the table has no AUTOINCREMENT), read inside the writing statement,
    so under SQLite's single write lock. Other databases: None (insert, then update).
    """
    if dialect in _TOP_LEVEL:
        return _TOP_LEVEL[dialect]
    stmt = None
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            next_id = select(func.nextval(func.pg_get_serial_sequence(_COMMENTS.name, "id")).label("id"))
        else:
            next_id = select((func.coalesce(func.max(_COMMENTS.c.id), 0) + 1).label("id"))
        new = next_id.subquery("new")
        names = [column.name for column in _COMMENTS.columns if column.name not in _NOT_INSERTED]
        values = [bindparam(name, type_=_COMMENTS.c[name].type) for name in names]
        stmt = _COMMENTS.insert().from_select(["id", "thread_id", *names], select(new.c.id, new.c.id, *values))
        stmt = stmt.returning(_COMMENTS.c.id)
    _TOP_LEVEL[dialect] = stmt
    return stmt


def insert_comment(connection: Connection, row: dict[str, Any]) -> int:
    """Store the comment ``row`` (every column but ``id``, ``edited_at`` and the card); its id."""
    if row["thread_id"] is not None:
        return int(connection.execute(_INSERT_REPLY, row).inserted_primary_key[0])
    stmt = _top_level_insert(connection.dialect.name)
    if stmt is not None:
        return int(connection.execute(stmt, row).scalar_one())
    comment_id = int(connection.execute(_INSERT_REPLY, row).inserted_primary_key[0])
    connection.execute(_SET_OWN_THREAD, {"comment_id": comment_id})
    return comment_id


def insert_history(connection: Connection, row: dict[str, Any]) -> None:
    """The comment's first history line (``moderation.record``'s columns)."""
    connection.execute(_INSERT_ACTION, row)


def count_one_more(connection: Connection, post_id: int) -> None:
    """An approved comment joins ``Post.comment_count`` (the caller raises the cache generation)."""
    connection.execute(_COUNT_ONE_MORE, {"post_id": post_id})

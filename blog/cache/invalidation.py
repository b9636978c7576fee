"""When entries go stale: session events raise the site generation for any change readers can see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from blog.cache.backends import Backend, backend
from blog.extensions import db

#: Tables whose rows never show on a cached page: changing them does not invalidate anything.
IGNORED_TABLES: set[str] = {
    "cache_generation",
    "moderation_actions",
    "login_failures",
    "email_login_tokens",
    "identities",
    "mail_outbox",
    "post_autosaves",  # the editor's drafts-in-progress
    "comment_drafts",  # a reader's unfinished comment kept across social sign-in
    "comment_subscriptions",
    "comment_reports",
    "webhook_deliveries",
}

_BUMP_PENDING = "sargasso_cache_bump_pending"
_BUMPED_IN_TX = "sargasso_cache_bumped"


def ignore_table(name: str) -> None:
    """Declare a table readers never see (a queue, a log), so writes to it keep the cache."""
    IGNORED_TABLES.add(name)


# ----------------------------------------------------------------------------- invalidation


def bump_site_generation() -> None:
    """Mark every cached page stale, for changes the session events cannot see (raw SQL).

    Call it before ``db.session.commit()``: without Redis the bump is part of that transaction;
    with Redis it happens right after the commit (and now, if no transaction is open).
    """
    cache = backend()
    if cache is None:
        return
    sess = db.session()
    if cache.bump_after_commit():
        if sess.in_transaction():
            sess.info[_BUMP_PENDING] = True
        else:
            _safe_bump(cache)
    else:
        cache.bump(sess.connection())
        sess.info[_BUMPED_IN_TX] = True


def _safe_bump(cache: Backend, connection: Connection | None = None) -> None:
    try:
        cache.bump(connection)
    except getattr(cache, "_errors", ()) as error:
        # The change is committed; entries expire within PAGE_CACHE_TTL at worst.
        current_app.logger.error("Page cache: could not raise the generation: %s", error)


def _comment_shows(obj: Any, is_new: bool) -> bool:
    """A comment matters to readers only if it is, or was, approved."""
    from blog.models.comments import CommentStatus

    if obj.status == CommentStatus.APPROVED:
        return True
    if is_new:
        return False
    history = inspect(obj).attrs.status.history
    if history.has_changes() and not history.deleted:
        return True  # the old status was not loaded (an expired object): it may have been approved
    return CommentStatus.APPROVED in history.deleted


_PRIVATE_USER_FIELDS = frozenset({"last_login_at", "session_version", "password_hash", "email_verified"})


def _user_shows(obj: Any, is_new: bool) -> bool:
    state = inspect(obj)
    if is_new or state.deleted or state.was_deleted:
        return True
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return bool(changed - _PRIVATE_USER_FIELDS)


#: Per-model rules deciding whether a change to an object can show on a page.
VISIBILITY_RULES: dict[str, Callable[[Any, bool], bool]] = {
    "comments": _comment_shows,
    "users": _user_shows,
}


def changes_show(sess: Session) -> bool:
    """Whether the objects this flush writes can change what a reader sees on some page."""
    new = set(sess.new)
    for obj in (*new, *sess.dirty, *sess.deleted):
        table = getattr(obj, "__tablename__", None)
        if table is None or table in IGNORED_TABLES:
            continue
        is_new = obj in new
        if not is_new and obj not in sess.deleted and not sess.is_modified(obj):
            continue
        rule = VISIBILITY_RULES.get(table)
        if rule is None or obj in sess.deleted or rule(obj, is_new):
            return True
    return False


def _mark(sess: Session, connection: Connection | None = None) -> None:
    cache = backend()
    if cache is None:
        return
    if cache.bump_after_commit():
        sess.info[_BUMP_PENDING] = True
    elif not sess.info.get(_BUMPED_IN_TX):
        cache.bump(connection if connection is not None else sess.connection())
        sess.info[_BUMPED_IN_TX] = True


def _after_flush(sess: Session, flush_context: Any) -> None:
    if changes_show(sess):
        _mark(sess)


def _on_orm_execute(state: ORMExecuteState) -> None:
    """Bulk ``update(Post)...``/``delete(Comment)...`` statements skip the flush; catch them here."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    table = getattr(getattr(mapper, "local_table", None), "name", None)
    if table is not None and table not in IGNORED_TABLES:
        _mark(state.session)


def _after_commit(sess: Session) -> None:
    pending = sess.info.pop(_BUMP_PENDING, False)
    sess.info.pop(_BUMPED_IN_TX, None)
    if pending:
        cache = backend()
        if cache is not None:
            _safe_bump(cache)


def _after_rollback(sess: Session) -> None:
    sess.info.pop(_BUMP_PENDING, None)
    sess.info.pop(_BUMPED_IN_TX, None)


_events_installed = False


def _install_events() -> None:
    global _events_installed
    if _events_installed:
        return
    from flask_sqlalchemy.session import Session as FlaskSession

    event.listen(FlaskSession, "after_flush", _after_flush)
    event.listen(FlaskSession, "do_orm_execute", _on_orm_execute)
    event.listen(FlaskSession, "after_commit", _after_commit)
    event.listen(FlaskSession, "after_rollback", _after_rollback)
    _events_installed = True

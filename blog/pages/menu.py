"""The site menu's pages, kept in each worker so the header costs no statement per request.

The header is on every page, the 200-comment post page included; reading the menu's pages from
the database each time would add a statement to every request. Each worker keeps the list and
knows when it may be stale:

* **In this worker**, a commit that wrote a page (its title, address, status, menu place...)
  drops the list at once: the session events below.
* **Everywhere**, the same commit moves the page cache's generation (``blog.cache``) not by one,
  as any change readers see does, but to the next multiple of ``MENU_EPOCH``. The list remembers
  ``generation // MENU_EPOCH`` when it was read; a page rendered for the cache is stored under
  the generation read when its request began, so when that says the menu moved the list is read
  again first, and a cached page never carries a menu older than itself. A comment or a post
  moves the generation too, but not the menu's part of it: no statement for those.
* **Other pages** (staff, signed-in readers) use the list for ``MENU_RECHECK_SECONDS``; then one
  cheap read of the generation (the page cache's own, on its own connection, or Redis) says
  whether the menu moved. With the page cache off there is no generation: the list is simply read
  again that often.

A failure to read (the database gone) keeps the last list, or none: the header must never be
the reason a page, the 503 page among them, cannot be shown.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session

from blog.cache import backend
from blog.extensions import db
from blog.pages.queries import MenuItem, menu_items

EXTENSION_KEY = "sargasso.site_menu"
#: A change to pages moves the cache generation to the next multiple of this: ``generation //
#: MENU_EPOCH`` is the menu's own counter (a million other changes between two page saves only
#: cost one needless read of the menu).
MENU_EPOCH = 1 << 20
_STALE = "sargasso_menu_stale"
_ADVANCED = "sargasso_menu_advanced"


@dataclass(frozen=True)
class _Snapshot:
    items: tuple[MenuItem, ...]
    #: ``generation // MENU_EPOCH`` when the items were read (None: no page cache, or it did not answer).
    epoch: int | None
    #: ``time.monotonic()`` when the items were last known to be current.
    checked_at: float


class SiteMenu:
    """One worker's copy of the menu; ``items()`` is what ``base.html`` shows."""

    def __init__(self, recheck_seconds: float) -> None:
        self.recheck_seconds = recheck_seconds
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()
        #: Counts invalidations: a read that began before one is used but not kept.
        self._invalidations = 0

    def invalidate(self) -> None:
        self._invalidations += 1
        self._snapshot = None

    def items(self) -> tuple[MenuItem, ...]:
        snapshot = self._snapshot
        now = time.monotonic()
        shared = _epoch(_shared_page_generation())
        if snapshot is not None:
            if shared is not None:
                if snapshot.epoch == shared:
                    return snapshot.items
            elif now - snapshot.checked_at < self.recheck_seconds:
                return snapshot.items
            else:
                epoch = _epoch(_site_generation())
                if epoch is not None and epoch == snapshot.epoch:
                    self._snapshot = _Snapshot(snapshot.items, epoch, now)
                    return snapshot.items
        return self._reload(shared, now, snapshot)

    def _reload(self, shared: int | None, now: float, previous: _Snapshot | None) -> tuple[MenuItem, ...]:
        with self._lock:
            invalidations = self._invalidations
            # The generation first: the items are then at least as new as it says.
            epoch = shared if shared is not None else _epoch(_site_generation())
            try:
                items = menu_items()
            except SQLAlchemyError as error:
                _recover(error)
                return previous.items if previous is not None else ()
            if invalidations == self._invalidations:
                self._snapshot = _Snapshot(items, epoch, now)
            return items


def _epoch(generation: int | None) -> int | None:
    return None if generation is None else generation // MENU_EPOCH


def _shared_page_generation() -> int | None:
    """The generation a page rendered for the cache will be stored under (``blog.cache.pages``)."""
    state = g.get("page_cache")
    return int(state[1]) if state else None


def _site_generation() -> int | None:
    cache = backend()
    if cache is None:
        return None
    try:
        return int(cache.generation())
    except (SQLAlchemyError, *getattr(cache, "_errors", ())) as error:
        current_app.logger.warning("Site menu: could not read the cache generation: %s", error)
        return None


def _recover(error: SQLAlchemyError) -> None:
    current_app.logger.warning("Site menu: could not read the menu's pages: %s", error)
    try:
        db.session.rollback()  # PostgreSQL refuses every later statement of a failed transaction
    except SQLAlchemyError:
        db.session.remove()


def site_menu() -> tuple[MenuItem, ...]:
    """The menu's pages for this request (the template global ``site_menu``)."""
    menu: SiteMenu | None = current_app.extensions.get(EXTENSION_KEY)
    return menu.items() if menu is not None else ()


# ----------------------------------------------------------------------------- this worker's own writes


def _touches_pages(sess: Session) -> bool:
    from blog.models.pages import Page

    return any(isinstance(obj, Page) for obj in (*sess.new, *sess.dirty, *sess.deleted))


def _pages_written(sess: Session) -> None:
    """This transaction wrote pages: drop this worker's list when it commits, and move the
    generation to the next menu epoch for every other worker (inside the transaction when the
    generation lives in the database, once per transaction)."""
    sess.info[_STALE] = True
    cache = backend()
    if cache is None or cache.bump_after_commit() or sess.info.get(_ADVANCED):
        return
    cache.advance(MENU_EPOCH, sess.connection())
    sess.info[_ADVANCED] = True


def _after_flush(sess: Session, flush_context: Any) -> None:
    if _touches_pages(sess):
        _pages_written(sess)


def _on_orm_execute(state: ORMExecuteState) -> None:
    """Bulk ``update(Page)...`` statements skip the flush."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(getattr(state.bind_mapper, "local_table", None), "name", None)
        if table == "pages":
            _pages_written(state.session)


def _after_commit(sess: Session) -> None:
    sess.info.pop(_ADVANCED, None)
    if not sess.info.pop(_STALE, False) or not has_app_context():
        return
    menu: SiteMenu | None = current_app.extensions.get(EXTENSION_KEY)
    if menu is not None:
        menu.invalidate()
    cache = backend()
    if cache is not None and cache.bump_after_commit():
        try:
            cache.advance(MENU_EPOCH)
        except getattr(cache, "_errors", ()) as error:
            # The pages are saved; other workers' menus catch up when their cached pages expire.
            current_app.logger.error("Site menu: could not move the cache generation: %s", error)


def _after_rollback(sess: Session) -> None:
    sess.info.pop(_STALE, None)
    sess.info.pop(_ADVANCED, None)


_events_installed = False


def init_app(app: Flask) -> None:
    global _events_installed
    app.extensions[EXTENSION_KEY] = SiteMenu(float(app.config["MENU_RECHECK_SECONDS"]))
    app.context_processor(lambda: {"site_menu": site_menu})
    if not _events_installed:
        from flask_sqlalchemy.session import Session as FlaskSession

        event.listen(FlaskSession, "after_flush", _after_flush)
        event.listen(FlaskSession, "do_orm_execute", _on_orm_execute)
        event.listen(FlaskSession, "after_commit", _after_commit)
        event.listen(FlaskSession, "after_rollback", _after_rollback)
        _events_installed = True

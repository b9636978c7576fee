"""The page cache: anonymous readers get pages rendered once, until something they show changes.

How it stays correct:

* **Who is served from it.** Only GET/HEAD requests to the reading blueprints
  (``PAGE_CACHE_BLUEPRINTS``) from readers with nothing personal about them: no cookie but the
  session cookie, and nothing in the session but the CSRF token. Signed-in users, readers with a
  flash message waiting, and readers with a pending comment (``PENDING_COMMENT_COOKIE``, or any
  other cookie of ours) always get a freshly rendered page.
* **Invalidation by generation.** Every entry records the site *generation* read when the request
  began; a change that shows on pages raises the generation, so every entry on every instance is
  stale at once. SQLAlchemy session events raise it by themselves for any flushed change to a
  mapped row (except tables readers never see, and comments that were never approved), so areas
  do not have to remember; ``bump_site_generation()`` is there for changes made in raw SQL.
  The counter is in Redis with ``REDIS_URL``, else in the ``cache_generation`` table, raised in
  the same transaction as the change (so every worker and machine sees it with the change).
* **Time.** An entry is never served after the next scheduled post's publication time, nor after
  ``PAGE_CACHE_TTL`` seconds.
* **Shared pages carry nothing personal.** A page rendered for the cache (``page_is_shared()``)
  has no CSRF token (``csrf_token_for_page()`` is empty), no comment-form stamp and no CSP nonce:
  it is the same bytes for every anonymous reader. ``static/js/site.js`` fetches a token and a
  stamp from ``/comments/form-token`` when the reader starts on a form; without JavaScript the
  comment view's CSRF-failure page keeps the text and offers the button again. A page that still
  holds this request's token or nonce is served but never stored. With the cache off
  (``PAGE_CACHE_ENABLED`` false) anonymous readers get the same shared page, rendered each time.
* **Hits are served before Flask.** ``blog.cache.wsgi`` answers a GET/HEAD from a reader with no
  cookie (or a session of neutral keys only) straight from the entry and the headers stored with
  it; everything else, and any backend failure, goes through Flask as before.

Entries live in Redis (shared by every worker and machine; each worker also keeps the bodies it
fetched, so a hit moves only the entry's head) or, without Redis, in each worker's memory
(bounded by ``PAGE_CACHE_MAX_BYTES``). Responses carry ``ETag``/``Last-Modified``/
``Cache-Control`` so browsers revalidate with a cheap 304 and nginx or a CDN may cache them
(``PAGE_CACHE_SHARED_MAX_AGE``).
"""

from __future__ import annotations

from flask import Flask

from blog.cache.backends import (
    NONCE_MARK,
    NOT_ON_304,
    PER_RESPONSE_HEADERS,
    Backend,
    Entry,
    EntryMemory,
    GenerationReader,
    LocalBackend,
    RedisBackend,
    backend,
)
from blog.cache.invalidation import (
    IGNORED_TABLES,
    VISIBILITY_RULES,
    _install_events,
    bump_site_generation,
    changes_show,
    ignore_table,
)
from blog.cache.pages import (
    CACHEABLE_TYPES,
    LOOKUP_ENVIRON_KEY,
    NEUTRAL_SESSION_KEYS,
    PENDING_COMMENT_COOKIE,
    _after_request,
    _before_request,
    anonymous,
    cache_key,
    csrf_token_for_page,
    not_modified,
    page_is_shared,
    settings_fingerprint,
    share_with_anonymous,
)

__all__ = [
    "CACHEABLE_TYPES",
    "IGNORED_TABLES",
    "LOOKUP_ENVIRON_KEY",
    "NEUTRAL_SESSION_KEYS",
    "NONCE_MARK",
    "NOT_ON_304",
    "PENDING_COMMENT_COOKIE",
    "PER_RESPONSE_HEADERS",
    "VISIBILITY_RULES",
    "Backend",
    "Entry",
    "EntryMemory",
    "GenerationReader",
    "LocalBackend",
    "RedisBackend",
    "anonymous",
    "backend",
    "bump_site_generation",
    "cache_key",
    "changes_show",
    "csrf_token_for_page",
    "ignore_table",
    "init_app",
    "make_backend",
    "not_modified",
    "page_is_shared",
    "settings_fingerprint",
    "share_with_anonymous",
]


def make_backend(app: Flask) -> Backend:
    if app.config.get("REDIS_URL"):
        return RedisBackend(
            str(app.config["REDIS_URL"]), str(app.config["REDIS_KEY_PREFIX"]), int(app.config["PAGE_CACHE_MAX_BYTES"])
        )
    return LocalBackend(int(app.config["PAGE_CACHE_MAX_BYTES"]), app)


def init_app(app: Flask) -> None:
    _install_events()
    app.extensions["sargasso.page_cache_rules"] = (
        frozenset(str(app.config["PAGE_CACHE_BLUEPRINTS"]).replace(",", " ").split()),
        frozenset(str(app.config["PAGE_CACHE_EXCLUDE"]).replace(",", " ").split()),
    )
    app.jinja_env.globals["csrf_token"] = csrf_token_for_page
    app.jinja_env.globals["page_is_shared"] = page_is_shared
    # Flask-WTF also hands templates ``csrf_token`` through a context processor, which wins over
    # globals; this one runs after it, so ``{{ csrf_token() }}`` is empty on a shared page too.
    app.context_processor(lambda: {"csrf_token": csrf_token_for_page})
    if not app.config.get("PAGE_CACHE_ENABLED", True):
        # Anonymous readers still get the page the cache would give them (``share_with_anonymous``).
        app.before_request(share_with_anonymous)
        return
    app.extensions["sargasso.page_cache"] = make_backend(app)
    app.extensions["sargasso.page_cache_settings"] = settings_fingerprint(app.config)
    app.before_request(_before_request)
    # Last of all after_request hooks (Flask runs them newest first): the entry is stored with
    # the security headers and everything else the app adds, exactly as a rendered page has them.
    app.after_request_funcs.setdefault(None, []).insert(0, _after_request)

    from blog.cache.wsgi import install

    install(app)

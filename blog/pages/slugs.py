"""Page addresses: ``/<slug>/`` at the site's top level, never over one of the site's own routes.

A page lives where WordPress and Ghost put it (``/about/``), so its slug shares the top level
with the site's routes. Which addresses those are is read from the running app's URL map, so an
area added next month is protected without editing this module: the first part of every route
(``admin``, ``posts``, ``tag``, ``feed.atom``, ``works``, ``healthz``...), every address another
route would answer (``/2024/`` is a year's archive), and a few names kept for the site's future
or that people would expect to be the site's own (``RESERVED``).
"""

from __future__ import annotations

import re

from flask import Flask, current_app
from slugify import slugify
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from blog.posts.editing import first_free_slug

#: What a page address is made of: lowercase ASCII letters and digits in words joined by hyphens.
SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_RE = re.compile(SLUG_PATTERN)
SLUG_MAX = 100
#: The endpoint that serves pages (``blog.pages.views``).
PAGE_ENDPOINT = "pages.page_detail"

#: Addresses no page may take although no route answers them today: names of the site's own
#: kinds of pages, and the ones scanners and people try on any blog.
RESERVED = frozenset(
    {
        "account", "admin", "api", "archive", "archives", "assets", "atom", "auth", "blog", "category",
        "comments", "dashboard", "feed", "feeds", "index", "login", "logout", "media", "page", "pages",
        "post", "posts", "profile", "register", "rss", "search", "series", "sign-in", "sign-out",
        "signin", "signup", "sitemap", "static", "tag", "tags", "user", "users", "wp-admin",
        "wp-content", "wp-login", "xmlrpc",
    }
)  # fmt: skip


class PageSlugConverter(BaseConverter):
    """``<page_slug:slug>``: only what a page address can be, so ``/favicon.ico`` or ``/wp-login.php``
    are never looked up as pages and keep their plain 404."""

    regex = SLUG_PATTERN


def register_converter(app: Flask) -> None:
    app.url_map.converters["page_slug"] = PageSlugConverter


def make_page_slug(text: str) -> str:
    """A readable ASCII address from a title or what someone typed ("How I Score!" → ``how-i-score``);
    "" when nothing usable is left (the caller says so)."""
    return slugify(text, max_length=SLUG_MAX, word_boundary=True)


def _route_prefixes(app: Flask) -> set[str]:
    """The first part of every route's address that is fixed text: ``admin``, ``feed.atom``..."""
    prefixes = set()
    for rule in app.url_map.iter_rules():
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if first and "<" not in first:
            prefixes.add(first)
    return prefixes


def _answered_by_another_route(app: Flask, slug: str) -> bool:
    """``/<slug>/`` (or ``/<slug>``) already means something else: ``/2024/`` is a year's archive."""
    adapter = app.url_map.bind("localhost")
    for path in (f"/{slug}/", f"/{slug}"):
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except HTTPException:  # 404, 405, or the redirect to the address with a slash
            continue
        if endpoint != PAGE_ENDPOINT:
            return True
    return False


def is_reserved(slug: str, app: Flask | None = None) -> bool:
    """Whether ``slug`` belongs to the site itself, so no page may have it."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return slug in RESERVED or slug in _route_prefixes(app) or _answered_by_another_route(app, slug)


def slug_problem(slug: str) -> str | None:
    """What is wrong with ``slug`` as a page address, in words for the person who typed it; None if nothing."""
    if not slug or len(slug) > SLUG_MAX or not SLUG_RE.fullmatch(slug):
        return "Give the page an address made of letters a to z, digits and hyphens (at most 100 characters)."
    if is_reserved(slug):
        return (
            f"The address /{slug}/ is one the site uses itself, so a page there would hide it. "
            f"Choose another address, such as /{slug[: SLUG_MAX - 5]}-page/."
        )
    return None


def free_slug(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``...: the first address no page in ``taken`` has and the site
    does not use itself (an imported page whose WordPress address clashes)."""
    return first_free_slug(base, taken, refused=is_reserved, max_length=SLUG_MAX)

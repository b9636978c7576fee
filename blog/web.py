"""Request plumbing every page shares: the user loader, template globals and the CSP nonce."""

from __future__ import annotations

import secrets
from collections import ChainMap
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.templating import Environment as FlaskEnvironment

from blog import timezone
from blog.extensions import db, login_manager


def csp_nonce() -> str:
    """A per-request nonce for the few inline scripts; the CSP header names the same value."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def wants_json() -> bool:
    """The request comes from one of our scripts (fetch or XHR), which reads JSON, not a page."""
    return request.accept_mimetypes.best == "application/json" or bool(request.headers.get("X-Requested-With"))


class TemplateGlobals(ChainMap[str, Any]):
    """A template's globals (its own over the environment's, as Jinja makes them) with a quicker
    ``keys()``. At every ``{% import %}`` or ``{% from %}`` Jinja asks which globals of the
    importing template the imported one lacks (``ctx.globals_keys - template.globals.keys()``); a
    ChainMap's key view answered name by name in Python, ~14 µs an import, four imports on a post
    page (5% of its CPU). The same names, as a set built from each map's keys."""

    def keys(self) -> set[str]:  # type: ignore[override]
        names: set[str] = set()
        for mapping in self.maps:
            names.update(mapping)
        return names


class Environment(FlaskEnvironment):
    """Flask's Jinja environment, its templates' globals a ``TemplateGlobals``."""

    def make_globals(self, d: Any) -> TemplateGlobals:  # type: ignore[override]
        return TemplateGlobals(d if d is not None else {}, self.globals)


def memoized_url_for(app: Flask) -> Callable[..., str]:
    """``url_for`` for templates, remembering what it built (a page asks for ~40 URLs, most of
    them the same on every page: stylesheets, scripts, navigation).

    A relative URL depends only on the endpoint, its values and the script root, so it is kept
    per worker (bounded); anything else (``_external``, ``_anchor``..., unhashable values, debug
    mode, outside a request) is built as usual.
    """
    build = app.url_for
    built: dict[tuple[Any, ...], str] = {}
    limit = 4096

    def url_for(endpoint: str, **values: Any) -> str:
        if app.debug or not has_request_context() or any(name[0] == "_" for name in values):
            return build(endpoint, **values)
        try:
            key = (request.script_root, endpoint, *sorted(values.items()))
            found = built.get(key)
        except TypeError:  # a list or dict among the values
            return build(endpoint, **values)
        if found is None:
            found = build(endpoint, **values)
            if len(built) >= limit:
                built.clear()
            built[key] = found
        return found

    return url_for


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = memoized_url_for(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        from blog.models import User

        raw_id, _, version = user_id.partition(":")
        if not raw_id.isdigit():
            return None
        user = db.session.get(User, int(raw_id))
        if user is None or str(user.session_version) != version:
            return None
        return user

    @app.context_processor
    def globals_for_templates() -> dict[str, Any]:
        return {
            "site_name": app.config["SITE_NAME"],
            "site_tagline": app.config["SITE_TAGLINE"],
            "csp_nonce": csp_nonce,
            "current_year": timezone.local(datetime.now(UTC)).year,
            "site_timezone": app.config["SITE_TIMEZONE"],
            # base.html links to areas (archives, search, admin) only once their routes exist.
            "has_endpoint": lambda name: name in app.view_functions,
        }

"""The admin sidebar: one list of links, each shown when its route exists and the user may use it.

Areas add their pages with ``add_link`` (e.g. the moderation queue), so the admin's templates
need no edit and a partly built site never links to a missing route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for

from blog.auth.permissions import can_manage_site, can_moderate, is_staff


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    allowed: Callable[[Any], bool]
    order: int = 50
    #: Endpoints (or endpoint prefixes ending in ".") that mark this link as the current page.
    also_current: tuple[str, ...] = ()


_LINKS: list[NavLink] = [
    NavLink("admin.dashboard", "Posts", is_staff, 10, ("admin.edit_post", "admin.delete_post")),
    NavLink("admin.new_post", "New post", is_staff, 20),
    NavLink("media.library", "Media", is_staff, 30),
    NavLink("admin.moderation", "Comments", can_moderate, 40, ("admin.moderation",)),
    NavLink("admin.users", "Users", can_manage_site, 80),
    NavLink("admin.settings", "Settings", can_manage_site, 90),
]


def add_link(link: NavLink) -> None:
    """Register an admin page in the sidebar (idempotent per endpoint)."""
    global _LINKS
    _LINKS = [existing for existing in _LINKS if existing.endpoint != link.endpoint] + [link]


def links_for(user: Any) -> list[dict[str, Any]]:
    """The sidebar for ``user`` on the current request: label, url and whether it is this page."""
    here = request.endpoint or ""
    items = []
    for link in sorted(_LINKS, key=lambda item: item.order):
        if link.endpoint not in current_app.view_functions or not link.allowed(user):
            continue
        current = here == link.endpoint or any(
            here.startswith(mark) if mark.endswith(".") else here == mark for mark in link.also_current
        )
        items.append({"label": link.label, "url": url_for(link.endpoint), "current": current})
    return items

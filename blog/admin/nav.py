"""The admin menu: one list of links, each shown when its route exists and the user may use it.

Areas add their pages with ``add_link`` (e.g. the moderation queue), so the admin's templates
need no edit and a partly built site never links to a missing route. A link may carry a count
(``badge``), e.g. the comments awaiting moderation beside "Comments": it is computed only when the
link is shown, once per admin page, and never on public pages (only templates/admin/base.html
calls ``links_for``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import func, select

from blog.auth.permissions import can_manage_site, can_moderate, is_staff
from blog.extensions import db
from blog.models.comments import Comment, CommentStatus


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    allowed: Callable[[Any], bool]
    order: int = 50
    #: Endpoints (or endpoint prefixes ending in ".") that mark this link as the current page.
    also_current: tuple[str, ...] = ()
    #: A number worth a bubble beside the label (None: no bubble), and what it means to a screen reader.
    badge: Callable[[], int] | None = None
    badge_label: Callable[[int], str] | None = None


def pending_comments() -> int:
    """Comments awaiting moderation: the moderation page's "Pending" tab.

    ``blog.comments.moderation.status_counts`` counts every tab with one GROUP BY over all comments;
    the menu needs one of those numbers, so it counts the same rows (``Comment.status`` pending,
    deleted or not) with one COUNT that reads only the pending entries of ix_comments_status_created.
    """
    return int(db.session.scalar(select(func.count(Comment.id)).where(Comment.status == CommentStatus.PENDING)) or 0)


def _awaiting_moderation(n: int) -> str:
    return f"{n} comment{'' if n == 1 else 's'} awaiting moderation"


_LINKS: list[NavLink] = [
    NavLink("admin.dashboard", "Posts", is_staff, 10, ("admin.edit_post", "admin.delete_post")),
    NavLink("admin.new_post", "New post", is_staff, 20),
    NavLink("media.library", "Media", is_staff, 30),
    NavLink(
        "admin.moderation", "Comments", can_moderate, 40, ("admin.moderation",), pending_comments, _awaiting_moderation
    ),
    NavLink("admin.users", "Users", can_manage_site, 80),
    NavLink("admin.settings", "Settings", can_manage_site, 90),
]


def add_link(link: NavLink) -> None:
    """Register an admin page in the sidebar (idempotent per endpoint)."""
    global _LINKS
    _LINKS = [existing for existing in _LINKS if existing.endpoint != link.endpoint] + [link]


def links_for(user: Any) -> list[dict[str, Any]]:
    """The menu for ``user`` on the current request: label, url, whether it is this page, and its
    badge (``count`` > 0 and ``count_label``; count 0 when the link has none or nothing waits)."""
    here = request.endpoint or ""
    items = []
    for link in sorted(_LINKS, key=lambda item: item.order):
        if link.endpoint not in current_app.view_functions or not link.allowed(user):
            continue
        current = here == link.endpoint or any(
            here.startswith(mark) if mark.endswith(".") else here == mark for mark in link.also_current
        )
        count = link.badge() if link.badge else 0
        items.append(
            {
                "label": link.label,
                "url": url_for(link.endpoint),
                "current": current,
                "count": count,
                "count_label": link.badge_label(count) if count and link.badge_label else "",
            }
        )
    return items

"""What the post page's comment section shows beyond the thread: likes, sort choices, tools.

``section_extras`` is called once by ``comment_section`` and adds at most one query (which of
the shown comments this reader liked), none for a reader who never liked anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context
from flask_login import current_user

from blog.auth.permissions import can_moderate
from blog.comments import sorting, votes
from blog.comments.threads import Node


@dataclass
class DiscussionExtras:
    sort: str
    sorts: dict[str, str]
    liked: set[int] = field(default_factory=set)
    is_moderator: bool = False
    can_like: bool = True

    def sort_link(self, sort: str) -> str:
        return f"?sort={sort}#comments"


def current_voter(ip: str = "", create: bool = False) -> votes.Voter:
    if current_user.is_authenticated:
        return votes.Voter(user_id=current_user.id, ip=ip)
    return votes.Voter(browser_id=votes.browser_id(create=create), ip=ip)


def section_extras(nodes: list[Node], sort: str, user: Any = None) -> DiscussionExtras:
    if not has_request_context():
        return DiscussionExtras(sort=sort, sorts=sorting.SORTS, is_moderator=can_moderate(user))
    user = user if user is not None else current_user
    shown = [node.id for node in nodes if node.visible and not node.pending]
    return DiscussionExtras(
        sort=sort,
        sorts=sorting.SORTS,
        liked=votes.liked_ids(shown, current_voter()),
        is_moderator=can_moderate(user),
    )

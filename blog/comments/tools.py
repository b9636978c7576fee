"""Moderators' tools on a discussion: pin a comment, mark a reply "from the author", lock a thread.

Each one is a line in the comment's moderation history (``moderation.record``), like every other
thing a moderator does. Locking is per thread (on its top-level comment): the thread keeps its
replies and takes no new ones (the posting path reads the lock with the parent and refuses with
``LOCKED_MESSAGE``).
"""

from __future__ import annotations

from typing import Any

from blog.auth.permissions import can_moderate
from blog.comments import moderation
from blog.errors import DomainError
from blog.extensions import db
from blog.models.comments import Comment, CommentStatus

LOCKED_MESSAGE = "This thread is locked: it takes no new replies."
#: action name -> (attribute, value, history action)
TOOLS = {
    "pin": ("pinned", True, "pin"),
    "unpin": ("pinned", False, "unpin"),
    "mark-author": ("is_author_reply", True, "mark-author"),
    "unmark-author": ("is_author_reply", False, "unmark-author"),
    "lock": ("locked", True, "lock"),
    "unlock": ("locked", False, "unlock"),
}


def apply_tool(comment_id: int, tool: str, actor: Any, note: str = "") -> Comment:
    """Pin/unpin, mark/unmark as the author's, lock/unlock; recorded in the history."""
    if not can_moderate(actor):
        raise DomainError("Only moderators can do that.", status=403)
    if tool not in TOOLS:
        raise DomainError("Choose an action.", status=400)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise DomainError("There is no such comment.", status=404)
    attribute, value, action = TOOLS[tool]
    if attribute in {"pinned", "locked"} and comment.parent_id is not None:
        what = "pinned" if attribute == "pinned" else "locked"
        raise DomainError(f"Only a top-level comment can be {what}.", status=409)
    if value and (comment.deleted or comment.status != CommentStatus.APPROVED) and attribute == "pinned":
        raise DomainError("Only an approved comment can be pinned.", status=409)
    if getattr(comment, attribute) == value:
        return comment
    setattr(comment, attribute, value)
    moderation.record(
        comment, action, actor=actor, note=note, from_status=comment.status.value, to_status=comment.status.value
    )
    db.session.commit()
    return comment

"""A WordPress post's comments, stored the way the comment form stores them: parents first, threads
and depth as posting sets them, history lines for held and spam comments, counts and cards after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from blog.comments import writes
from blog.comments.avatars import avatar_hash
from blog.comments.posting import reply_depth
from blog.extensions import db
from blog.imports.report import ImportReport
from blog.imports.wordpress_markup import comment_markdown, plain_text
from blog.imports.wxr import WxrComment
from blog.models.accounts import STAFF_ROLES, User
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.imports import ImportedItem
from blog.models.posts import Post
from blog.rendering import render_comment

_COMMENT_STATUSES = {"1": CommentStatus.APPROVED, "0": CommentStatus.PENDING, "spam": CommentStatus.SPAM}
PINGS = {"pingback": "Pingback", "trackback": "Trackback"}


def _number(value: str) -> int:
    return int(value) if value.isdigit() else 0


@dataclass(frozen=True)
class _Placed:
    id: int
    thread_id: int
    depth: int


class CommentImporter:
    """A post's WordPress comments, stored as the comment form stores them, parents first."""

    def __init__(self, source: str, report: ImportReport, *, pings: bool) -> None:
        self.source = source
        self.report = report
        self.pings = pings
        self.staff: dict[str, int | None] = {}

    def skip_reason(self, comment: WxrComment) -> str:
        if comment.approved in {"trash", "post-trashed"}:
            return "in the WordPress trash"
        if comment.type in PINGS and not self.pings:
            return "pingbacks and trackbacks (import them with --pingbacks)"
        return ""

    def import_for(self, post: Post, comments: list[WxrComment]) -> int:
        """Store the comments of ``post`` not imported before; how many were stored."""
        if not comments:
            return 0
        by_id = {c.remote_id: c for c in comments if c.remote_id}
        placed = self._already_placed(post, list(by_id))
        self.report.comments_already += len(placed)
        connection = db.session.connection()
        stored = 0
        done: set[str] = set(placed)

        def store(comment: WxrComment, chain: frozenset[str]) -> _Placed | None:
            nonlocal stored
            key = comment.remote_id
            if key in placed:
                return placed[key]
            if key in done:
                return None  # skipped already
            done.add(key)
            parent = self._parent(comment, by_id, chain | {key}, store)
            reason = self.skip_reason(comment)
            if reason:
                self.report.comments_skipped[reason] += 1
                return None
            row = self._row(post, comment, parent)
            if row is None:
                self.report.comments_skipped["empty once converted"] += 1
                return None
            comment_id = writes.insert_comment(connection, row)
            if row["status"] != CommentStatus.APPROVED:
                writes.insert_history(
                    connection,
                    {
                        "comment_id": comment_id,
                        "actor_id": None,
                        "action": "hold" if row["status"] == CommentStatus.PENDING else "spam",
                        "reason": "spam" if row["status"] == CommentStatus.SPAM else "",
                        "note": f"Imported from WordPress as {row['status'].value}.",
                        "from_status": "",
                        "to_status": row["status"].value,
                        "created_at": row["created_at"],
                    },
                )
            db.session.add(ImportedItem(source=self.source, kind="comment", remote_id=key[:100], comment_id=comment_id))
            result = _Placed(comment_id, row["thread_id"] or comment_id, row["depth"])
            placed[key] = result
            self.report.comments[row["status"].value] += 1
            stored += 1
            return result

        for comment in sorted(comments, key=lambda c: (c.date or post.created_at, _number(c.remote_id))):
            if not comment.remote_id:
                self.report.comments_skipped["no comment id in the file"] += 1
                continue
            store(comment, frozenset())
        return stored

    def _parent(
        self,
        comment: WxrComment,
        by_id: dict[str, WxrComment],
        chain: frozenset[str],
        store: Callable[[WxrComment, frozenset[str]], _Placed | None],
    ) -> _Placed | None:
        """The stored comment this one answers: its WordPress parent, or the nearest ancestor that was
        stored (a reply to a trashed comment answers the comment above it); a loop ends the climb."""
        parent_id = comment.parent_id
        while parent_id and parent_id != "0" and parent_id not in chain:
            parent = by_id.get(parent_id)
            if parent is None:
                return None
            found = store(parent, chain)
            if found is not None:
                return found
            chain = chain | {parent_id}
            parent_id = parent.parent_id
        return None

    def _already_placed(self, post: Post, remote_ids: list[str]) -> dict[str, _Placed]:
        """This post's comments imported before, by their WordPress id: from this address or the
        site's old one (a post found by its guid keeps the comments it came with)."""
        if not remote_ids:
            return {}
        rows = db.session.execute(
            select(ImportedItem.remote_id, Comment.id, Comment.thread_id, Comment.depth)
            .join(Comment, Comment.id == ImportedItem.comment_id)
            .where(
                Comment.post_id == post.id,
                ImportedItem.kind == "comment",
                ImportedItem.remote_id.in_([r[:100] for r in remote_ids]),
            )
        ).all()
        return {row[0]: _Placed(row[1], row[2] or row[1], row[3]) for row in rows}

    def _row(self, post: Post, comment: WxrComment, parent: _Placed | None) -> dict[str, Any] | None:
        body = comment_markdown(comment.content)
        if not body.strip():
            return None
        ping = PINGS.get(comment.type)
        if ping:
            body = f"*{ping}:* {body}"
        status = _COMMENT_STATUSES.get(comment.approved, CommentStatus.PENDING)
        name = plain_text(comment.author)[:120] or "Anonymous"
        email = comment.email.strip().lower()
        email = email if "@" in email and len(email) <= 254 and " " not in email else ""
        url = comment.url.strip()
        url = url if url.startswith(("http://", "https://")) and len(url) <= 300 and " " not in url else ""
        user_id = self._account_for(comment, email)
        when = comment.date or post.created_at or utcnow()
        return {
            "post_id": post.id,
            "parent_id": parent.id if parent else None,
            "thread_id": parent.thread_id if parent else None,
            "depth": reply_depth(parent.depth) if parent else 0,
            "user_id": user_id,
            "author_name": name,
            "author_email": email,
            "author_url": url,
            "author_ip": comment.ip[:64],
            "user_agent": "",
            "avatar_hash": avatar_hash(email, user_id),
            "body_source": body,
            "body_html": render_comment(body),
            "status": status,
            "deleted": False,
            "is_author_reply": user_id is not None and user_id == post.author_id,
            "like_count": 0,
            "pinned": False,
            "locked": False,
            "created_at": when,
            "status_changed_at": when,
        }

    def _account_for(self, comment: WxrComment, email: str) -> int | None:
        """A comment WordPress says one of its signed-in users wrote (``comment_user_id``), whose
        email is a staff account's here: that account's, so it shows as the post author's reply."""
        if comment.user_id in {"", "0"} or not email:
            return None
        if email not in self.staff:
            found = db.session.scalar(select(User.id).where(User.email == email, User.role.in_(STAFF_ROLES)))
            self.staff[email] = int(found) if found is not None else None
        return self.staff[email]

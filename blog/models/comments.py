"""Comments and the history of what moderators did to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import UTCDateTime, utcnow

#: A comment's first characters, as the duplicate check asks for them and ``ix_comments_post_text``
#: holds them: the same expression, written out (databases match an index expression as written).
TEXT_START_CHARS = 32
TEXT_START_SQL = f"substr(body_source, 1, {TEXT_START_CHARS})"
#: A top-level comment (its own thread): the rows the thread-order indexes hold.
ROOT_SQL = "thread_id = id"


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    TRASH = "trash"


#: Why a moderator acted; shown in the comment's history.
REASON_CODES = {
    "spam": "Spam",
    "off-topic": "Off-topic",
    "spoiler": "Unhidden spoiler",
    "abuse": "Abuse",
    "duplicate": "Duplicate",
    "other": "Other",
}

#: Reasons the site gives by itself, never offered in the moderators' list of reasons.
SYSTEM_REASON_CODES = {
    "undo": "Undone",  # a moderator's "Undo" after an action in the queue (blog.comments.undo)
}

#: Every reason a history line may carry, with its label.
REASON_LABELS = {**REASON_CODES, **SYSTEM_REASON_CODES}


class Comment(db.Model):  # type: ignore[name-defined,misc]
    """A reader's comment on a post, possibly a reply to another comment of the same post.

    ``thread_id`` is the top-level comment of the thread (itself for a top-level comment), so a
    page of threads and all their replies come from one query; ``depth`` is 0 for top level.
    """

    __tablename__ = "comments"
    __table_args__ = (
        # With ``deleted``: a post's readable threads are counted from the index alone.
        Index("ix_comments_post_status_deleted_thread", "post_id", "status", "deleted", "thread_id"),
        Index("ix_comments_status_created", "status", "created_at"),
        # A commenter's approved comments ("hold the first comment", a guest's confirmed address)
        # and their comments on one post (duplicates): a seek, however much they have written.
        Index("ix_comments_user_status", "user_id", "status"),
        Index("ix_comments_email_status", "author_email", "status"),
        Index("ix_comments_post_email", "post_id", "author_email"),
        # The same text on one post (duplicates), found by its start: a prolific commenter's
        # thousands of comments are not read one by one to find that they said it before.
        Index("ix_comments_post_text", "post_id", text(TEXT_START_SQL)),
        # A post's threads in either order (``blog.comments.sorting``: pinned first, then oldest or,
        # read backwards, newest): the first page's top-level comments are read in order and the
        # reading stops after a page. Without them every top-level comment's row was read and
        # sorted: 6-15 ms for a post with 4,000 threads on SQLite, 0.4 ms with them.
        Index(
            "ix_comments_roots_oldest",
            "post_id",
            text("pinned DESC"),
            "created_at",
            "id",
            sqlite_where=text(ROOT_SQL),
            postgresql_where=text(ROOT_SQL),
        ),
        Index(
            "ix_comments_roots_newest",
            "post_id",
            "pinned",
            "created_at",
            "id",
            sqlite_where=text(ROOT_SQL),
            postgresql_where=text(ROOT_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), index=True)
    thread_id: Mapped[int | None] = mapped_column(index=True)
    depth: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120))
    author_email: Mapped[str] = mapped_column(String(254), default="")
    author_url: Mapped[str] = mapped_column(String(300), default="")
    author_ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    user_agent: Mapped[str] = mapped_column(String(500), default="")
    #: sha256 of the trimmed, lower-cased email (or of ``user:<id>`` without one): the avatar key,
    #: computed at write time so the thread query never reads an email address.
    avatar_hash: Mapped[str] = mapped_column(String(64), default="")
    body_source: Mapped[str] = mapped_column(Text)
    #: Sanitized HTML from ``blog.rendering.render_comment``, produced at write time.
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        Enum(CommentStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=CommentStatus.PENDING,
    )
    #: A deleted comment with replies keeps its row and shows "This comment was deleted".
    deleted: Mapped[bool] = mapped_column(default=False)
    is_author_reply: Mapped[bool] = mapped_column(default=False)
    #: Likes, kept by ``blog.comments.votes`` so the thread query sorts by them without counting.
    like_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Pinned by a moderator: its thread comes first whatever the reader's sort.
    pinned: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: On a top-level comment: a moderator locked the thread, so it takes no new replies.
    locked: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The comment's markup around its body as every anonymous reader sees it, rendered at write
    #: time (``blog.comments.cards``), and the key of what it was rendered from: a page uses the
    #: card only when the key still matches the live row, so a stale card is never shown.
    card_head: Mapped[str | None] = mapped_column(Text)
    card_tail: Mapped[str | None] = mapped_column(Text)
    card_key: Mapped[str | None] = mapped_column(Text)
    #: On a top-level comment: its whole thread as an anonymous reader sees it (every readable
    #: comment's card around its body, nested), rewritten in the transaction of any change that
    #: shows in it (``blog.comments.cards``), and the version it was written with
    #: (``markup.card_version()``: the markup's and the site zone's). Deferred: nothing but the
    #: post page's list reads it.
    thread_card: Mapped[str | None] = mapped_column(Text, deferred=True)
    thread_card_version: Mapped[int | None] = mapped_column(deferred=True)

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on post {self.post_id} {self.status}>"


class ModerationAction(db.Model):  # type: ignore[name-defined,misc]
    """One thing a moderator (or the automatic rules, with no actor) did to a comment."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))  # approve, spam, trash, restore, edit, hold...
    #: The status before and after, so the history reads "pending → approved".
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(40), default="")  # a key of REASON_LABELS
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()

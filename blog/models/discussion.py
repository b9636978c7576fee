"""What keeps a discussion going: likes, readers' reports, bans and email subscriptions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blog.extensions import db
from blog.models.base import UTCDateTime, utcnow


class CommentVote(db.Model):  # type: ignore[name-defined,misc]
    """One like: by an account (``user_id``) or by a guest's browser (``browser_id`` from the signed
    session cookie). The unique constraints make a second like from the same voter impossible even
    when two requests race; ``ip`` feeds the per-address limit."""

    __tablename__ = "comment_votes"
    __table_args__ = (
        UniqueConstraint("comment_id", "user_id", name="uq_comment_votes_user"),
        UniqueConstraint("comment_id", "browser_id", name="uq_comment_votes_browser"),
        Index("ix_comment_votes_comment_ip", "comment_id", "ip"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    browser_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommentReport(db.Model):  # type: ignore[name-defined,misc]
    """A reader's "this comment should not be here", with a reason; resolved when a moderator acts."""

    __tablename__ = "comment_reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_key", name="uq_comment_reports_reporter"),
        Index("ix_comment_reports_open", "comment_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    #: ``user:<id>`` or ``browser:<id>``: one report per reader per comment.
    reporter_key: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(1000), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BanKind(enum.StrEnum):
    ACCOUNT = "account"
    EMAIL = "email"
    IP = "ip"


class Ban(db.Model):  # type: ignore[name-defined,misc]
    """A commenter who may not comment: by account, email address or IP, until a date or for good."""

    __tablename__ = "comment_bans"
    __table_args__ = (Index("ix_comment_bans_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BanKind] = mapped_column(
        Enum(BanKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    #: The user id (as text), the lower-cased email address or the IP address.
    value: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(500), default="")
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hide_past: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SubscriptionKind(enum.StrEnum):
    REPLIES = "replies"  # replies to one comment
    POST = "post"  # every new comment on one post


class Subscription(db.Model):  # type: ignore[name-defined,misc]
    """An email address that asked to hear about replies or new comments; live once confirmed."""

    __tablename__ = "comment_subscriptions"
    __table_args__ = (Index("ix_comment_subscriptions_target", "kind", "post_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SubscriptionKind] = mapped_column(
        Enum(SubscriptionKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: One daily digest (``flask comments send-digests``) instead of an email per comment.
    digest: Mapped[bool] = mapped_column(default=False)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Follower(db.Model):  # type: ignore[name-defined,misc]
    """ "Email me new posts": an address that follows the blog, live once confirmed (double opt-in)."""

    __tablename__ = "blog_followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

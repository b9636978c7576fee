"""Ways into a reader's account: linked provider identities and one-time email sign-in links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import UTCDateTime, utcnow


class Identity(db.Model):  # type: ignore[name-defined,misc]
    """One provider account (Google, Twitter...) linked to one of our users.

    Keyed by what the provider calls the person (``sub``, Twitter's id...), never by email: emails
    change and may be unverified. No access or refresh token is kept; we read the profile once.
    """

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("provider", "provider_user_id", name="uq_identities_provider_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    provider_user_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the provider said at the last sign-in (shown on the profile page, part of the data export).
    email: Mapped[str | None] = mapped_column(String(254))
    email_verified: Mapped[bool] = mapped_column(default=False)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    username: Mapped[str] = mapped_column(String(120), default="")
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Identity {self.provider}:{self.provider_user_id} user={self.user_id}>"


class EmailLoginToken(db.Model):  # type: ignore[name-defined,misc]
    """A sign-in link sent by email. Only a hash of its secret is stored; ``used_at`` makes it single use."""

    __tablename__ = "email_login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    #: Local path to return to after signing in (already checked with ``safe_next``).
    next_path: Mapped[str] = mapped_column(String(500), default="/")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_ip: Mapped[str] = mapped_column(String(64), default="")

"""A comment being written when its author left for a sign-in provider, kept server-side.

The session cookie carries only the draft's random key: a 10,000-character comment does not fit
in a cookie, and the text is the reader's, not something to send back and forth in every request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.extensions import db
from blog.models.base import UTCDateTime, utcnow


class CommentDraft(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "comment_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: The post page the draft belongs to (a local path); restored only there.
    path: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[str] = mapped_column(String(20), default="")
    #: What a guest typed in the name, email and website fields, so "Cancel" at the provider loses nothing.
    author_name: Mapped[str] = mapped_column(String(120), default="")
    author_email: Mapped[str] = mapped_column(String(254), default="")
    author_url: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

"""Uploaded images: one row per distinct file (by content hash), with its resized variants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import UTCDateTime, utcnow


class MediaFile(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Storage key of the re-encoded original, e.g. ``3f2a…9c.jpg``; variants add ``-640`` before the dot.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    #: Widths of the resized copies that exist, smallest first.
    variant_widths: Mapped[list[int]] = mapped_column(JSON, default=list)
    alt_text: Mapped[str] = mapped_column(String(300), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    def variant_key(self, width: int) -> str:
        stem, _, ext = self.key.rpartition(".")
        return f"{stem}-{width}.{ext}"

    @property
    def all_keys(self) -> list[str]:
        return [self.key, *(self.variant_key(w) for w in self.variant_widths)]

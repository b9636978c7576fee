"""Where imported posts, pages and comments came from, so importing the same file again adds nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blog.extensions import db
from blog.models.base import UTCDateTime, utcnow


class ImportedItem(db.Model):  # type: ignore[name-defined,misc]
    """One post, page or comment brought in from another blog engine (``flask import-wordpress``).

    ``source`` is the other site (WordPress's ``base_blog_url``), ``remote_id`` the item's id
    there; ``guid`` is WordPress's permanent id of a post, which survives the site changing its
    address. Deleting the post, page or comment here deletes this row too, so a later import brings it
    back rather than pointing at nothing.
    """

    __tablename__ = "imported_items"
    __table_args__ = (UniqueConstraint("source", "kind", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    #: "post", "page" or "comment".
    kind: Mapped[str] = mapped_column(String(20))
    remote_id: Mapped[str] = mapped_column(String(100))
    guid: Mapped[str] = mapped_column(String(500), default="", index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

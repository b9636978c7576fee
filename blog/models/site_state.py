"""State the site keeps about itself rather than about content: the page-cache generation."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from blog.extensions import db


class CacheGeneration(db.Model):  # type: ignore[name-defined,misc]
    """One row (id 1) whose counter goes up in the same transaction as any change readers see.

    Used when there is no Redis: every worker and every machine reads it to know whether a cached
    page is still current. With ``REDIS_URL`` the counter lives in Redis instead.
    """

    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)

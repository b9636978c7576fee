"""What the reading pages show, each in a constant number of queries."""

from __future__ import annotations

from sqlalchemy import Select, select

from blog.models.base import utcnow
from blog.models.posts import Post, PostStatus


def live_posts() -> Select[tuple[Post]]:
    """Posts a reader may see: published, and their time has come (scheduled ones appear by themselves)."""
    return select(Post).where(Post.status == PostStatus.PUBLISHED, Post.published_at <= utcnow())

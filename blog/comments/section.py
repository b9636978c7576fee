"""Everything the post page needs to show its comments and the reply form."""

from __future__ import annotations

from typing import Any

from blog.models.posts import Post


def comment_section(post: Post) -> dict[str, Any]:
    """Template context for ``templates/comments/section.html`` (filled by the comments area)."""
    return {}

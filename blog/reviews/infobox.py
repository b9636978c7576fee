"""The review infobox a post page shows when the post reviews a work."""

from __future__ import annotations

from typing import Any

from blog.models.posts import Post


def review_context(post: Post) -> dict[str, Any]:
    """Template context for ``templates/reviews/post_infobox.html`` (filled by the reviews area)."""
    return {}

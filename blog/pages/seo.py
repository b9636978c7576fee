"""A page's head meta: the same ``PageMeta`` posts use, as a ``website`` rather than an article."""

from __future__ import annotations

from blog.models.pages import Page
from blog.posts.seo import PageMeta, absolute_url


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def page_meta(page: Page, *, noindex: bool = False) -> PageMeta:
    """Title, description (typed, or the first lines), canonical ``/<slug>/`` and Open Graph tags."""
    return PageMeta(
        title=page.title,
        description=_clip(page.summary),
        canonical=absolute_url("pages.page_detail", slug=page.slug),
        og_type="website",
        modified=page.updated_at,
        noindex=noindex,
    )

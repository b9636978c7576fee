"""A page's head meta: the same ``PageMeta`` posts use, as a ``website`` rather than an article."""

from __future__ import annotations

from blog.models.pages import Page
from blog.posts.seo import PageMeta, absolute_url, clip


def page_meta(page: Page, *, noindex: bool = False) -> PageMeta:
    """Title, description (typed, or the first lines), canonical ``/<slug>/`` and Open Graph tags."""
    return PageMeta(
        title=page.title,
        description=clip(page.summary),
        canonical=absolute_url("pages.page_detail", slug=page.slug),
        og_type="website",
        modified=page.updated_at,
        noindex=noindex,
    )

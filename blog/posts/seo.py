"""Absolute addresses and the meta data search engines and link previews read.

Feeds, the sitemap, canonical links and Open Graph tags all need absolute URLs. When the operator
sets ``SITE_URL`` (the public address of the site's root, e.g. ``https://reviews.example.org``)
it wins over whatever Host header the request came with, so a proxy or a crawler's odd Host can't
put a wrong address into a feed that readers keep for years.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from blog.models.posts import Post
from blog.rendering import SPOILER_MARK, hide_spoilers


def site_root() -> str:
    """``https://host[/prefix]`` without a trailing slash: ``SITE_URL`` if set, else this request's root."""
    configured = str(current_app.config.get("SITE_URL") or "").strip()
    if configured:
        return configured.rstrip("/")
    return request.url_root.rstrip("/")


def absolute(path_or_url: str) -> str:
    """An address made absolute against the site root; already absolute ones are returned as they are."""
    if urlsplit(path_or_url).scheme in {"http", "https"}:
        return path_or_url
    if path_or_url.startswith("//"):
        return urlsplit(site_root()).scheme + ":" + path_or_url
    path = path_or_url
    script_root = request.script_root
    if script_root and (path == script_root or path.startswith(script_root + "/")):
        path = path[len(script_root) :]
    return site_root() + "/" + path.lstrip("/")


def absolute_url(endpoint: str, **values: Any) -> str:
    """``url_for`` made absolute, honouring ``SITE_URL``."""
    return absolute(url_for(endpoint, **values))


_URL_ATTR = re.compile(r'(\s(?:src|href|poster)=")(/(?!/)[^"]*)"')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')


def absolutize_html(html: str) -> str:
    """Root-relative links and images in stored (sanitized) HTML made absolute, for feed readers.

    The HTML comes from ``blog.rendering``, which always quotes attributes with ``"``, so a
    pattern over attributes is exact here.
    """

    def one(match: re.Match[str]) -> str:
        return f'{match.group(1)}{absolute(match.group(2))}"'

    def srcset(match: re.Match[str]) -> str:
        candidates = []
        for candidate in match.group(2).split(","):
            parts = candidate.strip().split(None, 1)
            if parts and parts[0].startswith("/") and not parts[0].startswith("//"):
                parts[0] = absolute(parts[0])
            candidates.append(" ".join(parts))
        return f'{match.group(1)}{", ".join(candidates)}"'

    return _SRCSET.sub(srcset, _URL_ATTR.sub(one, html))


#: A spoiler block as feeds carry it: readers show feed HTML without our CSS, which is what hides it.
FEED_SPOILER_BLOCK = f"<p><em>{SPOILER_MARK} Hidden here; read it on the site.</em></p>"


def feed_html(html: str) -> str:
    """Stored HTML as a feed carries it: spoilers out, links and images absolute."""
    return absolutize_html(hide_spoilers(html, block=FEED_SPOILER_BLOCK))


@dataclass
class PageMeta:
    """What ``partials/meta.html`` writes into the page head: description, canonical, OG and Twitter tags."""

    title: str
    description: str = ""
    canonical: str = ""
    og_type: str = "website"
    image: str = ""
    image_alt: str = ""
    published: datetime | None = None
    modified: datetime | None = None
    author: str = ""
    tags: list[str] = field(default_factory=list)
    noindex: bool = False
    site_name: str = ""

    def __post_init__(self) -> None:
        self.site_name = self.site_name or str(current_app.config["SITE_NAME"])

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"


def clip(text: str, limit: int = 300) -> str:
    """A description for search engines and link previews: one line, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def post_meta(post: Post, *, noindex: bool = False, tags: Iterable[Any] | None = None) -> PageMeta:
    return PageMeta(
        title=post.title,
        description=clip(post.excerpt),
        canonical=absolute_url("posts.post_detail", slug=post.slug),
        og_type="article",
        image=absolute(post.cover_image) if post.cover_image else "",
        image_alt=post.cover_alt,
        published=post.published_at,
        modified=max(filter(None, [post.published_at, post.updated_at]), default=None),
        author=post.author.name,
        tags=[t.name for t in (post.tags if tags is None else tags)],
        noindex=noindex,
    )


def list_meta(title: str, description: str, endpoint: str, page: int = 1, **values: Any) -> PageMeta:
    """Meta for a list page; page 2+ has its own canonical address (Google's advice for paginated lists)."""
    if page > 1:
        values["page"] = page
    return PageMeta(title=title, description=clip(description), canonical=absolute_url(endpoint, **values))

"""Atom, RSS 2.0 and the sitemap, built with ``xml.etree`` so escaping is the library's job.

Entries carry the full stored HTML (with root-relative links made absolute), an excerpt as the
summary, the author, categories and both dates. Atom ids are tag URIs built from the post's id,
so changing a slug never makes feed readers show a post twice.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from blog.models.base import utcnow
from blog.models.posts import Post
from blog.posts.queries import FeedData, SitemapData
from blog.posts.seo import absolute_url, feed_html, site_root

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ET.register_namespace("atom", ATOM_NS)
ET.register_namespace("content", CONTENT_NS)
ET.register_namespace("dc", DC_NS)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def post_updated(post: Post) -> datetime:
    """A post's last change as readers see it: never before it went public."""
    return max(d for d in (post.published_at, post.updated_at) if d is not None)


def _entry_id(post: Post) -> str:
    host = urlsplit(site_root()).hostname or "localhost"
    day = (post.published_at or post.created_at).strftime("%Y-%m-%d")
    return f"tag:{host},{day}:post-{post.id}"


def _feed_title(data: FeedData) -> str:
    site = str(current_app.config["SITE_NAME"])
    if data.kind == "tag":
        return f"{site} · posts tagged “{data.title}”"
    if data.kind == "category":
        return f"{site} · {data.title}"
    return site


def _page_url(data: FeedData) -> str:
    if data.kind == "tag" and data.subject is not None:
        return absolute_url("posts.tag", slug=data.subject.slug)
    if data.kind == "category" and data.subject is not None:
        return absolute_url("posts.category", slug=data.subject.slug)
    return absolute_url("posts.home")


def feed_terms(post: Post) -> list[Any]:
    """The post's categories, then its tags, each name once: a category "Anime" and a tag "anime"
    are one subject to a feed reader, and were listed twice."""
    seen: set[str] = set()
    terms = []
    for term in [*post.categories, *post.tags]:
        key = term.name.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(term)
    return terms


def _feed_updated(posts: Iterable[Post]) -> datetime:
    return max((post_updated(p) for p in posts), default=utcnow())


def _serialize(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def atom_feed(data: FeedData, self_url: str) -> bytes:
    """An Atom 1.0 document (RFC 4287) for ``data``."""
    # Unprefixed names under a default xmlns: readers see every element in the Atom namespace.
    feed = ET.Element("feed", xmlns=ATOM_NS)
    _sub(feed, "title", _feed_title(data))
    tagline = str(current_app.config.get("SITE_TAGLINE") or "")
    if tagline:
        _sub(feed, "subtitle", tagline)
    _sub(feed, "id", self_url)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=_page_url(data))
    _sub(feed, "updated", _iso(_feed_updated(data.posts)))
    _sub(feed, "generator", "Sargasso")
    for post in data.posts:
        url = absolute_url("posts.post_detail", slug=post.slug)
        entry = _sub(feed, "entry")
        _sub(entry, "id", _entry_id(post))
        _sub(entry, "title", post.title)
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        if post.published_at is not None:
            _sub(entry, "published", _iso(post.published_at))
        _sub(entry, "updated", _iso(post_updated(post)))
        author = _sub(entry, "author")
        _sub(author, "name", post.author.name)
        _sub(author, "uri", absolute_url("posts.author", user_id=post.author_id))
        for term in feed_terms(post):
            _sub(entry, "category", term=term.slug, label=term.name)
        if post.excerpt:
            _sub(entry, "summary", post.excerpt)
        content = _sub(entry, "content", feed_html(post.body_html), type="html")
        content.set(f"{{{XML_NS}}}base", url)
    return _serialize(feed)


def rss_feed(data: FeedData, self_url: str) -> bytes:
    """An RSS 2.0 document: excerpt in ``description``, full HTML in ``content:encoded``."""
    rss = ET.Element("rss", version="2.0")
    channel = _sub(rss, "channel")
    _sub(channel, "title", _feed_title(data))
    _sub(channel, "link", _page_url(data))
    _sub(channel, "description", str(current_app.config.get("SITE_TAGLINE") or _feed_title(data)))
    _sub(channel, f"{{{ATOM_NS}}}link", rel="self", type="application/rss+xml", href=self_url)
    _sub(channel, "language", "en")
    _sub(channel, "lastBuildDate", format_datetime(_feed_updated(data.posts)))
    _sub(channel, "generator", "Sargasso")
    for post in data.posts:
        url = absolute_url("posts.post_detail", slug=post.slug)
        item = _sub(channel, "item")
        _sub(item, "title", post.title)
        _sub(item, "link", url)
        _sub(item, "guid", _entry_id(post), isPermaLink="false")
        if post.published_at is not None:
            _sub(item, "pubDate", format_datetime(post.published_at))
        _sub(item, f"{{{DC_NS}}}creator", post.author.name)
        for term in feed_terms(post):
            _sub(item, "category", term.name)
        _sub(item, "description", post.excerpt)
        _sub(item, f"{{{CONTENT_NS}}}encoded", feed_html(post.body_html))
    return _serialize(rss)


def sitemap(data: SitemapData) -> bytes:
    """sitemaps.org 0.9: home, the published pages (About...), every live post, the tag, category and
    series pages that list them, and the works and people of the reviews area with their browse pages."""
    urlset = ET.Element("urlset", xmlns=SITEMAP_NS)

    def add(loc: str, lastmod: datetime | None) -> None:
        url = _sub(urlset, "url")
        _sub(url, "loc", loc)
        if lastmod is not None:
            _sub(url, "lastmod", _iso(lastmod))

    add(absolute_url("posts.home"), max((post_updated(p) for p in data.posts), default=None))
    for page in data.pages:
        add(absolute_url("pages.page_detail", slug=page.slug), page.lastmod)
    for post in data.posts:
        add(absolute_url("posts.post_detail", slug=post.slug), post_updated(post))
    for tag in data.tags:
        add(absolute_url("posts.tag", slug=tag.slug), tag.last_published)
    for category in data.categories:
        add(absolute_url("posts.category", slug=category.slug), category.last_published)
    for series in data.series:
        add(absolute_url("posts.series", slug=series.slug), series.last_published)
    for endpoint, index, entries in (
        ("reviews.work_detail", "reviews.works", data.works),
        ("reviews.person_detail", "reviews.people", data.people),
    ):
        if entries:  # the browse page lists them all: it changed when the newest of them did
            add(absolute_url(index), max((e.lastmod for e in entries if e.lastmod is not None), default=None))
        for entry in entries:
            add(absolute_url(endpoint, slug=entry.slug), entry.lastmod)
    return _serialize(urlset)


def robots_txt() -> str:
    """Crawl everything public; keep out of the admin and the search results; name the sitemap."""
    return "\n".join(
        [
            "User-agent: *",
            "Disallow: /admin",
            "Disallow: /search",
            "",
            f"Sitemap: {absolute_url('posts.sitemap')}",
            "",
        ]
    )

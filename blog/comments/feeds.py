"""Atom feeds of approved comments: one per post and one for the whole site.

One query per feed (comments joined to their live posts), built with ``xml.etree`` so escaping
is the library's job. Only approved, undeleted comments of live posts appear; entry ids are tag
URIs from the comment id, so they never change.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from blog.extensions import db
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post, PostStatus
from blog.posts.seo import absolute_url, feed_html, site_root

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ITEMS = 50


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def recent_comments(post: Post | None = None, limit: int = FEED_ITEMS) -> list[tuple[Comment, str, str]]:
    """(comment, post title, post slug) for the newest approved comments, in one query."""
    stmt = (
        select(Comment, Post.title, Post.slug)
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.status == CommentStatus.APPROVED,
            Comment.deleted.is_(False),
            Post.status == PostStatus.PUBLISHED,
            Post.published_at <= utcnow(),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    if post is not None:
        stmt = stmt.where(Comment.post_id == post.id)
    return [(row[0], row[1], row[2]) for row in db.session.execute(stmt)]


def comments_atom(rows: list[tuple[Comment, str, str]], self_url: str, *, post: Post | None = None) -> bytes:
    site = str(current_app.config["SITE_NAME"])
    feed = ET.Element("feed", xmlns=ATOM_NS)
    if post is not None:
        _sub(feed, "title", f"Comments on \u201c{post.title}\u201d · {site}")
        page = absolute_url("posts.post_detail", slug=post.slug) + "#comments"
    else:
        _sub(feed, "title", f"Comments · {site}")
        page = absolute_url("posts.home")
    _sub(feed, "id", self_url)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page)
    updated = max((c.edited_at or c.created_at for c, _, _ in rows), default=utcnow())
    _sub(feed, "updated", _iso(updated))
    _sub(feed, "generator", "Sargasso")
    host = urlsplit(site_root()).hostname or "localhost"
    for comment, title, slug in rows:
        url = absolute_url("posts.post_detail", slug=slug) + f"#comment-{comment.id}"
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"tag:{host},{comment.created_at:%Y-%m-%d}:comment-{comment.id}")
        _sub(entry, "title", f"{comment.author_name} on \u201c{title}\u201d")
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        _sub(entry, "published", _iso(comment.created_at))
        _sub(entry, "updated", _iso(comment.edited_at or comment.created_at))
        author = _sub(entry, "author")
        _sub(author, "name", comment.author_name)
        if comment.author_url:
            _sub(author, "uri", comment.author_url)
        _sub(entry, "content", feed_html(comment.body_html), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

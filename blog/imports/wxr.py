"""Reading a WordPress export (WXR 1.0 to 1.2) into plain data, with a parser that refuses attacks.

A WXR file comes from elsewhere. ``defusedxml`` refuses a DTD, entity declarations (the "billion
laughs") and external references (XXE) before anything is read; WordPress never writes any of
them. Every way a file can be wrong ends in ``WxrError``, whose message says what is wrong and
what to do, so the command prints one line, not a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree as safe_xml

from blog import timezone
from blog.errors import DomainError

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
#: WordPress's export namespace; WordPress.com writes it with https.
_WP_NS = re.compile(r"^https?://wordpress\.org/export/(\d+\.\d+)/$")
SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2")
_NO_DATE = "0000-00-00 00:00:00"
_HOW_TO_EXPORT = "Export it again from WordPress (Tools → Export → All content)."


class WxrError(DomainError):
    """The file is not a WordPress export we can read; the message says why."""


@dataclass(frozen=True)
class Author:
    login: str
    email: str
    display_name: str
    first_name: str = ""
    last_name: str = ""

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return self.display_name or full or self.login


@dataclass(frozen=True)
class Term:
    """A category (``parent`` is the parent's nicename) or a tag."""

    slug: str
    name: str
    parent: str = ""
    description: str = ""


@dataclass(frozen=True)
class ItemTerm:
    """A term an item is filed under: ``domain`` is ``category``, ``post_tag``, ``post_format``..."""

    domain: str
    slug: str
    name: str


@dataclass
class WxrComment:
    remote_id: str
    parent_id: str
    author: str
    email: str
    url: str
    ip: str
    date: datetime | None
    approved: str
    type: str
    content: str
    user_id: str


@dataclass
class Item:
    """A post, page, attachment or anything else WordPress exports as an ``<item>``."""

    remote_id: str
    post_type: str
    title: str
    link: str
    guid: str
    creator: str
    content: str
    excerpt: str
    date: datetime | None
    modified: datetime | None
    name: str
    status: str
    parent_id: str
    password: str
    sticky: bool
    comment_status: str
    attachment_url: str
    #: A page's place among its siblings (``wp:menu_order``); 0 when absent.
    menu_order: int = 0
    terms: list[ItemTerm] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[WxrComment] = field(default_factory=list)


@dataclass
class Export:
    version: str
    title: str
    #: The exported site (``wp:base_blog_url``): with an item's id, what identifies it.
    source: str
    authors: list[Author]
    categories: list[Term]
    tags: list[Term]
    items: list[Item]


def parse_date(value: str) -> datetime | None:
    """WordPress's ``2012-01-04 16:38:05`` as UTC; None for its ``0000-00-00 00:00:00`` or junk."""
    value = value.strip()
    if not value or value == _NO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_wall_date(value: str) -> datetime | None:
    """WordPress's local ``post_date`` (used when the export has no GMT date, as drafts often
    do) read as a time on the site's wall clock (``SITE_TIMEZONE``), as UTC."""
    when = parse_date(value)
    if when is None:
        return None
    try:
        return timezone.to_utc(when.replace(tzinfo=None), strict=False)
    except timezone.LocalTimeError:
        return when


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


class _Reader:
    """Finds WXR elements by namespace, whichever WXR version (and URL scheme) the file uses."""

    def __init__(self, wp_ns: str) -> None:
        self.wp = wp_ns
        self.excerpt = wp_ns + "excerpt/"

    def text(self, element: Element, name: str, ns: str | None = None) -> str:
        found = element.find(f"{{{self.wp if ns is None else ns}}}{name}")
        return (found.text or "") if found is not None else ""

    def all(self, element: Element, name: str) -> list[Element]:
        return element.findall(f"{{{self.wp}}}{name}")

    def author(self, element: Element) -> Author:
        return Author(
            login=self.text(element, "author_login").strip(),
            email=self.text(element, "author_email").strip(),
            display_name=self.text(element, "author_display_name").strip(),
            first_name=self.text(element, "author_first_name").strip(),
            last_name=self.text(element, "author_last_name").strip(),
        )

    def category(self, element: Element) -> Term:
        return Term(
            slug=self.text(element, "category_nicename").strip(),
            name=self.text(element, "cat_name").strip(),
            parent=self.text(element, "category_parent").strip(),
            description=self.text(element, "category_description").strip(),
        )

    def tag(self, element: Element) -> Term:
        return Term(
            slug=self.text(element, "tag_slug").strip(),
            name=self.text(element, "tag_name").strip(),
            description=self.text(element, "tag_description").strip(),
        )

    def comment(self, element: Element) -> WxrComment:
        text = self.text
        return WxrComment(
            remote_id=text(element, "comment_id").strip(),
            parent_id=text(element, "comment_parent").strip(),
            author=text(element, "comment_author").strip(),
            email=text(element, "comment_author_email").strip(),
            url=text(element, "comment_author_url").strip(),
            ip=text(element, "comment_author_IP").strip(),
            date=parse_date(text(element, "comment_date_gmt")) or parse_wall_date(text(element, "comment_date")),
            approved=text(element, "comment_approved").strip(),
            type=text(element, "comment_type").strip(),
            content=text(element, "comment_content"),
            user_id=text(element, "comment_user_id").strip(),
        )

    def item(self, element: Element) -> Item:
        text = self.text
        meta: dict[str, str] = {}
        for pair in self.all(element, "postmeta"):
            meta[text(pair, "meta_key").strip()] = text(pair, "meta_value")
        terms = [
            ItemTerm(domain=term.get("domain", ""), slug=term.get("nicename", ""), name=(term.text or "").strip())
            for term in element.findall("category")
        ]
        return Item(
            remote_id=text(element, "post_id").strip(),
            post_type=text(element, "post_type").strip(),
            title=(element.findtext("title") or "").strip(),
            link=(element.findtext("link") or "").strip(),
            guid=(element.findtext("guid") or "").strip(),
            creator=(element.findtext(f"{{{DC_NS}}}creator") or "").strip(),
            content=text(element, "encoded", CONTENT_NS),
            excerpt=text(element, "encoded", self.excerpt),
            date=parse_date(text(element, "post_date_gmt")) or parse_wall_date(text(element, "post_date")),
            modified=parse_date(text(element, "post_modified_gmt")) or parse_wall_date(text(element, "post_modified")),
            name=text(element, "post_name").strip(),
            status=text(element, "status").strip(),
            parent_id=text(element, "post_parent").strip(),
            password=text(element, "post_password"),
            sticky=text(element, "is_sticky").strip() == "1",
            comment_status=text(element, "comment_status").strip(),
            attachment_url=text(element, "attachment_url").strip(),
            menu_order=_whole_number(text(element, "menu_order")),
            terms=terms,
            meta=meta,
            comments=[self.comment(c) for c in self.all(element, "comment")],
        )


def _whole_number(value: str) -> int:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 10 else 0


def _root(source: str | Path | IO[bytes], label: str) -> Element:
    try:
        tree = safe_xml.parse(source, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise WxrError(
            f"{label} was refused: it declares a DTD, entities or external references "
            f"({type(error).__name__}), which WordPress exports never do. Nothing was imported."
        ) from None
    except safe_xml.ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise WxrError(
            f"{label} is not well-formed XML (line {line}, column {column}): the file may be cut short or "
            f"damaged. {_HOW_TO_EXPORT} Nothing was imported."
        ) from None
    except OSError as error:
        raise WxrError(f"Cannot read {label}: {error.strerror or error}.") from None
    root: Element = tree.getroot()
    return root


def read_export(source: str | Path | IO[bytes], label: str = "The file") -> Export:
    """The export in ``source`` (a path or a binary file), or ``WxrError``."""
    root = _root(source, label)
    channel = root.find("channel")
    if _local(root.tag) != "rss" or channel is None:
        raise WxrError(f"{label} is XML but not a WordPress export (no <rss><channel>). {_HOW_TO_EXPORT}")
    version_element = next((child for child in channel if _local(child.tag) == "wxr_version"), None)
    namespace = _namespace(version_element.tag) if version_element is not None else ""
    if version_element is None or _WP_NS.match(namespace) is None:
        raise WxrError(f"{label} is an RSS feed, not a WordPress export (no wp:wxr_version). {_HOW_TO_EXPORT}")
    version = (version_element.text or "").strip()
    if version not in SUPPORTED_VERSIONS:
        raise WxrError(
            f"{label} is a WordPress export of version {version or '(none)'}; this importer reads "
            f"versions {', '.join(SUPPORTED_VERSIONS)}."
        )
    reader = _Reader(namespace)
    source_url = reader.text(channel, "base_blog_url").strip() or (channel.findtext("link") or "").strip()
    return Export(
        version=version,
        title=(channel.findtext("title") or "").strip(),
        source=source_url.rstrip("/")[:300] or "wordpress",
        authors=[reader.author(a) for a in reader.all(channel, "author")],
        categories=[reader.category(c) for c in reader.all(channel, "category")],
        tags=[reader.tag(t) for t in reader.all(channel, "tag")],
        items=[reader.item(i) for i in channel.findall("item")],
    )

"""The comment list's HTML, built in Python: the hottest loop of the site.

A post with 200 comments spent ~90 µs per comment in Jinja (a context per include, ``url_for``
and ``csrf_token()`` per comment, filters); here everything that is the same for every comment
of the page (URL prefixes, the CSRF token, labels) is computed once and each comment costs a few
escapes and one f-string. The comment bodies themselves were rendered and sanitized at write time
(``Comment.body_html``); only names, URLs and dates are escaped here.

A readable comment's markup around its body is also stored, rendered when it changes
(``blog.comments.cards``): ``_Page.comment`` takes that card while ``card_key`` says it is what
this comment would render to now, and renders it here otherwise.

The markup is WordPress's comment list (``ol.comment-list > li.comment > article.comment-body``)
with schema.org ``Comment`` microdata; ``templates/comments/section.html`` places it and
``static/js/comments.js`` / ``discussion.js`` read its ``data-`` attributes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app, has_request_context, request, url_for
from markupsafe import escape

from blog import cache
from blog.comments.avatars import GRAVATAR_BASE, PLACEHOLDER_HASH
from blog.timezone import DEFAULT_ZONE, MONTH_NAMES, local, zone_name

if TYPE_CHECKING:
    from blog.comments.discussion import DiscussionExtras
    from blog.comments.section import CommentSection
    from blog.comments.threads import Node

#: A comment id no real comment has, swapped for the real one in URL templates built once per page.
_ID = 2_147_480_001


_TOOL_BUTTONS = {
    action: f'<button type="submit" name="action" value="{action}" class="link-button">{label}</button> '
    for action, label in (
        ("pin", "Pin"),
        ("unpin", "Unpin"),
        ("lock", "Lock thread"),
        ("unlock", "Unlock thread"),
        ("mark-author", "Mark as from the author"),
        ("unmark-author", "Not from the author"),
    )
}
_MICRODATA = ' itemprop="comment" itemscope itemtype="https://schema.org/Comment"'
#: The id of the one form every like button submits (``templates/comments/section.html``).
LIKE_FORM = "comment-like-form"


#: The endpoints whose URLs a page needs, in ``_Page.urls`` order.
_ENDPOINTS = (
    "discussion.like",
    "discussion.report",
    "discussion.tool",
    "discussion.ban_commenter",
    "comments.edit_comment",
    "comments.delete_comment",
)


def _split(url: str) -> tuple[str, str]:
    head, _, tail = url.partition(str(_ID))
    return head, tail


def _request_urls() -> tuple[tuple[str, str], ...]:
    """``url_for(endpoint, comment_id=...)`` split around the id, so the loop only concatenates;
    worked out once per application and URL prefix (they depend on nothing else)."""
    known = current_app.extensions.setdefault("comment_request_urls", {})
    root = request.script_root
    found = known.get(root)
    if found is None:
        if len(known) >= 64:  # the prefix comes from the server's setup, not the client: a few at most
            known.clear()
        found = known[root] = tuple(_split(url_for(endpoint, comment_id=_ID)) for endpoint in _ENDPOINTS)
    return found  # type: ignore[no-any-return]


def _root_urls() -> tuple[tuple[tuple[str, str], ...], str]:
    """The same URLs, and the avatars' base, for a site served at ``/``: what cards are rendered
    with, request or not (worked out once per application)."""
    found = current_app.extensions.get("comment_card_urls")
    if found is None:
        adapter = current_app.url_map.bind("localhost")
        urls = tuple(_split(adapter.build(endpoint, {"comment_id": _ID})) for endpoint in _ENDPOINTS)
        found = current_app.extensions["comment_card_urls"] = (urls, _avatar_base(adapter.build))
    return found


def _avatar_base(build: Any) -> str:
    """``/avatars/`` (or wherever ``comments.avatar`` is served), without the file name."""
    return str(build("comments.avatar", {"hash_": "x"}))[: -len("x.svg")]


def avatar_base() -> str:
    """The avatars' base for this request (under the site's URL prefix, if any), or for a site at
    ``/`` outside a request (mail, the CLI)."""
    if not has_request_context():
        return _root_urls()[1]
    return _avatar_base(lambda endpoint, values: url_for(endpoint, **values))


def date_label(moment: datetime) -> str:
    """WordPress's familiar "November 23, 2026 at 9:39 am" (English month names, whatever the
    locale), on the site's wall clock (``SITE_TIMEZONE``; a naive ``moment`` is UTC)."""
    moment = local(moment)
    hour = moment.hour % 12 or 12
    half = "am" if moment.hour < 12 else "pm"
    return f"{MONTH_NAMES[moment.month - 1]} {moment.day}, {moment.year} at {hour}:{moment.minute:02d} {half}"


def _esc(value: object) -> str:
    return str(escape(value))


#: Bump when the markup below changes: every stored card's key then differs, so pages render
#: comments afresh until ``flask rerender`` (or a change to their thread) writes new cards.
#: Stays below 256 (``card_version`` packs the site's zone above it).
#: 2: a comment without an avatar hash (its author deleted their account) shows the placeholder.
CARD_VERSION = 2


def card_stamp() -> str:
    """What every card of the site is rendered with besides its comment: the markup version and,
    off UTC, the site's zone (the dates in it). A site that changes ``SITE_TIMEZONE`` finds every
    stored key different, so its pages render dates in the new zone at once, and ``flask rerender``
    (or the next change to a thread) stores cards in it. UTC keeps the plain version, so the
    cards of sites that never set a zone stay current."""
    name = zone_name()
    return str(CARD_VERSION) if name == DEFAULT_ZONE else f"{CARD_VERSION}@{name}"


def card_version() -> int:
    """``card_stamp`` as the number stored beside each thread card (``thread_card_version``, a
    32-bit integer): ``CARD_VERSION`` in UTC; otherwise the zone's CRC-32 in 8 million buckets
    above it (no two zones of the IANA database share one: ``tests/test_site_timezone.py``)."""
    name = zone_name()
    if name == DEFAULT_ZONE:
        return CARD_VERSION
    return CARD_VERSION + 256 * (1 + zlib.crc32(name.encode()) % 8_000_000)


def card_key(c: Node, score: str | None, liked: bool, stamp: str | None = None) -> str:
    """Everything that can change in a comment's markup apart from its body (``body_html`` is
    spliced in live): a stored card is used only while this is what it was rendered from.
    ``stamp`` is ``card_stamp()``, worked out once by callers that key many comments."""
    edited = c.edited_at.isoformat() if c.edited_at else ""
    return (
        f"{stamp or card_stamp()}|{c.like_count}|{c.pinned:d}{c.locked:d}{c.is_author:d}{liked:d}|{score or ''}|"
        f"{c.name}|{c.url}|{c.avatar_hash}|{c.remote_avatar}|{c.reply_to_name}|{edited}"
    )


class _Page:
    """What every comment of one page shares: computed once per request (or once per card run)."""

    def __init__(
        self,
        *,
        urls: tuple[tuple[str, str], ...],
        avatar_base: str,
        csrf: str = "",
        reply_query: str = "",
        liked: set[int] | None = None,
        is_moderator: bool = False,
        discussion: bool = True,
        is_open: bool = True,
        scores: dict[int, str] | None = None,
        scale: int = 10,
    ) -> None:
        self.urls, self.avatar_base = urls, avatar_base
        self.like, self.report, self.tool, self.ban, self.edit, self.delete = urls
        self.csrf = csrf
        self.reply_query = reply_query
        self.liked = liked or set()
        self.is_moderator = is_moderator
        self.has_discussion = discussion
        self.is_open = is_open
        self.scores = scores or {}
        self.scale = scale
        self.cards = False
        self.stamp = card_stamp()

    @classmethod
    def for_section(cls, section: CommentSection, extras: DiscussionExtras | None) -> _Page:
        page = cls(
            urls=_request_urls(),
            avatar_base=section.avatar_base,
            csrf=_esc(cache.csrf_token_for_page()),  # empty on a shared page: site.js fills it
            reply_query=f"cpage={section.page}&" if section.page > 1 else "",
            liked=extras.liked if extras is not None else set(),
            is_moderator=bool(extras and extras.is_moderator),
            discussion=extras is not None,
            is_open=section.is_open,
            scores=section.reader_scores,
            scale=section.score_scale,
        )
        # Stored cards are what an anonymous reader of an open discussion on a site served at
        # ``/`` sees; anything else on this page-wide level renders every comment here.
        page.cards = page.has_discussion and not page.is_moderator and cards_apply(page.is_open)
        return page

    def avatar(self, c: Node) -> str:
        # A social account's picture is named; Gravatar's address is built by comments.js from the
        # hash in ``src`` (the list's ``data-gravatar``), so most comments carry one URL, not two.
        remote = c.remote_avatar
        data = f' data-avatar="{_esc(remote)}"' if remote.startswith("https://") else ""
        return (
            f'<img class="avatar" src="{self.avatar_base}{_esc(c.avatar_hash or PLACEHOLDER_HASH)}.svg"{data} alt="" '
            'width="48" height="48" loading="lazy" decoding="async">'
        )

    @staticmethod
    def author(c: Node, name: str) -> str:
        person = (
            (
                f'<a class="url" href="{_esc(c.url)}" rel="external nofollow ugc noopener" itemprop="url">'
                f'<b itemprop="name">{name}</b></a>'
            )
            if c.url
            else f'<b itemprop="name">{name}</b>'
        )
        return f'<span class="comment-author"{_PERSON}>{person}</span>'

    def discussion(self, c: Node) -> str:
        """Likes, badges, the report link and moderators' tools (readable, approved comments only)."""
        if not self.has_discussion or not c.visible or c.pending:
            return ""
        cid = c.id
        liked = cid in self.liked
        # The button belongs to the page's one like form (``LIKE_FORM``, which holds the CSRF token)
        # and names its own target: no form and no token per comment.
        parts = [
            f'<div class="comment-discussion"><button type="submit" form="{LIKE_FORM}" '
            f'formaction="{self.like[0]}{cid}{self.like[1]}" '
            f'class="link-button comment-like{" is-liked" if liked else ""}" '
            f'aria-pressed="{"true" if liked else "false"}"><span aria-hidden="true">&#9829;</span> '
            f'<span class="visually-hidden">Like</span> <span class="like-count">{c.like_count}</span></button>'
        ]
        if c.pinned:
            parts.append(' <span class="badge badge-pinned">Pinned</span>')
        if c.locked:
            parts.append(' <span class="badge badge-locked">Thread locked</span>')
        if not c.own:  # nobody reports their own comment
            report = f"{self.report[0]}{cid}{self.report[1]}"
            parts.append(f' <a class="comment-report-link" href="{report}" rel="nofollow">Report</a>')
        if self.is_moderator:
            parts.append(
                f'<form class="comment-tools" method="post" action="{self.tool[0]}{cid}{self.tool[1]}">'
                f'<input type="hidden" name="csrf_token" value="{self.csrf}">'
            )
            if c.depth == 0 and c.parent_id is None:
                parts.append(_TOOL_BUTTONS["unpin" if c.pinned else "pin"])
                parts.append(_TOOL_BUTTONS["unlock" if c.locked else "lock"])
            parts.append(_TOOL_BUTTONS["unmark-author" if c.is_author else "mark-author"])
            parts.append(f'</form> <a class="comment-ban-link" href="{self.ban[0]}{cid}{self.ban[1]}">Ban…</a>')
        parts.append("</div>")
        return "".join(parts)

    def actions(self, c: Node, name: str) -> str:
        can_reply = self.is_open and not c.pending
        if not (can_reply or c.can_modify):
            return ""
        out = ['<div class="comment-actions">']
        if can_reply:
            out.append(
                f'<a class="comment-reply-link" href="?{self.reply_query}replyto={c.id}#respond" '
                f'data-reply-to="{c.id}" data-author="{name}" aria-label="Reply to {name}">Reply</a>'
            )
        if c.can_modify:
            out.append(
                f' <a class="comment-edit-link" href="{self.edit[0]}{c.id}{self.edit[1]}">Edit</a>'
                f'<form class="comment-delete-form" method="post" action="{self.delete[0]}{c.id}{self.delete[1]}" '
                f'data-confirm="Delete your comment? This cannot be undone.">'
                f'<input type="hidden" name="csrf_token" value="{self.csrf}">'
                f'<button type="submit" class="link-button">Delete</button></form>'
            )
        out.append("</div>")
        return "".join(out)

    def comment(self, c: Node) -> str:
        closing = '<ol class="children">\n' if c.children else f"</li>{'</ol></li>' * c.closes}\n"
        if c.placeholder:
            author = " bypostauthor" if c.is_author else ""
            return (
                f'<li id="comment-{c.id}" class="comment{author} is-placeholder"><p class="comment-placeholder">'
                f"{_esc(c.placeholder)}</p>{closing}"
            )
        if (
            self.cards
            and c.card_key is not None
            and not (c.pending or c.can_modify or c.own)
            and c.card_key == card_key(c, self.scores.get(c.id), c.id in self.liked, self.stamp)
        ):
            # The stored card (rendered at write time from what the key says) around the live body.
            tail = c.card_tail or ""
            if self.reply_query:
                tail = tail.replace('href="?replyto=', f'href="?{self.reply_query}replyto=', 1)
            return f"{c.card_head}{c.body_html}{tail}{closing}"
        head, tail = self.parts(c)
        return f"{head}{c.body_html}{tail}{closing}"

    def parts(self, c: Node) -> tuple[str, str]:
        """A readable comment's markup before and after its body (the card, when stored)."""
        # One f-string per part, optional parts as "" (this runs 200 times for a busy page).
        cid, created, name = c.id, c.created_at, _esc(c.name)
        classes = "comment"
        if c.is_author:
            classes += " bypostauthor"
        if c.pending:
            classes += " is-pending"
        score = self.scores.get(cid)
        edited = c.edited_at
        head = (
            f'<li id="comment-{cid}" class="{classes}"{"" if c.pending else _MICRODATA}>'
            f'<article class="comment-body" id="div-comment-{cid}"><footer class="comment-meta">'
            f"{self.avatar(c)}{self.author(c, name)}"
            f"{_AUTHOR_BADGE if c.is_author else ''}"
            f"{'' if score is None else _score_badge(_esc(score), self.scale)}"
            f' <a class="comment-permalink" href="#comment-{cid}" itemprop="url"><time datetime="'
            f'{created.isoformat(timespec="seconds")}" itemprop="dateCreated">{date_label(created)}</time></a>'
            f"{edited_mark(edited) if edited else ''}"
            f"{_in_reply_to(c.reply_to_name) if c.reply_to_name else ''}"
            f'</footer>{_AWAITING if c.pending else ""}<div class="comment-content" itemprop="text">'
        )
        return head, f"</div>{self.discussion(c)}{self.actions(c, name)}</article>"


_PERSON = ' itemprop="author" itemscope itemtype="https://schema.org/Person"'
_AUTHOR_BADGE = ' <span class="badge badge-author">Author</span>'
_AWAITING = '<p class="comment-awaiting-moderation">Your comment is awaiting moderation.</p>'


def _score_badge(score: str, scale: int) -> str:
    return f' <span class="badge badge-score" title="Their score for the work">{score}/{scale}</span>'


def edited_mark(when: datetime) -> str:
    """The "edited" beside a comment's date (also sent to ``comments.js`` after an edit in place)."""
    return (
        f' <span class="comment-edited"><time datetime="{when.isoformat(timespec="seconds")}" '
        'itemprop="dateModified">edited</time></span>'
    )


def _in_reply_to(name: str) -> str:
    return f' <span class="comment-in-reply-to">in reply to {_esc(name)}</span>'


def card_page(scores: dict[int, str], scale: int) -> _Page:
    """The page cards are rendered for: an anonymous reader's, on a site served at ``/``."""
    urls, avatar_base = _root_urls()
    return _Page(urls=urls, avatar_base=avatar_base, scores=scores, scale=scale)


def ascii_html(html: str) -> str:
    """``html`` with every non-ASCII character written as a character reference (``—`` as
    ``&#8212;``), which reads the same in text and attribute values: the comment list holds no
    script or style. Python keeps a string of ASCII one byte a character; a single em dash makes
    300 KiB of comments two bytes a character, and encoding that for the response cost ~0.7 ms
    against ~0.015 ms (and reading it from the database 0.14 ms against 0.03)."""
    return html if html.isascii() else html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def list_items(page: _Page, nodes: Iterable[Node]) -> str:
    """``nodes`` (in ``threads.flatten`` order) as the list's items, each root's ``<li>`` with its
    replies nested in it: the page's whole list, or one thread's stored card (``blog.comments.cards``)."""
    return ascii_html("".join(map(page.comment, nodes)))


def cards_apply(is_open: bool) -> bool:
    """Whether this request's page is the one cards are made for, as far as the page goes (the
    reader's own part, moderation and likes, is for the caller): comments open, cards on, the
    site served at ``/``."""
    return (
        is_open
        and bool(current_app.config.get("COMMENT_CARDS", True))
        and (_request_urls(), avatar_base()) == _root_urls()
    )


def comment_list(section: CommentSection, extras: DiscussionExtras | None, items: str | None = None) -> str:
    """``<ol class="comment-list">`` with every node of the page, nested as the tree says (HTML:
    names and addresses escaped here, bodies sanitized when written); or with ``items``, the
    page's stored thread cards joined. ASCII only (``ascii_html``)."""
    if items is None:
        items = list_items(_Page.for_section(section, extras), section.nodes)
    gravatar = f' data-gravatar="{GRAVATAR_BASE}"' if section.gravatar else ""
    return f'<ol class="comment-list"{gravatar}>\n{items}</ol>'

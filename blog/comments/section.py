"""Everything the post page needs to show its comments and the reply form.

``comment_section(post)`` is called by the post page's view and returns the template context for
``templates/comments/section.html``: two queries for the thread page, whatever the number of
comments, plus one only when ``?replyto=`` names a comment on another page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from math import ceil
from typing import Any
from urllib.parse import parse_qs, urlencode

from flask import current_app, g, has_request_context, request, session, url_for
from flask_login import current_user
from markupsafe import Markup

from blog import cache
from blog.comments import markup, sorting, threads, votes
from blog.comments.discussion import section_extras
from blog.comments.forms import CommentForm
from blog.comments.markup import avatar_base, cards_apply, comment_list, date_label
from blog.comments.posting import can_modify, closes_at, comments_open, edit_deadline
from blog.comments.spam import form_token
from blog.extensions import db
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post
from blog.reviews.ratings import comment_scores

#: The session key holding the ids of comments this browser posted as a guest (signed cookie).
GUEST_IDS_KEY = "my_comments"
GUEST_IDS_KEPT = 50
#: The "Save my name, email, and website" cookie.
IDENTITY_COOKIE = "comment_author"


def _stored_guest_ids() -> list[int]:
    """The ids as stored: one string of numbers (a list of 50 ints costs Flask's tagged session
    serializer ~0.1 ms each way on every request), or the list older sessions hold."""
    raw = session.get(GUEST_IDS_KEY) or ""
    if isinstance(raw, str):
        return [int(part) for part in raw.split() if part.isdigit()]
    return [i for i in raw if isinstance(i, int)] if isinstance(raw, list) else []


def guest_comment_ids() -> frozenset[int]:
    if not has_request_context():
        return frozenset()
    return frozenset(_stored_guest_ids())


def remember_guest_comment(comment_id: int) -> None:
    ids = [*_stored_guest_ids(), comment_id][-GUEST_IDS_KEPT:]
    session[GUEST_IDS_KEY] = " ".join(map(str, ids))


def saved_identity() -> dict[str, str]:
    """Name, email and website from the "Save my name..." cookie, if the reader ticked it."""
    raw = request.cookies.get(IDENTITY_COOKIE, "")
    if not raw:
        return {}
    data = parse_qs(raw[:2000])
    return {key: (data.get(key) or [""])[0][:300] for key in ("name", "email", "url")}


def identity_cookie_value(name: str, email: str, url: str) -> str:
    """URL-encoded, so the cookie needs no quoting."""
    return urlencode({"name": name, "email": email, "url": url})


@dataclass
class FormView:
    """What the comment form shows: the values in its fields and each field's errors.

    Built from the form a refused comment left (so nothing typed is lost) or from defaults; the
    page renders it as plain HTML, so a page view costs no WTForms form (posting validates with
    ``CommentForm`` as before)."""

    body: str = ""
    name: str = ""
    email: str = ""
    url: str = ""
    remember: bool = False
    notify_replies: bool = False
    notify_post: bool = False
    notify_digest: bool = False
    score: str = ""
    parent_id: str = ""
    shown: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: CommentForm) -> FormView:
        """What a ``CommentForm`` that was posted (or restored from a draft) holds, errors included."""
        return cls(
            body=form.body.data or "", name=form.name.data or "", email=form.email.data or "",
            url=form.url.data or "", remember=bool(form.remember.data),
            notify_replies=bool(form.notify_replies.data), notify_post=bool(form.notify_post.data),
            notify_digest=bool(form.notify_digest.data), score=form.score.data or "",
            parent_id=form.parent_id.data or "",
            errors={name: list(getattr(form, name).errors) for name in _FIELDS if getattr(form, name).errors},
        )  # fmt: skip

    def parent(self) -> int | None:
        """The comment being answered, as ``CommentForm.parent`` reads it."""
        return CommentForm.parse_parent(self.parent_id.strip())

    @staticmethod
    def label(name: str) -> str:
        """A field's label, as ``CommentForm`` declares it (one wording for the page and the form)."""
        return str(getattr(CommentForm, name).args[0])


_FIELDS = ("body", "name", "email", "url", "score")


@dataclass
class CommentSection:
    """What ``templates/comments/section.html`` shows."""

    post: Post
    #: The page's comments as a tree in list order; empty when the list came from stored thread cards.
    nodes: list[threads.Node]
    #: The page lists comments (from ``nodes`` or from stored thread cards).
    listed: bool
    page: int
    pages: int
    total_threads: int
    is_open: bool
    closed_message: str
    form: FormView | None
    signed_in: bool
    reply_to: threads.Node | None
    error: str = ""
    #: The comment as it will look (sanitized ``render_comment`` output), after "Preview" without JS.
    preview: Markup | None = None
    gravatar: bool = True
    page_url: str = ""
    avatar_base: str = ""
    edit_window_minutes: int = 15
    #: comment id -> the writer's own score for the reviewed work; empty when the post reviews nothing.
    reader_scores: dict[int, str] = field(default_factory=dict)
    #: The post reviews a work, so signed-in readers may give their score with their comment.
    takes_scores: bool = False
    score_scale: int = 10
    #: Forms carry a CSRF token (off only where WTF_CSRF_ENABLED is, in some tests).
    csrf: bool = True
    #: The rendered ``<ol class="comment-list">`` (blog.comments.markup), built once the rest is known.
    #: A plain string, spliced into the rendered page by ``place_list``: through Jinja, 300 KiB of
    #: Markup was copied twice more (``Markup(...)`` and autoescape's ``escape``), ~0.4 ms each.
    list_html: str = ""
    #: Names this page's slot for the list (random, so no text on the page can be taken for it).
    slot_token: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def list_slot(self) -> Markup:
        """Where the template wants the list: an HTML comment that ``place_list`` replaces."""
        return Markup(f"<!--comment-list-{self.slot_token}-->")  # noqa: S704 - a constant and hex

    def place_list(self, page_html: str) -> bytes:
        """The rendered page, encoded, with the comment list in its slot. Joined as bytes: in one
        string, a single non-ASCII character of the page around it would make the whole list two
        bytes a character again (``markup.ascii_html``)."""
        head, slot, tail = page_html.partition(self.list_slot)
        if not slot:
            return page_html.encode()
        return b"".join((head.encode(), self.list_html.encode(), tail.encode()))

    def page_link(self, number: int) -> str:
        base = self.page_url
        return f"{base}#comments" if number == 1 else f"{base}?cpage={number}#comments"


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _thread_rows(
    post_id: int, viewer: threads.Viewer, page: int, per_page: int, sort: str
) -> tuple[list[tuple], list[int], int | None]:  # type: ignore[type-arg]
    """One page of threads: one prepared statement for most readers; readers who may see their
    own held comments take the general two-query path."""
    if viewer.owns_nothing:
        return threads.public_page(post_id, page, per_page, sort)
    ids, total = threads.thread_page(post_id, viewer, page, per_page, sort)
    return threads.load_threads(post_id, ids), ids, total


def _stored_threads(
    post_id: int, viewer: threads.Viewer, page: int, per_page: int, sort: str, is_open: bool
) -> threads.StoredPage | None:
    """The first page of threads from their stored cards, for a reader the cards are made for:
    anonymous, with no comments or likes of their own, on an open discussion. None otherwise,
    and when a thread of the page has no card of the current markup."""
    if not (
        has_request_context()
        and page == 1
        and viewer.owns_nothing
        and votes.browser_id() is None
        and cards_apply(is_open)
    ):
        return None
    return threads.stored_page(post_id, per_page, sort, markup.card_version())


def comment_section(
    post: Post,
    *,
    page: int | None = None,
    reply_to: int | None = None,
    user: Any = None,
    guest_ids: frozenset[int] | None = None,
) -> dict[str, Any]:
    """Template context for the comment section of ``post``; reads ``?cpage`` and ``?replyto``
    from the request when not given, and any refused form the comment view left in ``g``."""
    in_request = has_request_context()
    if in_request:
        page = page if page is not None else _int_arg("cpage")
        reply_to = reply_to if reply_to is not None else _int_arg("replyto")
        user = user if user is not None else current_user
    guest_ids = guest_ids if guest_ids is not None else guest_comment_ids()
    signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
    viewer = threads.Viewer(user_id=user.id if signed_in else None, guest_ids=guest_ids)
    per_page, newest = threads.per_page(), sorting.reader_sort()  # oldest | newest | best (pinned first)

    page = max(1, page or 1)
    now = utcnow()
    is_open = comments_open(post, now)
    left = getattr(g, "comment_form", None) if in_request else None
    stored = _stored_threads(post.id, viewer, page, per_page, newest, is_open) if left is None else None
    nodes: list[threads.Node] = []
    if stored is not None:
        total = stored.total
    else:
        rows, ids, total = _thread_rows(post.id, viewer, page, per_page, newest)
        if total is None:
            total = threads.count_threads(post.id, viewer) if page > 1 else 0
            if total and page > 1:
                page = ceil(total / per_page)
                rows, ids, _ = _thread_rows(post.id, viewer, page, per_page, newest)
        nodes = threads.flatten(threads.build_tree(rows, ids, viewer, post.author_id))
    window = int(current_app.config["COMMENTS_EDIT_WINDOW_MINUTES"])
    if not viewer.owns_nothing:
        for node in nodes:
            if node.visible and viewer.owns(node.user_id, node.id):
                node.can_modify = (now - node.created_at).total_seconds() < window * 60

    closed_message = ""
    if not is_open:
        closed_message = "Comments are closed."

    reply_node = None
    if reply_to is not None and is_open:
        reply_node = next((n for n in nodes if n.id == reply_to and n.visible and not n.pending), None)
        if reply_node is None:
            found = db.session.get(Comment, reply_to)
            if (
                found is not None
                and found.post_id == post.id
                and found.status == CommentStatus.APPROVED
                and not found.deleted
            ):
                reply_node = threads.Node(
                    found.id,
                    found.parent_id,
                    found.thread_id or found.id,
                    found.depth,
                    found.user_id,
                    found.author_name,
                    found.author_url,
                    found.avatar_hash,
                    "",
                    found.body_html,
                    found.status.value,
                    False,
                    False,
                    found.created_at,
                    found.edited_at,
                    visible=True,
                )

    error = getattr(g, "comment_error", "") if in_request else ""
    preview = getattr(g, "comment_preview", None) if in_request else None
    form: FormView | None = None
    if is_open or left is not None:
        # A refused comment keeps its form even on a closed post, so the reader can copy the text.
        if left is not None:
            form = FormView.from_form(left)
        else:
            form = FormView()
            if not signed_in and in_request:
                saved = saved_identity()
                if saved:
                    form.name, form.email, form.url = saved["name"], saved["email"], saved["url"]
                    form.remember = True
            if reply_node is not None:
                form.parent_id = str(reply_node.id)
        # The signed "shown at" stamp counts the minimum time from when *this* reader got the form:
        # a shared page has none, site.js fetches one (or the CSRF-failure page gives one).
        form.shown = "" if cache.page_is_shared() else form_token(post.id)
        if reply_node is None and form.parent() not in (None, -1):
            parent_id = form.parent()
            reply_node = next((n for n in nodes if n.id == parent_id), None)

    reader_scores, scale, takes_scores = comment_scores(post.id, nodes)
    section = CommentSection(
        post=post,
        nodes=nodes,
        listed=bool(nodes) or bool(stored and stored.threads),
        page=page,
        pages=max(1, ceil(total / per_page)) if total else 1,
        total_threads=total,
        is_open=is_open,
        closed_message=closed_message,
        form=form,
        signed_in=signed_in,
        reply_to=reply_node,
        error=error,
        preview=Markup(preview) if preview is not None else None,  # noqa: S704 - render_comment's sanitized output
        gravatar=bool(current_app.config["GRAVATAR"]),
        page_url=url_for("posts.post_detail", slug=post.slug) if in_request else f"/posts/{post.slug}/",
        avatar_base=avatar_base(),
        edit_window_minutes=window,
        reader_scores=reader_scores,
        takes_scores=takes_scores,
        score_scale=scale,
        csrf=bool(current_app.config.get("WTF_CSRF_ENABLED", True)),
    )
    extras = section_extras(nodes, newest, user)
    section.list_html = comment_list(section, extras, stored.items if stored else None) if in_request else ""
    return {"comments": section, "discussion": extras}


__all__ = ["CommentSection", "can_modify", "closes_at", "comment_section", "date_label", "edit_deadline"]

"""Nothing typed is lost: the comment a reader was writing survives the trip to a sign-in provider.

The comment form's provider icons submit the whole form (``body``, ``parent_id``, and a guest's
name, email and website) to ``/login/<provider>``. ``keep_draft_from_form`` stores that in the
``comment_drafts`` table under a random key kept in the session; when the reader comes back to
the same post page, ``restore_draft`` hands the comments area a form filled with it (once), and
the comment's reply target is restored with it. ``static/js/draft.js`` keeps a browser copy too.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, g, request, session
from sqlalchemy import delete, select

from blog.extensions import db
from blog.models.base import utcnow
from blog.models.drafts import CommentDraft
from blog.rendering import clean_text

SESSION_KEY = "comment_draft"
#: Drafts nobody came back for are deleted after this long.
KEEP_FOR = timedelta(days=1)


def _path_only(next_path: str) -> str:
    return next_path.split("#", 1)[0].split("?", 1)[0]


def keep_draft(
    path: str, body: str, parent_id: str = "", *, name: str = "", email: str = "", url: str = ""
) -> CommentDraft | None:
    """Store the reader's unfinished comment for ``path`` (replacing an earlier one). Not committed.

    What is kept went through no form validation yet, so it is cleaned as stored text is (no NUL
    bytes, which PostgreSQL refuses, nor lone surrogates); the form checks it when it is sent.
    """
    body, name, email, url = (clean_text(value or "") for value in (body, name, email, url))
    body = body[: int(current_app.config.get("COMMENTS_MAX_LENGTH", 10_000)) * 2]
    if not body.strip() and not parent_id:
        return None
    parent = parent_id.strip() if parent_id and parent_id.strip().isdigit() and len(parent_id) < 12 else ""
    db.session.execute(delete(CommentDraft).where(CommentDraft.created_at < utcnow() - KEEP_FOR))
    old_key = session.get(SESSION_KEY)
    if isinstance(old_key, str):
        db.session.execute(delete(CommentDraft).where(CommentDraft.key == old_key))
    draft = CommentDraft(
        key=secrets.token_urlsafe(24),
        path=clean_text(_path_only(path))[:500],
        body=body,
        parent_id=parent,
        author_name=name[:120],
        author_email=email[:254],
        author_url=url[:300],
    )
    db.session.add(draft)
    session[SESSION_KEY] = draft.key
    return draft


def keep_draft_from_form(next_path: str) -> CommentDraft | None:
    """If this POST came from the comment form, keep what it carried. Not committed."""
    form = request.form
    if "body" not in form:
        return None
    return keep_draft(
        next_path,
        form.get("body", ""),
        form.get("parent_id", ""),
        name=form.get("name", ""),
        email=form.get("email", ""),
        url=form.get("url", ""),
    )


def take_draft(path: str) -> CommentDraft | None:
    """The draft kept for ``path``, removed from the session and the table (restored only once).
    No query at all when the session holds no draft."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        return None
    draft = db.session.scalar(select(CommentDraft).where(CommentDraft.key == key))
    if draft is None or draft.created_at < utcnow() - KEEP_FOR:
        session.pop(SESSION_KEY, None)
        return None
    if draft.path != _path_only(path):
        return None
    session.pop(SESSION_KEY, None)
    db.session.delete(draft)
    db.session.commit()
    return draft


def restore_draft() -> None:
    """``before_request`` for the post page: give the comments area a form holding the draft.

    The comments area renders ``g.comment_form`` when a view left one there (it does so itself for
    a refused comment); the form's ``parent_id`` puts it back under the comment being answered.
    """
    if request.method != "GET" or request.endpoint != "posts.post_detail" or SESSION_KEY not in session:
        return
    draft = take_draft(request.path)
    if draft is None:
        return
    from blog.comments.forms import CommentForm

    form: Any = CommentForm(formdata=None)
    form.body.data = draft.body
    form.parent_id.data = draft.parent_id
    form.name.data = draft.author_name
    form.email.data = draft.author_email
    form.url.data = draft.author_url
    g.comment_form = form
    g.restored_comment_draft = True

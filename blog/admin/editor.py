"""Routes of the web editor: live preview and autosave (JSON), revisions, the review queue, upcoming posts.

Registered on the admin blueprint (``blog.admin.views`` imports this module at its end). The JSON
endpoints answer JSON even when the session has expired (401) so the editor's script can keep the
text in the browser and say what to do, instead of receiving a login page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from blog.admin import nav, writing
from blog.admin.views import bp
from blog.auth.permissions import can_edit_post, can_moderate, is_staff, require, staff_required
from blog.errors import DomainError
from blog.extensions import db
from blog.models.posts import Post
from blog.posts.excerpts import typed_excerpt
from blog.posts.revisions import EditConflict
from blog.timezone import local_time

nav.add_link(nav.NavLink("admin.review_queue", "Review queue", can_moderate, 25))
nav.add_link(nav.NavLink("admin.upcoming", "Upcoming", is_staff, 26))

SESSION_EXPIRED = (
    "You are signed out (the session expired). Sign in again in another tab: your text is kept in "
    "this browser and will be offered back when you return to this post."
)


def staff_json(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Like ``staff_required``, but a signed-out editor gets a JSON 401 rather than a login page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return jsonify({"error": SESSION_EXPIRED, "login_url": url_for("auth.login")}), 401
        if not is_staff(current_user):
            return jsonify({"error": "Only staff can use the editor."}), 403
        return view(*args, **kwargs)

    return wrapped


def _payload() -> dict[str, Any]:
    """JSON from ``fetch``, or form fields from ``navigator.sendBeacon`` (which cannot send JSON headers)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else request.form.to_dict()


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip())
    return None


def _post_json(post: Post) -> dict[str, Any]:
    return {
        "title": post.title,
        "body_md": post.body_md,
        "excerpt": typed_excerpt(post),
        "version": post.version,
        "saved_by": post.author.name,
        "updated_at": post.updated_at.isoformat(),
    }


def _max_bytes() -> int:
    return int(current_app.config["POST_BODY_MAX_BYTES"])


def _post_or_404(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    return post


# ----------------------------------------------------------------------------- JSON: preview, autosave


@bp.post("/posts/preview")
@staff_json
def preview() -> ResponseReturnValue:
    """Render Markdown exactly as the published page will (same renderer, same HTML allowlist)."""
    data = _payload()
    post = None
    post_id = _int_or_none(data.get("post_id"))
    if post_id is not None:
        post = db.session.get(Post, post_id)
        if post is None:
            return jsonify({"error": "That post no longer exists."}), 404
    try:
        result = writing.preview(current_user, _text(data, "body_md"), post, max_bytes=_max_bytes())
    except DomainError as error:
        return jsonify({"error": error.message}), error.status
    return jsonify({"html": result.html, "words": result.words, "reading_minutes": result.reading_minutes})


@bp.post("/posts/<int:post_id>/autosave")
@staff_json
def autosave(post_id: int) -> ResponseReturnValue:
    """Keep the editor's text on the server; 409 with the server's version when the post moved."""
    post = db.session.get(Post, post_id)
    if post is None:
        return jsonify({"error": "That post no longer exists."}), 404
    data = _payload()
    base_version = _int_or_none(data.get("base_version"))
    if base_version is None:
        return jsonify({"error": "The editor did not say which version it was editing."}), 400
    body = _text(data, "body_md")
    if len(body.encode("utf-8", "replace")) > _max_bytes():
        return jsonify({"error": "The body is too long to save; split it into parts of a series."}), 413
    try:
        saved = writing.autosave(
            current_user,
            post,
            title=_text(data, "title"),
            body_md=body,
            excerpt=_text(data, "excerpt"),
            base_version=base_version,
        )
    except EditConflict as conflict:
        return jsonify({"error": conflict.message, "conflict": True, "server": _post_json(conflict.post)}), 409
    except DomainError as error:
        return jsonify({"error": error.message}), error.status
    return jsonify({"saved_at": saved.saved_at.isoformat(), "version": post.version})


# ----------------------------------------------------------------------------- revisions


def _editable(post_id: int) -> Post:
    post = _post_or_404(post_id)
    if not can_edit_post(current_user, post):
        abort(403)
    return post


@bp.get("/posts/<int:post_id>/revisions")
@staff_required
def revisions(post_id: int) -> str:
    post = _editable(post_id)
    found = writing.revision_list(post)
    return render_template(
        "admin/revisions.html", post=post, revisions=found, same_as_now=writing.same_as_now(post, found)
    )


@bp.get("/posts/<int:post_id>/revisions/<int:revision_id>")
@staff_required
def revision(post_id: int, revision_id: int) -> str:
    post = _editable(post_id)
    found = writing.get_revision(post, revision_id) or abort(404)
    return render_template(
        "admin/revisions_compare.html",
        post=post,
        compare=writing.compare_with_current(post, found),
        current_excerpt=typed_excerpt(post),
    )


@bp.post("/posts/<int:post_id>/revisions/<int:revision_id>/restore")
@staff_required
def restore_revision(post_id: int, revision_id: int) -> ResponseReturnValue:
    post = _editable(post_id)
    found = writing.get_revision(post, revision_id) or abort(404)
    try:
        writing.restore(current_user, post, found, base_version=_int_or_none(request.form.get("base_version")))
    except EditConflict:
        flash("The post changed since you opened this page. Look at the difference again, then restore.", "error")
        return redirect(url_for("admin.revision", post_id=post_id, revision_id=revision_id), 303)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("admin.revision", post_id=post_id, revision_id=revision_id), 303)
    when = local_time(found.created_at, "%d %b %Y, %H:%M:%S %Z")
    flash(f"Restored the version of {when}. The text it replaced is kept as a revision.", "success")
    return redirect(url_for("admin.edit_post", post_id=post_id), 303)


# ----------------------------------------------------------------------------- review queue, upcoming


@bp.get("/review-queue")
@require(can_moderate)
def review_queue() -> str:
    return render_template("admin/review_queue.html", posts=writing.review_queue())


@bp.post("/review-queue/<int:post_id>/publish")
@require(can_moderate)
def review_publish(post_id: int) -> ResponseReturnValue:
    post = _post_or_404(post_id)
    try:
        saved = writing.publish_pending(current_user, post)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("admin.review_queue"), 303)
    if saved.is_scheduled and saved.published_at is not None:
        flash(f"“{saved.title}” is scheduled for {local_time(saved.published_at, '%d %b %Y, %H:%M %Z')}.", "success")
    else:
        flash(f"Published “{saved.title}”.", "success")
    return redirect(url_for("admin.review_queue"), 303)


@bp.post("/review-queue/<int:post_id>/send-back")
@require(can_moderate)
def review_send_back(post_id: int) -> ResponseReturnValue:
    post = _post_or_404(post_id)
    note = request.form.get("note", "")
    try:
        writing.send_back_with_note(current_user, post, note)
    except DomainError as error:
        if error.field == "note":
            return (
                render_template(
                    "admin/review_queue.html",
                    posts=writing.review_queue(),
                    note_errors={post.id: error.message},
                    notes={post.id: note},
                ),
                400,
            )
        flash(error.message, "error")
        return redirect(url_for("admin.review_queue"), 303)
    flash(f"Sent “{post.title}” back to {post.author.name} with your note.", "success")
    return redirect(url_for("admin.review_queue"), 303)


@bp.get("/upcoming")
@staff_required
def upcoming() -> str:
    return render_template("admin/upcoming.html", posts=writing.upcoming(current_user))

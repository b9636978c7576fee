"""The moderation queue: tabs with counts, search, bulk and row actions with Undo, edit with history,
inline reply.

Registered on the admin blueprint (``blog.admin.views`` imports this module at its end). Every
action goes through ``blog.comments.moderation`` so it is recorded and comment counts stay true.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from blog.admin.views import bp
from blog.auth.permissions import can_moderate, require
from blog.comments import moderation, queue, reports, undo
from blog.comments.forms import ModerationEditForm, ModeratorReplyForm
from blog.errors import DomainError
from blog.extensions import db
from blog.models.comments import REASON_CODES, REASON_LABELS, Comment
from blog.models.posts import Post

ACTION_LABELS = {
    "approve": "approved",
    "unapprove": "unapproved",
    "spam": "marked as spam",
    "trash": "moved to the trash",
    "restore": "restored",
}


def _back(tab: str | None = None) -> str:
    """Back to the queue the moderator came from (only our own path, never an open redirect)."""
    return url_for(
        "admin.moderation",
        status=tab or request.form.get("tab") or request.args.get("status") or "pending",
        q=request.form.get("q") or None,
        page=request.form.get("page") or None,
    )


@bp.get("/comments", endpoint="moderation")
@require(can_moderate)
def moderation_queue() -> str:
    moderation.purge_trash()  # lazily: the trash empties itself when moderators look
    raw_page = request.args.get("page", "1")
    data = queue.queue_page(
        request.args.get("status", "pending"),
        request.args.get("q", ""),
        int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1,
    )
    return render_template(
        "admin/moderation.html",
        data=data,
        reasons=REASON_CODES,
        reason_labels=REASON_LABELS,
        reply_form=ModeratorReplyForm(formdata=None),
        undo_id=undo.take_offer(current_user),
    )


@bp.post("/comments/bulk")
@require(can_moderate)
def moderation_bulk() -> Response:
    one = request.form.get("one", "")
    if one:
        action, _, raw_id = one.partition(":")
        ids = [int(raw_id)] if raw_id.isdigit() else []
    else:
        action = request.form.get("action", "")
        ids = [int(v) for v in request.form.getlist("ids") if v.isdigit() and len(v) < 12]
    if not ids:
        flash("Select at least one comment.", "error")
        return redirect(_back())
    if action == "dismiss":  # keep them as they are; readers' reports on them are closed
        kept = reports.dismiss(ids, current_user, note=request.form.get("note", "")[:500])
        noun = "comment" if kept == 1 else "comments"
        flash(f"Reports dismissed on {kept} {noun}." if kept else "None of those comments had open reports.", "success")
        return redirect(_back())
    try:
        moves = moderation.moderate(
            ids, action, current_user, reason=request.form.get("reason", ""), note=request.form.get("note", "")
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_back())
    noun = "comment" if len(moves) == 1 else "comments"
    flash(f"{len(moves)} {noun} {ACTION_LABELS.get(action, 'changed')}.", "success")
    undo.remember(moves, current_user)
    return redirect(_back())


@bp.post("/comments/undo")
@require(can_moderate)
def moderation_undo() -> Response:
    try:
        done = undo.undo_latest(request.form.get("action_id", ""), current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_back())
    flash(done.message, "success" if done.restored and not (done.changed or done.deleted) else "warning")
    return redirect(_back())


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@require(can_moderate)
def moderation_edit(comment_id: int) -> Response | tuple[str, int]:
    comment = db.session.get(Comment, comment_id) or abort(404)
    post = db.session.get(Post, comment.post_id)
    form = ModerationEditForm()
    status = 200
    if request.method == "GET":
        form.body.data = comment.body_source
        form.name.data, form.email.data, form.url.data = comment.author_name, comment.author_email, comment.author_url
    else:
        try:
            moderation.edit_comment(
                comment,
                current_user,
                body=form.body.data or "",
                name=form.name.data or "",
                email=form.email.data or "",
                url=form.url.data or "",
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            field = getattr(form, error.field or "body", form.body)
            field.errors = [error.message]
            status = error.status
        else:
            flash("Comment updated.", "success")
            return redirect(url_for("admin.moderation_edit", comment_id=comment.id))
    return render_template(
        "admin/moderation_edit.html",
        comment=comment,
        post=post,
        form=form,
        history=moderation.history(comment.id),
        reasons=REASON_CODES,
        reason_labels=REASON_LABELS,
    ), status


@bp.post("/comments/<int:comment_id>/reply")
@require(can_moderate)
def moderation_reply(comment_id: int) -> Response:
    parent = db.session.get(Comment, comment_id) or abort(404)
    form = ModeratorReplyForm()
    try:
        moderation.reply_as(current_user, parent, form.body.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_back())
    flash("Reply published.", "success")
    return redirect(_back())

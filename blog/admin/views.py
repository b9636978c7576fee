"""Routes of the admin area: the dashboard, the minimal post form, deleting posts, users.

Every route is for staff (``staff_required``: anonymous → login, readers → 403); each one parses
the request, calls one function of ``blog.admin.posts`` / ``blog.admin.users``, then renders
or redirects.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from blog.admin import nav, writing
from blog.admin import posts as admin_posts
from blog.admin.forms import ACTIONS, DeleteForm, PostForm, RoleForm
from blog.admin.users import change_role, users_page
from blog.auth.permissions import can_manage_site, can_publish, require, staff_required
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.posts import Post, PostStatus
from blog.posts.revisions import EditConflict, diff_lines
from blog.reviews.editing import can_manage_works
from blog.reviews.forms import PostReviewForm, post_review_form

bp = Blueprint("admin", __name__)


@bp.app_context_processor
def admin_template_globals() -> dict[str, Any]:
    return {"admin_nav": lambda: nav.links_for(current_user)}


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A request over MAX_CONTENT_LENGTH: say what the limits are instead of a bare 413."""
    limit_mb = int(current_app.config["MAX_CONTENT_LENGTH"] or 0) / (1024 * 1024)
    body_mb = int(current_app.config["POST_BODY_MAX_BYTES"]) / (1024 * 1024)
    error = RequestEntityTooLarge(
        description=(
            f"That was more than this site accepts in one go ({limit_mb:g} MB), so nothing was saved. "
            f"A post body can be at most {body_mb:g} MB: split a longer piece into parts of a series."
        )
    )
    return render_template("errors/generic.html", error=error), 413


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@bp.get("/")
@staff_required
def dashboard() -> str:
    status = request.args.get("status", "all")
    admin_posts.purge_trash()  # lazily: the trash empties itself when someone looks at the posts
    data = admin_posts.dashboard(current_user, status=status, page=_page_arg(), search=request.args.get("q", ""))
    return render_template(
        "admin/dashboard.html",
        data=data,
        filters=[(key, admin_posts.STATUS_LABELS[key]) for key in admin_posts.STATUS_FILTERS],
    )


def _render_form(
    form: PostForm,
    post: Post | None,
    status: int = 200,
    *,
    base_version: int | None = None,
    conflict: bool = False,
    restored_autosave: bool = False,
    review_form: PostReviewForm | None = None,
) -> tuple[str, int]:
    """The full editor (issue 3): the form plus what ``blog.admin.writing.editor_context`` gathers."""
    return (
        render_template(
            "admin/post_form.html",
            form=form,
            review_form=review_form,
            post=post,
            buttons=admin_posts.buttons_for(current_user, post, admin_posts.form_instant(form.published_at.data)),
            can_publish=can_publish(current_user),
            body_max_mb=int(current_app.config["POST_BODY_MAX_BYTES"]) / (1024 * 1024),
            editor=writing.editor_context(current_user, post),
            base_version=base_version if base_version is not None else (post.version if post else ""),
            conflict_lines=diff_lines(post.body_md, form.body_md.data or "") if conflict and post else None,
            restored_autosave=restored_autosave,
            # The text on the page is not what the post holds: the editor's script keeps it dirty.
            unsaved=status != 200 or restored_autosave,
        ),
        status,
    )


def _base_version() -> int | None:
    raw = request.form.get("base_version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _add_error(error: DomainError, form: PostForm, review_form: PostReviewForm | None) -> None:
    """Show ``error`` beside the field it names (the post's or the review's), else above the form."""
    for owner in (form, review_form):
        target = getattr(owner, error.field, None) if owner is not None and error.field else None
        if target is not None and hasattr(target, "errors") and error.field != "status":
            target.errors = [*list(target.errors), error.message]
            return
    form.form_errors.append(error.message)


def _handle_post_form(post: Post | None) -> Response | tuple[str, int]:
    restoring = request.method == "GET" and post is not None and request.args.get("restore") == "autosave"
    # A new post takes its review details in the same form (existing posts have the review page).
    review_form = post_review_form() if post is None and can_manage_works(current_user) else None
    if request.method == "POST":
        form = PostForm()
    elif post is not None:
        data = admin_posts.form_data_for(post)
        saved_text = admin_posts.autosave_for(current_user, post) if restoring else None
        if saved_text is not None:
            data.update(title=saved_text.title, body_md=saved_text.body_md, excerpt=saved_text.excerpt)
        form = PostForm(data=data)
        if saved_text is not None:
            return _render_form(form, post, base_version=saved_text.base_version, restored_autosave=True)
    else:
        form = PostForm()
    if request.method == "GET":
        return _render_form(form, post, 200, base_version=_base_version(), review_form=review_form)
    action = request.form.get("action", "")
    post_valid = form.validate_for(action)
    review_valid = review_form is None or review_form.validate()
    if not (post_valid and review_valid):
        return _render_form(form, post, 400, base_version=_base_version(), review_form=review_form)
    if action not in ACTIONS:
        form.form_errors.append("Choose one of the buttons at the bottom of the form.")
        return _render_form(form, post, 400, review_form=review_form)
    was_live = post is not None and post.is_live
    try:
        saved = admin_posts.save_from_form(
            current_user,
            form.data,
            action,
            post,
            max_bytes=int(current_app.config["POST_BODY_MAX_BYTES"]),
            base_version=_base_version() if post is not None else None,
            review=review_form.review_input() if review_form is not None else None,
        )
    except EditConflict as conflict:
        # Their text is in ``post`` again (rolled back); ours stays in the form. Saving once more
        # from this page means "keep mine": it now carries the version that is current.
        form.form_errors.append(conflict.message)
        return _render_form(form, post, 409, base_version=conflict.post.version, conflict=True)
    except DomainError as error:
        _add_error(error, form, review_form)
        return _render_form(form, post, error.status, base_version=_base_version(), review_form=review_form)
    flash(admin_posts.saved_message(saved, was_live=was_live), "success")
    return redirect(url_for("admin.edit_post", post_id=saved.id))


@bp.route("/posts/new", methods=["GET", "POST"])
@staff_required
def new_post() -> Response | tuple[str, int]:
    return _handle_post_form(None)


def _editable_or_abort(post_id: int) -> Post:
    try:
        post = admin_posts.get_editable_post(current_user, post_id)
    except DomainError:
        abort(403)
    if post is None:
        abort(404)
    return post


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_post(post_id: int) -> Response | tuple[str, int]:
    post = _editable_or_abort(post_id)
    if post.status == PostStatus.TRASH:
        flash(f"\u201c{post.title}\u201d is in the trash: restore it to edit it.", "warning")
        return redirect(url_for("admin.dashboard", status="trash"))
    return _handle_post_form(post)


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
@staff_required
def delete_post(post_id: int) -> Response | str:
    """Move to the trash (asked first); from the Trash tab, ``restore`` and ``destroy`` take over."""
    post = _editable_or_abort(post_id)
    if post.status == PostStatus.TRASH:
        return redirect(url_for("admin.dashboard", status="trash"))
    form = DeleteForm()
    if request.method == "POST" and form.validate_on_submit():
        title = admin_posts.trash_post(current_user, post)
        days = current_app.config["POSTS_TRASH_DAYS"]
        flash(f"Moved \u201c{title}\u201d to the trash. You can restore it from the Trash for {days} days.", "success")
        return redirect(url_for("admin.dashboard"))
    return render_template("admin/post_delete.html", post=post, form=form)


@bp.post("/posts/<int:post_id>/restore")
@staff_required
def restore_post(post_id: int) -> Response:
    post = _editable_or_abort(post_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        title = admin_posts.restore_post(current_user, post)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.dashboard", status="trash"))
    flash(f"Restored \u201c{title}\u201d as a draft.", "success")
    return redirect(url_for("admin.edit_post", post_id=post.id))


@bp.post("/posts/<int:post_id>/destroy")
@staff_required
def destroy_post(post_id: int) -> Response:
    post = _editable_or_abort(post_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        title = admin_posts.delete_post(current_user, post)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.dashboard", status="trash"))
    flash(f"Deleted \u201c{title}\u201d for good.", "success")
    return redirect(url_for("admin.dashboard", status="trash"))


@bp.get("/users")
@require(can_manage_site)
def users() -> str:
    data = users_page(role=request.args.get("role", ""), page=_page_arg())
    roles = [(role.value, role.label) for role in Role]
    return render_template("admin/users.html", data=data, roles=roles, form=RoleForm())


@bp.post("/users/<int:user_id>/role")
@require(can_manage_site)
def user_role(user_id: int) -> Response:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the listed roles.", "error")
        return redirect(url_for("admin.users"))
    try:
        changed = change_role(current_user, user, form.role.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.users"))
    if changed.password_link_sent:
        flash(
            f"{user.name} is now {user.role.label.lower()}. Staff sign in with a password and this account has none "
            f"yet, so we emailed {user.email} a link to choose one.",
            "success",
        )
    elif changed.needs_password:
        flash(
            f"{user.name} is now {user.role.label.lower()}, but has no password and no confirmed email address to "
            "send a link to: set one on the server with flask reset-password.",
            "warning",
        )
    elif changed:
        flash(f"{user.name} is now {user.role.label.lower()}.", "success")
    if not can_manage_site(current_user):
        return redirect(url_for("admin.dashboard"))
    return redirect(url_for("admin.users"))


from blog.admin import editor as _editor  # noqa: E402,F401
from blog.admin import moderation as _moderation  # noqa: E402,F401

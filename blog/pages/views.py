"""Routes of pages: the public ``/<slug>/`` and the admin's list, editor, revisions and delete button.

Each parses the request, calls one function of ``queries`` or ``editing``, then renders or
redirects. The admin routes are for whoever may edit pages (``can_edit_pages``: anonymous → the
staff login, readers and contributors → 403); every POST carries the CSRF token (Flask-WTF).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from blog.admin import nav
from blog.auth.permissions import can_edit_pages, require
from blog.errors import DomainError
from blog.extensions import db
from blog.models.pages import Page
from blog.pages import editing, queries, revisions
from blog.pages.forms import DeletePageForm, PageForm, RestorePageRevisionForm
from blog.pages.seo import page_meta
from blog.timezone import local_time

bp = Blueprint("pages", __name__)

nav.add_link(
    nav.NavLink(
        "pages.admin_list",
        "Pages",
        can_edit_pages,
        28,
        ("pages.admin_new", "pages.admin_edit", "pages.admin_revisions", "pages.admin_revision"),
    )
)


# ----------------------------------------------------------------------------- readers


@bp.get("/<page_slug:slug>/")
def page_detail(slug: str) -> ResponseReturnValue:
    view = queries.find_page(slug, current_user)
    if view is None:
        moved = queries.moved_to(slug, current_user)
        if moved is not None:
            return redirect(url_for("pages.page_detail", slug=moved, **request.args), 301)
        return _without_the_slash(slug) or abort(404)
    meta = page_meta(view.page, noindex=view.is_preview)
    response = Response(render_template("pages/page.html", page=view.page, view=view, meta=meta))
    if view.is_preview:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _without_the_slash(slug: str) -> Response | None:
    """``/search/`` for ``/search``: a site route written with a trailing slash is sent on to it
    (with its query), where it would have been a page not found."""
    adapter = current_app.url_map.bind(request.host, url_scheme=request.scheme)
    try:
        endpoint, _ = adapter.match(f"/{slug}", method="GET")
    except HTTPException:
        return None
    if endpoint == "pages.page_detail":
        return None
    query = request.query_string.decode("utf-8", "replace")
    return redirect(f"/{slug}" + (f"?{query}" if query else ""), 308)


# ----------------------------------------------------------------------------- admin


@bp.get("/admin/pages/")
@require(can_edit_pages)
def admin_list() -> str:
    return render_template("pages/admin/list.html", pages=queries.admin_pages())


def _render_form(form: PageForm, page: Page | None, status: int = 200) -> tuple[str, int]:
    max_mb = int(current_app.config["POST_BODY_MAX_BYTES"]) / (1024 * 1024)
    return render_template(
        "pages/admin/form.html",
        form=form,
        page=page,
        old_addresses=editing.old_addresses(page) if page is not None and page.id is not None else [],
        revision_count=revisions.revision_count(page) if page is not None and page.id is not None else 0,
        body_max_mb=max_mb,
        # The text on the page is not what the page holds: the editor's script keeps it unsaved.
        unsaved=status != 200,
    ), status


def _add_error(form: PageForm, error: DomainError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*list(target.errors), error.message]
    else:
        form.form_errors.append(error.message)


def _handle_form(page: Page | None) -> ResponseReturnValue:
    if request.method == "GET":
        form = PageForm.for_page(page)
        return _render_form(form, page)
    form = PageForm()
    if not form.validate_on_submit():
        return _render_form(form, page, 400)
    was_live = page is not None and page.is_live
    old_slug = page.slug if page is not None else None
    try:
        saved = editing.save_page(
            current_user,
            form.page_input(),
            page,
            max_bytes=int(current_app.config["POST_BODY_MAX_BYTES"]),
            base_version=form.version(),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _add_error(form, error)
        if isinstance(error, editing.PageConflict):
            form.base_version.data = str(error.page.version)  # saving again means "keep mine"
        return _render_form(form, page, error.status)
    flash(editing.saved_message(saved, was_live=was_live, old_slug=old_slug), "success")
    return redirect(url_for("pages.admin_edit", page_id=saved.id), 303)


def _page_or_404(page_id: int) -> Page:
    page = db.session.get(Page, page_id)
    if page is None:
        abort(404)
    return page


@bp.route("/admin/pages/new", methods=["GET", "POST"])
@require(can_edit_pages)
def admin_new() -> ResponseReturnValue:
    return _handle_form(None)


@bp.route("/admin/pages/<int:page_id>/edit", methods=["GET", "POST"])
@require(can_edit_pages)
def admin_edit(page_id: int) -> ResponseReturnValue:
    return _handle_form(_page_or_404(page_id))


@bp.post("/admin/pages/<int:page_id>/delete")
@require(can_edit_pages)
def admin_delete(page_id: int) -> ResponseReturnValue:
    page = _page_or_404(page_id)
    if not DeletePageForm().validate_on_submit():
        abort(400)
    try:
        title = editing.delete_page(current_user, page)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("pages.admin_list"), 303)
    flash(f"Deleted “{title}”. Its address answers “not found” from now on.", "success")
    return redirect(url_for("pages.admin_list"), 303)


# ----------------------------------------------------------------------------- revisions


@bp.get("/admin/pages/<int:page_id>/revisions")
@require(can_edit_pages)
def admin_revisions(page_id: int) -> str:
    page = _page_or_404(page_id)
    found = revisions.revision_list(page)
    return render_template(
        "pages/admin/revisions.html", page=page, revisions=found, same_as_now=revisions.same_as_now(page, found)
    )


@bp.get("/admin/pages/<int:page_id>/revisions/<int:revision_id>")
@require(can_edit_pages)
def admin_revision(page_id: int, revision_id: int) -> str:
    page = _page_or_404(page_id)
    found = revisions.get_revision(page, revision_id) or abort(404)
    form = RestorePageRevisionForm(data={"base_version": str(page.version)})
    return render_template(
        "pages/admin/revisions_compare.html",
        page=page,
        compare=revisions.compare_with_current(page, found),
        form=form,
    )


@bp.post("/admin/pages/<int:page_id>/revisions/<int:revision_id>/restore")
@require(can_edit_pages)
def admin_restore_revision(page_id: int, revision_id: int) -> ResponseReturnValue:
    page = _page_or_404(page_id)
    found = revisions.get_revision(page, revision_id) or abort(404)
    form = RestorePageRevisionForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("pages.admin_revision", page_id=page_id, revision_id=revision_id)
    try:
        editing.restore_revision(
            current_user,
            page,
            found,
            base_version=form.version(),
            max_bytes=int(current_app.config["POST_BODY_MAX_BYTES"]),
        )
        db.session.commit()
    except editing.PageConflict:
        db.session.rollback()
        flash("The page changed since you opened this comparison. Look at the difference again, then restore.", "error")
        return redirect(back, 303)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back, 303)
    when = local_time(found.created_at, "%d %b %Y, %H:%M:%S %Z")
    kept = " The text it replaced is kept as a revision." if page.is_live else ""
    flash(f"Restored the version of {when}.{kept}", "success")
    return redirect(url_for("pages.admin_edit", page_id=page_id), 303)

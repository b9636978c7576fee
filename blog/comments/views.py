"""Routes of the comments area: post, preview, permalink, edit and delete one's own comment, avatars.

A refused comment re-renders the whole post page (through the post page's own view) with the
form holding what was typed and the reason, under a 4xx status; so does a preview asked for
without JavaScript, with the rendered comment above the form.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy import select
from wtforms import BooleanField

from blog.comments import posting, sorting, spam, threads
from blog.comments.avatars import HASH_RE, identicon_svg
from blog.comments.forms import CommentForm, EditCommentForm
from blog.comments.markup import edited_mark
from blog.comments.section import (
    IDENTITY_COOKIE,
    guest_comment_ids,
    identity_cookie_value,
    remember_guest_comment,
)
from blog.errors import DomainError
from blog.extensions import client_ip, db, limiter
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post
from blog.rendering import render_comment
from blog.web import wants_json

bp = Blueprint("comments", __name__)

SESSION_EXPIRED = "Your session expired; please post again."
#: A post from a page served from the cache without JavaScript (no token, no stamp yet).
NOT_POSTED_YET = "Your comment is not posted yet: check it, then press “Post Comment” to send it."
#: The same for "Preview": the page that comes back has the token the next press needs.
PREVIEW_AGAIN = "Press “Preview” again to see how your comment will look."
IDENTITY_MAX_AGE = 365 * 24 * 3600


def _viewer() -> threads.Viewer:
    signed_in = current_user.is_authenticated
    return threads.Viewer(user_id=current_user.id if signed_in else None, guest_ids=guest_comment_ids())


def comment_url(comment: Comment, post: Post, viewer: threads.Viewer | None = None) -> str:
    """The post page that shows ``comment``, anchored at it (the page is by top-level thread)."""
    position = threads.thread_position(comment, viewer or _viewer(), sorting.reader_sort())
    return _page_url(post.slug, position // threads.per_page() + 1, comment.id)


def _page_url(slug: str, page: int, comment_id: int) -> str:
    """``/posts/<slug>/?cpage=N#comment-<id>``: page 1 has no ``cpage``, so it has one address."""
    args = {"cpage": page} if page > 1 else {}
    return url_for("posts.post_detail", slug=slug, **args) + f"#comment-{comment_id}"


def _render_post_page(
    slug: str, form: CommentForm, error: DomainError | None = None, preview: str | None = None
) -> Response:
    """The post page again, through its own view, with this form and either a refusal (status from
    the rule) or a preview (``render_comment``'s output, shown above the buttons)."""
    g.comment_form = form
    g.comment_preview = preview
    if error is not None and error.field and hasattr(form, error.field) and error.field != "parent_id":
        getattr(form, error.field).errors = [error.message]
    elif error is not None:
        g.comment_error = error.message
    response = make_response(current_app.view_functions["posts.post_detail"](slug=slug))
    if error is not None and response.status_code < 400:
        response.status_code = error.status if error.status >= 400 else 400
    return response


def _viewer_of(comment_id: int) -> threads.Viewer:
    """The reader as they will see their new comment: a guest's is remembered in their session."""
    if not current_user.is_authenticated:
        remember_guest_comment(comment_id)
    return _viewer()


def _comment_input(form: Any) -> posting.CommentInput:
    """The form's fields as typed (``request.form``): the rules live in ``posting``, so WTForms is only
    built when a refused comment must be shown again."""
    raw_parent = (form.get("parent_id") or "").strip()
    return posting.CommentInput(
        body=form.get("body") or "",
        name=form.get("name") or "",
        email=form.get("email") or "",
        url=form.get("url") or "",
        parent_id=CommentForm.parse_parent(raw_parent),
        notify_replies=_ticked(form, "notify_replies"),
        notify_post=_ticked(form, "notify_post"),
        notify_digest=_ticked(form, "notify_digest"),
        score=form.get("score") or "",
        honeypot=form.get("extra_info") or "",
        form_token=form.get("shown") or "",
        ip=client_ip(),
        user_agent=request.headers.get("User-Agent", ""),
    )


def _ticked(form: Any, name: str) -> bool:
    """A ``BooleanField``'s reading of a checkbox: any value but WTForms' false values."""
    return form.get(name, "false") not in BooleanField.false_values


@bp.post("/posts/<slug>/comments")
def post_comment(slug: str) -> Response:
    data = _comment_input(request.form)
    try:
        posted = posting.submit(slug, data, current_user, viewer=_viewer_of, sort=sorting.reader_sort())
    except posting.NoSuchPost:
        db.session.rollback()
        abort(404, description="There is no published post at this address, so the comment was not posted.")
    except DomainError as error:
        db.session.rollback()
        form = CommentForm()
        if error.field == "parent_id" or error.status == 403:
            form.parent_id.data = ""
        _strip_invalid(form)
        return _render_post_page(slug, form, error)

    signed_in = current_user.is_authenticated
    response = redirect(_page_url(slug, posted.page, posted.id))
    if not signed_in:
        if _ticked(request.form, "remember"):
            response.set_cookie(
                IDENTITY_COOKIE,
                identity_cookie_value(posted.author_name, posted.author_email, posted.author_url),
                max_age=IDENTITY_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
            )
        elif IDENTITY_COOKIE in request.cookies:
            response.delete_cookie(IDENTITY_COOKIE)
    return response


def _preview_rate() -> str:
    return str(current_app.config["COMMENTS_PREVIEW_RATELIMIT"])


@bp.post("/posts/<slug>/comments/preview")
@limiter.limit(_preview_rate)
def preview_comment(slug: str) -> Response:
    """The comment as it will look, rendered by the function that will store it; nothing is stored.

    The form's "Preview" button: comments.js asks for JSON (``{"html": ...}``, or ``{"message": ...}``
    with a 4xx) and shows it under the text box; without JavaScript the post page comes back with
    the form as typed and the preview above the buttons.
    """
    post = db.session.scalar(select(Post).where(Post.slug == slug))
    if post is None or not post.is_live:
        abort(404, description="There is no published post at this address.")
    if not posting.comments_open(post):
        abort(403, description="Comments are closed on this post.")
    body = request.form.get("body") or ""
    try:
        if not body.strip():
            raise DomainError("Type your comment to see how it will look.", field="body")
        posting.validate_body(body)
        html, refused = render_comment(body.strip()), None
    except DomainError as error:
        html, refused = "", error
    if wants_json():
        if refused is not None:
            return make_response(jsonify(message=refused.message), refused.status)
        return jsonify(html=html)
    form = CommentForm()
    _strip_invalid(form)
    return _render_post_page(slug, form, refused, preview=html if refused is None else None)


def _strip_invalid(form: CommentForm | EditCommentForm) -> None:
    """Give the reader back their text without the characters we refused (a NUL breaks the page)."""
    from blog.comments.spam import _INVALID

    for name in ("body", "name", "email", "url"):
        field = getattr(form, name, None)
        if field is not None and isinstance(field.data, str):
            field.data = _INVALID.sub("", field.data)


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Response:
    """A missing or stale token: keep the reader's text and ask them to post again."""
    endpoint = request.endpoint or ""
    args = request.view_args or {}
    post = db.session.scalar(select(Post).where(Post.slug == str(args.get("slug", ""))))
    if endpoint in ("comments.post_comment", "comments.preview_comment") and post is not None and post.is_live:
        form = CommentForm()
        form.csrf_token.errors = []
        _strip_invalid(form)
        # The page re-rendered here has a new token and a new "shown at" stamp, so one more press
        # posts; the minimum time counts from now, so a robot's instant second post is still refused.
        # A preview keeps its token too: shown for a cross-site form, it would put a stranger's text
        # on our page.
        from_shared_page = not request.form.get("csrf_token") and not form.shown.data
        if endpoint == "comments.preview_comment":
            message = PREVIEW_AGAIN
        else:
            message = NOT_POSTED_YET if from_shared_page else SESSION_EXPIRED
        return _render_post_page(post.slug, form, DomainError(message, status=400))
    if endpoint == "comments.edit_comment":
        comment = db.session.get(Comment, args.get("comment_id"))
        if comment is not None:
            form = EditCommentForm()
            _strip_invalid(form)
            return make_response(
                render_template("comments/edit.html", comment=comment, form=form, error=SESSION_EXPIRED), 400
            )
    return make_response(render_template("errors/generic.html", error=error), 400)


@bp.get("/comments/form-token")
def form_token() -> Response:
    """A CSRF token (and, with ``?post=<id>``, the comment form's "shown at" stamp) for the forms of
    a page served from the cache, which carry none. static/js/site.js asks when a reader starts on
    a form. Sets the session cookie, like any page with a form; never cached."""
    data = {"csrf_token": generate_csrf()}
    raw = request.args.get("post", "")
    if raw:
        post = db.session.get(Post, int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if post is None or not post.is_live:
            abort(404)
        data["shown"] = spam.form_token(post.id)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/comments/<int:comment_id>")
def permalink(comment_id: int) -> Response:
    """``/comments/<id>`` redirects to the page of the post that shows it, at its anchor."""
    comment = db.session.get(Comment, comment_id)
    viewer = _viewer()
    if comment is None or comment.deleted:
        abort(404)
    visible = comment.status == CommentStatus.APPROVED or (
        comment.status == CommentStatus.PENDING and viewer.owns(comment.user_id, comment.id)
    )
    post = db.session.get(Post, comment.post_id)
    if not visible or post is None or not post.is_live:
        abort(404)
    return redirect(comment_url(comment, post, viewer))


def _own_comment(comment_id: int) -> tuple[Comment, Post]:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    post = db.session.get(Post, comment.post_id)
    if post is None:
        abort(404)
    if not posting.is_owner(comment, current_user, guest_comment_ids()) or comment.deleted:
        abort(403, description="You can only change your own comments.")
    return comment, post


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit_comment(comment_id: int) -> Response:
    """Edit one's own comment: a page of its own, or (``comments.js``, asking for JSON) in place."""
    comment, post = _own_comment(comment_id)
    form = EditCommentForm()
    if request.method == "GET":
        form.body.data = comment.body_source
    error = ""
    status = 200
    if not posting.can_modify(comment, current_user, guest_comment_ids()):
        error = (
            f"Comments can be changed for {current_app.config['COMMENTS_EDIT_WINDOW_MINUTES']} minutes"
            " after posting; that time has passed."
        )
        status = 403
    elif request.method == "POST":
        try:
            posting.edit_own_comment(comment, form.body.data or "", current_user, guest_comment_ids())
        except DomainError as exc:
            db.session.rollback()
            _strip_invalid(form)
            error, status = exc.message, exc.status
        else:
            if wants_json():
                return make_response(_edited_json(comment), 200)
            flash("Your comment was updated.", "success")
            return redirect(comment_url(comment, post))
    if wants_json():
        if error:
            return make_response({"message": error}, status)
        deadline = posting.edit_deadline(comment).isoformat(timespec="seconds")
        return make_response({"body": comment.body_source, "csrf_token": generate_csrf(), "deadline": deadline}, 200)
    return make_response(
        render_template(
            "comments/edit.html",
            comment=comment,
            post=post,
            form=form,
            error=error,
            deadline=posting.edit_deadline(comment),
        ),
        status,
    )


def _edited_json(comment: Comment) -> dict[str, Any]:
    """What ``comments.js`` puts in place of the comment's text after an edit: the stored, sanitized
    HTML and the "edited" mark; ``pending`` when the edit sent it back to moderation."""
    return {
        "html": comment.body_html,
        "edited": edited_mark(comment.edited_at) if comment.edited_at else "",
        "pending": comment.status != CommentStatus.APPROVED,
        "message": "Your comment was updated.",
    }


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id: int) -> Response:
    comment, post = _own_comment(comment_id)
    try:
        posting.delete_own_comment(comment, current_user, guest_comment_ids())
    except DomainError as exc:
        db.session.rollback()
        if wants_json():
            return make_response({"message": exc.message}, exc.status)
        abort(exc.status, description=exc.message)
    if wants_json():  # comments.js takes it off the page, or leaves "This comment was deleted"
        placeholder = threads.DELETED_PLACEHOLDER if comment.deleted else None
        return make_response({"message": "Your comment was deleted.", "placeholder": placeholder}, 200)
    flash("Your comment was deleted.", "success")
    return redirect(url_for("posts.post_detail", slug=post.slug) + "#comments")


@bp.get("/avatars/<hash_>.svg")
def avatar(hash_: str) -> Response:
    """The local identicon: drawn from the hash alone, so it is cached for a year."""
    if not HASH_RE.match(hash_):
        abort(404)
    etag = hashlib.md5(hash_.encode(), usedforsecurity=False).hexdigest()
    if request.if_none_match.contains(etag):
        return Response(status=304)
    response = Response(identicon_svg(hash_), mimetype="image/svg+xml")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

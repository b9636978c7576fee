"""Routes of the discussion features: likes, reports, moderators' tools and bans, email links.

Every change is a POST with a CSRF token. Links from emails open a page with a button (mail
scanners follow GET links; only a person presses the button), and a forged, expired or used
link says so plainly with a 4xx and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.wrappers import Response

from blog.admin.nav import NavLink, add_link
from blog.auth.permissions import can_moderate, require
from blog.comments import bans, feeds, followers, guest_confirm, insights, notify, reports, tools, votes
from blog.comments.discussion import current_voter
from blog.errors import DomainError
from blog.extensions import client_ip, csrf, db, limiter
from blog.models.comments import Comment
from blog.models.discussion import BanKind
from blog.models.posts import Post
from blog.posts.seo import absolute_url
from blog.timezone import LocalTimeError, to_utc
from blog.web import wants_json

T = TypeVar("T")

bp = Blueprint("discussion", __name__)


def _email_rate() -> str:
    """Forms that send an email to an address typed by anyone share the email sign-in's limit."""
    return str(current_app.config["EMAIL_LOGIN_RATELIMIT"])


add_link(NavLink("discussion.insights_page", "Insights", can_moderate, 5))
add_link(NavLink("discussion.ban_list", "Bans", can_moderate, 45))


def _back_to(comment_id: int) -> str:
    return url_for("comments.permalink", comment_id=comment_id)


def _message(title: str, message: str, status: int = 200, **extra: object) -> Response:
    return make_response(render_template("discussion/message.html", title=title, message=message, **extra), status)


# ----------------------------------------------------------------------------- likes


@bp.post("/comments/<int:comment_id>/like")
def like(comment_id: int) -> Response:
    voter = current_voter(ip=client_ip(), create=True)
    try:
        liked, count = votes.toggle_like(comment_id, voter)
    except DomainError as error:
        db.session.rollback()
        if wants_json():
            return make_response(jsonify(error=error.message), error.status)
        return _message("Your like was not counted", error.message, error.status)
    if wants_json():
        return jsonify(liked=liked, count=count)
    return redirect(_back_to(comment_id))


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Response:
    """No or a stale token. A like from a page served from the cache without JavaScript has none:
    ask once more with a button that carries one (nothing is counted yet), not a bare error."""
    if wants_json():
        return make_response(jsonify(error="Your session expired; reload the page and try again."), 400)
    args = request.view_args or {}
    comment = db.session.get(Comment, args["comment_id"]) if request.endpoint == "discussion.like" else None
    if comment is not None and not comment.deleted:
        return _message(
            "Like this comment?",
            "Press the button to count your like.",
            400,
            button="Like",
            action=url_for("discussion.like", comment_id=comment.id),
            post=db.session.get(Post, comment.post_id),
        )
    return make_response(render_template("errors/generic.html", error=error), 400)


# ----------------------------------------------------------------------------- reports


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@limiter.limit(_email_rate, methods=["POST"])
def report(comment_id: int) -> Response:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted:
        abort(404)
    form = {"reason": request.form.get("reason", ""), "note": request.form.get("note", "")}
    error = ""
    status = 200
    if request.method == "POST":
        key = f"user:{current_user.id}" if current_user.is_authenticated else f"browser:{votes.browser_id(create=True)}"
        try:
            _, hidden = reports.report(
                comment_id, form["reason"], key, user=current_user, note=form["note"], ip=client_ip()
            )
        except DomainError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status if exc.status >= 400 else 400
        else:
            flash(
                "Thank you: the moderators will look at this comment."
                + (" It is hidden until they do." if hidden else ""),
                "success",
            )
            post = db.session.get(Post, comment.post_id)
            return redirect(url_for("posts.post_detail", slug=post.slug) + "#comments" if post else "/")
    return make_response(
        render_template(
            "discussion/report.html", comment=comment, form=form, error=error, reasons=reports.REPORT_REASONS
        ),
        status,
    )


# ----------------------------------------------------------------------------- moderators' tools


@bp.post("/comments/<int:comment_id>/tools")
@require(can_moderate)
def tool(comment_id: int) -> Response:
    action = request.form.get("action", "")
    try:
        tools.apply_tool(comment_id, action, current_user, note=request.form.get("note", ""))
    except DomainError as exc:
        db.session.rollback()
        abort(exc.status if exc.status >= 400 else 400, description=exc.message)
    labels = {
        "pin": "pinned",
        "unpin": "unpinned",
        "mark-author": "marked as from the author",
        "unmark-author": "no longer marked as from the author",
        "lock": "locked",
        "unlock": "unlocked",
    }
    flash(f"The comment was {labels[action]}.", "success")
    return redirect(_back_to(comment_id))


def _parse_until(raw: str) -> datetime | None:
    """The ban form's end date (``YYYY-MM-DD``): the start of that day in the site's zone (the
    form says which), as UTC; where the clocks skip midnight, the day's first instant."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return to_utc(datetime.fromisoformat(raw), strict=False)
    except LocalTimeError as error:
        raise DomainError(error.message, field="until") from None
    except ValueError:
        raise DomainError(
            "Give the end date as YYYY-MM-DD, or leave it empty for a permanent ban.", field="until"
        ) from None


@bp.route("/comments/<int:comment_id>/ban", methods=["GET", "POST"])
@require(can_moderate)
def ban_commenter(comment_id: int) -> Response:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    kinds = {"email": comment.author_email, "ip": comment.author_ip}
    if comment.user_id is not None:
        kinds = {"account": str(comment.user_id), **kinds}
    form = {
        "kind": request.form.get("kind", next(iter(kinds))),
        "reason": request.form.get("reason", ""),
        "until": request.form.get("until", ""),
        "hide_past": bool(request.form.get("hide_past")),
    }
    error, status = "", 200
    if request.method == "POST":
        try:
            if form["kind"] not in kinds or not kinds[form["kind"]]:
                raise DomainError("This comment has nothing to ban by that way.", field="kind")
            bans.ban(
                BanKind(form["kind"]),
                kinds[form["kind"]],
                current_user,
                reason=str(form["reason"]),
                until=_parse_until(str(form["until"])),
                hide_past=bool(form["hide_past"]),
                comment=comment,
            )
        except DomainError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status if exc.status >= 400 else 400
        else:
            flash("The commenter is banned.", "success")
            return redirect(url_for("discussion.ban_list"))
    return make_response(
        render_template("discussion/ban.html", comment=comment, kinds=kinds, form=form, error=error), status
    )


@bp.get("/admin/bans")
@require(can_moderate)
def ban_list() -> str:
    found = bans.ban_list()
    return render_template("discussion/bans.html", bans=found, accounts=bans.accounts_named(found))


@bp.post("/admin/bans/<int:ban_id>/lift")
@require(can_moderate)
def lift_ban(ban_id: int) -> Response:
    try:
        bans.lift(ban_id, current_user)
    except DomainError as exc:
        abort(exc.status, description=exc.message)
    flash("The ban was lifted.", "success")
    return redirect(url_for("discussion.ban_list"))


# ----------------------------------------------------------------------------- links from emails


def _link_page(token: str, title: str, button: str, check: str, max_age: int | None = None) -> Response | None:
    """GET: a page with a button (checked first, so a bad link says so before any click)."""
    if request.method == "POST":
        return None
    try:
        notify.read_token(token, check, max_age=max_age)
    except DomainError as exc:
        return _message("This link does not work", exc.message, exc.status)
    return _message(title, "", 200, button=button, action=request.path)


def _spend(action: Callable[[str], T], token: str) -> T | Response:
    """Carry out what an emailed link does; a refused link is a plain page, nothing changed."""
    try:
        return action(token)
    except DomainError as exc:
        db.session.rollback()
        return _message("This link does not work", exc.message, exc.status)


def _subscription_link(token: str, purpose: str) -> Response:
    """The confirm and unsubscribe links: a button on GET, the change on POST."""
    confirming = purpose == "confirm"
    page = _link_page(
        token,
        "Confirm your subscription" if confirming else "Stop these emails?",
        "Yes, email me" if confirming else "Unsubscribe",
        purpose,
        max_age=None if confirming else notify.UNSUBSCRIBE_MAX_AGE,
    )
    if page is not None:
        return page
    sub = _spend(notify.confirm if confirming else notify.unsubscribe, token)
    if isinstance(sub, Response):
        return sub
    if not confirming:
        return _message("Unsubscribed", f"You will get no more of these emails at {sub.email}.")
    post, _ = notify.subscription_target(sub)
    what = "replies to your comment" if sub.kind.value == "replies" else "new comments"
    return _message(
        "Subscription confirmed",
        f"Thank you: we will email {sub.email} about {what}" + (f" on \u201c{post.title}\u201d." if post else "."),
        post=post,
    )


@bp.route("/subscriptions/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Response:
    return _subscription_link(token, "confirm")


@bp.route("/subscriptions/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Response:
    return _subscription_link(token, "unsubscribe")


@bp.route("/unsubscribe/<kind>/<token>", methods=["GET", "POST"])
@csrf.exempt
def one_click_unsubscribe(kind: str, token: str) -> Response:
    """The ``List-Unsubscribe`` target (RFC 8058). Mail clients POST ``List-Unsubscribe=One-Click``
    with no cookies, so there is no CSRF token to check: the signed token in the URL is what makes
    the request genuine, and it can only stop emails. Opened in a browser, it shows the usual page."""
    if kind not in {"comments", "follow"}:
        abort(404)
    if request.method == "GET":
        if kind == "comments":
            return redirect(url_for("discussion.unsubscribe", token=token), 303)
        return redirect(url_for("discussion.follow_link", purpose="unsubscribe", token=token), 303)
    if request.form.get("List-Unsubscribe") != "One-Click":
        return _message(
            "This link does not work",
            "Open the unsubscribe link from the email in your browser to stop these emails.",
            400,
        )
    done = _spend(notify.unsubscribe if kind == "comments" else followers.unsubscribe, token)
    if isinstance(done, Response):
        return done
    return _message("Unsubscribed", f"You will get no more of these emails at {done.email}.")


@bp.route("/comments/confirm/<token>", methods=["GET", "POST"])
def confirm_comment(token: str) -> Response:
    """The stricter guest mode: the guest's click publishes their first comment."""
    page = _link_page(token, "Publish your comment", "Publish my comment", "comment-confirm")
    if page is not None:
        return page
    try:
        comment = guest_confirm.confirm(token)
    except DomainError as exc:
        db.session.rollback()
        return _message("This link does not work", exc.message, exc.status)
    flash("Thank you: your comment is published.", "success")
    return redirect(url_for("comments.permalink", comment_id=comment.id))


@bp.route("/comments/moderate/<action>/<token>", methods=["GET", "POST"])
def moderate_link(action: str, token: str) -> Response:
    if action not in {"approve", "spam"}:
        abort(404)
    label = "Approve this comment" if action == "approve" else "Mark this comment as spam"
    page = _link_page(token, label, "Approve" if action == "approve" else "Mark as spam", action)
    if page is not None:
        return page
    try:
        comment = notify.moderate_by_link(token, action, current_user if can_moderate(current_user) else None)
    except DomainError as exc:
        db.session.rollback()
        return _message("This link does not work", exc.message, exc.status)
    done = "approved" if action == "approve" else "marked as spam"
    return _message("Done", f"The comment by {comment.author_name} was {done}.")


# ----------------------------------------------------------------------------- feeds

ATOM = "application/atom+xml; charset=utf-8"


def _atom(body: bytes) -> Response:
    response = Response(body, content_type=ATOM)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/comments.atom")
def site_comments_feed() -> Response:
    """The newest approved comments of the whole site."""
    return _atom(feeds.comments_atom(feeds.recent_comments(), absolute_url("discussion.site_comments_feed")))


@bp.get("/posts/<slug>/comments.atom")
def post_comments_feed(slug: str) -> Response:
    """The newest approved comments of one live post."""
    post = db.session.scalar(select(Post).where(Post.slug == slug))
    if post is None or not post.is_live:
        abort(404)
    return _atom(
        feeds.comments_atom(
            feeds.recent_comments(post), absolute_url("discussion.post_comments_feed", slug=slug), post=post
        )
    )


# ----------------------------------------------------------------------------- the operator's dashboard


@bp.get("/admin/insights")
@require(can_moderate)
def insights_page() -> str:
    return render_template("discussion/insights.html", data=insights.insights())


# ----------------------------------------------------------------------------- "email me new posts"


@bp.route("/follow", methods=["GET", "POST"])
@limiter.limit(_email_rate, methods=["POST"])
def follow() -> Response:
    # A signed-in reader's verified address is filled in, and following with it needs no email.
    verified = current_user.email if getattr(current_user, "email_verified", False) and current_user.email else ""
    email, error, status = request.form.get("email", verified), "", 200
    if request.method == "POST":
        try:
            follower = followers.follow(email, owner_email=verified)
        except DomainError as exc:
            db.session.rollback()
            error, status = exc.message, 400
        else:
            if follower is not None and follower.confirmed_at is not None:
                title = f"You follow {current_app.config['SITE_NAME']}"
                return _message(title, followers.following(follower.email))
            return _message("Almost done", followers.SENT)
    return make_response(render_template("discussion/follow.html", email=email, error=error, verified=verified), status)


@bp.route("/follow/<purpose>/<token>", methods=["GET", "POST"])
def follow_link(purpose: str, token: str) -> Response:
    if purpose not in {"confirm", "unsubscribe"}:
        abort(404)
    confirming = purpose == "confirm"
    page = _link_page(
        token,
        "Email me new posts" if confirming else "Stop these emails?",
        "Yes, email me new posts" if confirming else "Unsubscribe",
        f"follow-{purpose}",
        max_age=None if confirming else notify.UNSUBSCRIBE_MAX_AGE,
    )
    if page is not None:
        return page
    follower = _spend(followers.confirm if confirming else followers.unsubscribe, token)
    if isinstance(follower, Response):
        return follower
    if confirming:
        return _message("You follow this blog", f"Each new post will be emailed to {follower.email}.")
    return _message("Unsubscribed", f"You will get no more of these emails at {follower.email}.")

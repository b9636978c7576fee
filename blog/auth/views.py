"""Routes of the auth area: staff sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from blog.auth.forms import LoginForm, LogoutForm
from blog.auth.login import ThrottlePolicy, authenticate, note_sign_in, safe_next
from blog.auth.permissions import is_staff
from blog.errors import DomainError
from blog.extensions import client_ip, db, limiter

bp = Blueprint("auth", __name__)

IP_LIMIT_MESSAGE = "Too many sign-in attempts from your network. Wait a minute and try again."


def _login_rate() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


def _failed(response: Response) -> bool:
    """Only failed attempts count against the per-IP limit: a success redirects."""
    return response.status_code != 302


def _landing(user: object) -> str:
    return url_for("admin.dashboard") if is_staff(user) else url_for("posts.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"], deduct_when=_failed, error_message=IP_LIMIT_MESSAGE)
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data) or _landing(current_user))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    try:
        user = authenticate(
            form.email.data or "",
            form.password.data or "",
            ip=client_ip(),
            policy=ThrottlePolicy.from_config(current_app.config),
        )
    except DomainError as error:
        db.session.rollback()
        form.password.data = ""
        return render_template("auth/login.html", form=form, error=error.message), error.status
    # A new session for the signed-in user: nothing an anonymous visitor (or an attacker who
    # planted a cookie) put in the old one survives, and the CSRF token is renewed.
    # A ``next`` that is not a path on this site is dropped: home, not wherever it pointed.
    target = safe_next(form.next.data) or (url_for("posts.home") if form.next.data else None)
    session.clear()
    login_user(user, remember=bool(form.remember.data), fresh=True)
    note_sign_in(user)
    db.session.commit()
    flash(f"Signed in as {user.name}.", "success")
    return redirect(target or _landing(user))


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> tuple[str, int]:
    """The per-IP limit: the login page again, with a message instead of a bare 429 page."""
    form = LoginForm()
    form.password.data = ""
    return render_template("auth/login.html", form=form, error=IP_LIMIT_MESSAGE), 429


@bp.post("/logout")
def logout() -> Response:
    form = LogoutForm()
    if not form.validate_on_submit():
        flash("Your session expired; sign out again.", "error")
        return redirect(url_for("posts.home"))
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("posts.home"))

"""Routes of the auth area: staff sign-in and sign-out, and "Forgot your password?"."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from blog.auth import password_reset
from blog.auth.forms import ForgotPasswordForm, LoginForm, LogoutForm, ResetPasswordForm
from blog.auth.login import ThrottlePolicy, authenticate, normalise_email, note_sign_in, safe_next
from blog.auth.permissions import is_staff
from blog.errors import DomainError
from blog.extensions import client_ip, db, limiter
from blog.models.accounts import User
from blog.web import wants_json

bp = Blueprint("auth", __name__)

IP_LIMIT_MESSAGE = "Too many sign-in attempts from your network. Wait a minute and try again."
SESSION_EXPIRED = "Your session expired, or the page was open too long. Nothing was changed: send the form again."
SIGN_OUT_AGAIN = "Your session expired, or the page was open too long: you are still signed in. Sign out again?"
RESET_IP_LIMIT_MESSAGE = "Too many password reset emails were asked for from your network. Wait a while and try again."
RESET_ADDRESS_LIMIT_MESSAGE = (
    "Too many password reset emails were asked for this address. Look for the ones already sent, "
    "or wait a while and try again."
)


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
    destination = target or _landing(user)
    if not destination.startswith(url_for("admin.dashboard")):  # the admin's menu says it already
        flash(f"Signed in as {user.name}.", "success")
    return redirect(destination)


def _reset_rate() -> str:
    return str(current_app.config["PASSWORD_RESET_RATELIMIT"])


def _reset_address_rate() -> str:
    return str(current_app.config["PASSWORD_RESET_ADDRESS_RATELIMIT"])


def _reset_address_key() -> str:
    """The per-address limit's key: the typed address, normalised and hashed (no addresses in Redis)."""
    email = normalise_email(request.form.get("email", ""))
    return "password-reset:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32]


def _no_store(response: Response) -> Response:
    """Pages holding a reset token stay out of caches and the back-forward history's disk."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_rate, methods=["POST"], error_message=RESET_IP_LIMIT_MESSAGE)
@limiter.limit(
    _reset_address_rate, key_func=_reset_address_key, methods=["POST"], error_message=RESET_ADDRESS_LIMIT_MESSAGE
)
def forgot_password() -> Response:
    """Same answer whether or not the address has an account, so nobody learns who has one."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return _forgot_page(form, 400 if request.method == "POST" else 200)
    try:
        password_reset.request_reset(form.email.data or "", ip=client_ip())
    except DomainError as error:
        db.session.rollback()
        form.email.errors.append(error.message)
        return _forgot_page(form, 400)
    db.session.commit()
    html = render_template(
        "auth/forgot_password_sent.html", email=form.email.data, minutes=password_reset.minutes_valid()
    )
    return make_response(html, 200)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    """GET only shows the form (mail scanners fetch links); the POST, with its CSRF token, sets it."""
    form = ResetPasswordForm()
    try:
        user = password_reset.check_token(token)
    except DomainError as error:
        return _forgot_page(ForgotPasswordForm(formdata=None), error.status, error.message)
    first = not user.password_hash  # a staff account choosing its first password
    if not form.validate_on_submit():
        return _reset_page(form, user, token, 400 if request.method == "POST" else 200)
    try:
        password_reset.set_password_with_token(token, form.password.data or "", form.confirm.data or "")
    except DomainError as error:
        db.session.rollback()
        if error.field is None:
            return _forgot_page(ForgotPasswordForm(formdata=None), error.status, error.message)
        getattr(form, error.field).errors.append(error.message)
        return _reset_page(form, user, token, error.status)
    db.session.commit()
    # Not signed in: the new password is proved once at the sign-in form (where a password manager
    # saves it), and a link that leaked gives a session to nobody. This browser's own session,
    # whoever it was for, ends too.
    logout_user()
    session.clear()
    if first:
        flash("Your password is set. Sign in with it.", "success")
    else:
        flash(
            "Your password has been changed and every session of your account was signed out. "
            "Sign in with your new password.",
            "success",
        )
    return redirect(url_for("auth.login"))


def _forgot_page(form: ForgotPasswordForm, status: int, error: str | None = None) -> Response:
    """The "Forgot your password?" form; also the page a bad reset link lands on, to ask again."""
    if not (form.email.data or "").isprintable():
        form.email.data = ""  # never echo NUL bytes or line breaks back into the page
    html = render_template("auth/forgot_password.html", form=form, minutes=password_reset.minutes_valid(), error=error)
    return _no_store(make_response(html, status))


def _reset_page(form: ResetPasswordForm, user: User, token: str, status: int, error: str | None = None) -> Response:
    """The new-password form (or the first-password one, for staff who have none); what was typed
    is never sent back."""
    form.password.data = form.confirm.data = ""
    html = render_template(
        "auth/reset_password.html",
        form=form,
        email=user.email or "",
        first=not user.password_hash,
        token=token,
        min_length=int(current_app.config["PASSWORD_MIN_LENGTH"]),
        error=error,
    )
    return _no_store(make_response(html, status))


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Response:
    """A missing or stale token on the reset forms: the same form again, with a fresh token and a
    message, instead of a bare 400. Nothing was sent or changed."""
    if request.endpoint == "auth.forgot_password":
        return _forgot_page(ForgotPasswordForm(), 400, SESSION_EXPIRED)
    if request.endpoint == "auth.reset_password":
        token = str((request.view_args or {}).get("token", ""))
        try:
            user = password_reset.check_token(token)
        except DomainError as problem:
            return _forgot_page(ForgotPasswordForm(formdata=None), problem.status, problem.message)
        return _reset_page(ResetPasswordForm(formdata=None), user, token, 400, SESSION_EXPIRED)
    if wants_json():  # as the site-wide handler answers
        return make_response({"error": error.name, "message": error.description}, 400)
    if request.endpoint == "auth.login":
        # The sign-in form again with the address kept (never the password) and a fresh token.
        form = LoginForm()
        form.password.data = ""
        if not (form.email.data or "").isprintable():
            form.email.data = ""
        return make_response(render_template("auth/login.html", form=form, error=SESSION_EXPIRED), 400)
    if request.endpoint == "auth.logout":
        # Signed in: ask again with a fresh token. Not (the session that expired was the signed-in
        # one): the page says they are out. A 400 either way: the request itself changed nothing.
        return _logout_page(400, SIGN_OUT_AGAIN if current_user.is_authenticated else None)
    return make_response(render_template("errors/generic.html", error=error), 400)


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> Response | tuple[str, int]:
    """A rate limit: the same page again, with a message instead of a bare 429 page."""
    if request.endpoint == "auth.forgot_password":
        return _forgot_page(ForgotPasswordForm(), 429, error.description)
    form = LoginForm()
    form.password.data = ""
    return render_template("auth/login.html", form=form, error=IP_LIMIT_MESSAGE), 429


def _logout_page(status: int, error: str | None = None) -> Response:
    return make_response(render_template("auth/logout_confirm.html", form=LogoutForm(), error=error), status)


@bp.get("/logout")
def logout_confirm() -> Response:
    """A sign-out link typed or bookmarked: ask, as WordPress does, since a GET must not sign anyone out."""
    if not current_user.is_authenticated:
        return redirect(url_for("posts.home"))
    return _logout_page(200)


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

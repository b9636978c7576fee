"""Sign-in by email link: for readers who use no provider, and the way back in when one breaks.

A link is signed (itsdangerous, keyed by ``SECRET_KEY``), names a row whose secret is stored only
as a hash, expires after ``EMAIL_LOGIN_MAX_AGE_SECONDS`` (15 minutes by default) and works once. Opening it
shows a button; only the POST signs in, so mail scanners that follow links cannot spend it.
Asking for a link answers the same whether or not an account exists.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from werkzeug.wrappers import Response
from wtforms import EmailField, HiddenField

from blog.auth import drafts, readers
from blog.auth.accounts import valid_email
from blog.auth.login import safe_next
from blog.auth.social import next_target, site_url_for, social_bp, start_session
from blog.errors import DomainError
from blog.extensions import client_ip, db, limiter
from blog.mail import send_mail
from blog.models.base import utcnow
from blog.models.identities import EmailLoginToken

log = logging.getLogger("blog.auth.email_login")

SALT = "sargasso.email-login"
#: Unused, unexpired links one address may hold at once; more requests answer the same but send nothing.
MAX_PENDING_LINKS = 3
PREFILL_KEY = "email_login_prefill"
INVALID = "This sign-in link is not valid. Ask for a new one below."


def expired_message() -> str:
    return f"This sign-in link has expired: links work for {link_lifetime()}. Ask for a new one below."


USED = "This sign-in link has already been used. Ask for a new one below if you need to sign in again."


class EmailLoginForm(FlaskForm):
    email = EmailField("Email address")
    next = HiddenField()


class ConfirmForm(FlaskForm):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _max_age() -> int:
    return int(current_app.config["EMAIL_LOGIN_MAX_AGE_SECONDS"])


def link_lifetime() -> str:
    """How long a link works, as the pages and the email say it ("15 minutes", "1 hour"): from
    ``EMAIL_LOGIN_MAX_AGE_SECONDS``, which the pages used to contradict with a fixed "15 minutes"."""
    minutes = max(1, round(_max_age() / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@social_bp.context_processor
def _link_lifetime() -> dict[str, str]:
    return {"link_lifetime": link_lifetime()}


def request_link(email: str, next_path: str, *, ip: str = "") -> EmailLoginToken | None:
    """Queue a sign-in link to ``email``. Not committed (the mail leaves when the caller commits).

    Returns None without sending when the address already has ``MAX_PENDING_LINKS`` waiting, so
    nobody can flood a mailbox through this form.
    """
    email = valid_email(email)
    now = utcnow()
    # Links dead for a day are of no use to anyone: keep the table small.
    db.session.execute(delete(EmailLoginToken).where(EmailLoginToken.expires_at < now - timedelta(days=1)))
    pending = db.session.scalar(
        select(func.count(EmailLoginToken.id)).where(
            EmailLoginToken.email == email, EmailLoginToken.used_at.is_(None), EmailLoginToken.expires_at > now
        )
    )
    existing = readers.user_by_email(email)
    if existing is not None and existing.is_staff:
        log.warning("Not sending a sign-in link to staff address %s: staff sign in with their password", email)
        return None
    if pending and pending >= MAX_PENDING_LINKS:
        log.warning("Not sending another sign-in link to %s: %s are still pending", email, pending)
        return None
    secret = secrets.token_urlsafe(32)
    row = EmailLoginToken(
        email=email,
        secret_hash=_hash(secret),
        next_path=safe_next(next_path) or "/",
        expires_at=now + timedelta(seconds=_max_age()),
        requested_ip=ip[:64],
    )
    db.session.add(row)
    db.session.flush()
    link = site_url_for("social.email_login_confirm", token=_serializer().dumps([row.id, secret]))
    site = current_app.config["SITE_NAME"]
    text = (
        f"Hello,\n\nSomeone (hopefully you) asked to sign in to {site} with this address.\n"
        f"Open this link within {link_lifetime()} and press the button to sign in:\n\n{link}\n\n"
        "The link works once. If you did not ask for it, ignore this email: nothing happens without a click.\n"
    )
    send_mail(email, f"Your sign-in link for {site}", text)
    return row


def check_link(token: str) -> EmailLoginToken:
    """The row a link names, if it is genuine, unexpired and unused; else ``DomainError``."""
    try:
        row_id, secret = _serializer().loads(token, max_age=_max_age())
    except SignatureExpired:
        raise DomainError(expired_message(), status=410) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError(INVALID, status=400) from None
    row = db.session.get(EmailLoginToken, row_id) if isinstance(row_id, int) else None
    if row is None or not isinstance(secret, str) or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise DomainError(INVALID, status=400)
    if row.used_at is not None:
        raise DomainError(USED, status=410)
    if row.expires_at <= utcnow():
        raise DomainError(expired_message(), status=410)
    return row


def redeem_link(token: str) -> tuple[Any, str, bool]:
    """Spend a link: the account it opens (made if new), where to go, and whether that new account
    still needs a name of its own. Not committed.

    The UPDATE ... WHERE used_at IS NULL makes two clicks racing each other succeed once.
    """
    row = check_link(token)
    spent = db.session.execute(
        update(EmailLoginToken)
        .where(EmailLoginToken.id == row.id, EmailLoginToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(USED, status=410)
    user, created = readers.sign_in_with_email(row.email)
    return user, row.next_path, created and user.name == readers.NEW_READER_NAME


def _email_login_rate() -> str:
    return str(current_app.config["EMAIL_LOGIN_RATELIMIT"])


@social_bp.route("/login/email", methods=["GET", "POST"])
@limiter.limit(_email_login_rate, methods=["POST"])
def email_login() -> Response | str | tuple[str, int]:
    form = EmailLoginForm()
    if request.method == "GET":
        form.next.data = next_target()
        form.email.data = session.pop(PREFILL_KEY, "") or ""
        return render_template("auth/email_login.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/email_login.html", form=form, error="Your session expired; send again."), 400
    target = safe_next(form.next.data) or url_for("posts.home")
    try:
        request_link(form.email.data or "", target, ip=client_ip())
    except DomainError as error:
        db.session.rollback()
        return render_template("auth/email_login.html", form=form, error=error.message), 400
    db.session.commit()
    return render_template("auth/email_login_sent.html", email=form.email.data, next=target)


@social_bp.post("/login/email/start")
def email_login_start() -> Response:
    """The comment form's envelope icon: keep the draft, then ask for the address (prefilled)."""
    target = next_target()
    if drafts.keep_draft_from_form(target) is not None:
        db.session.commit()
    typed = (request.form.get("email") or "").strip()[:254]
    if typed:
        session[PREFILL_KEY] = typed
    return redirect(url_for("social.email_login", next=target))


@social_bp.route("/login/email/<token>", methods=["GET", "POST"])
def email_login_confirm(token: str) -> Response | tuple[str, int] | str:
    form = ConfirmForm()
    try:
        row = check_link(token)
    except DomainError as error:
        return _link_problem(error)
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("auth/email_login_confirm.html", form=form, email=row.email, token=token)
    try:
        user, target, needs_name = redeem_link(token)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _link_problem(error)
    start_session(user, "email")
    flash(f"Signed in as {user.name}.", "success")
    if needs_name:
        flash("Welcome! Your comments show the name “Reader” until you choose yours on your profile page.", "info")
    return redirect(safe_next(target) or url_for("posts.home"))


def _link_problem(error: DomainError) -> tuple[str, int]:
    form = EmailLoginForm(formdata=None)
    return render_template("auth/email_login.html", form=form, error=error.message), error.status


@social_bp.errorhandler(RateLimitExceeded)
def too_many_links(error: RateLimitExceeded) -> tuple[str, int]:
    form = EmailLoginForm()
    message = "Too many sign-in links were asked for from your network. Wait a few minutes and try again."
    return render_template("auth/email_login.html", form=form, error=message), 429

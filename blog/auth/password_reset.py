"""The staff login's "Forgot your password?", for accounts that sign in with a password.

A reset link carries a token signed with ``SECRET_KEY`` (itsdangerous) that names the account and
a fingerprint of its sign-in state: email, password hash and ``session_version``. It expires after
``PASSWORD_RESET_MAX_AGE_SECONDS`` and works once without any table of its own: setting the
password changes the hash and bumps ``session_version``, so that link and every other one still
outstanding stop matching (and so does any link once the password changes another way, by
``flask reset-password`` or "sign out everywhere"). Opening the link only shows the form; the POST
changes the password. Asking for a link answers the same whether or not the address has an account.

The same link sets a first password for a staff account that has none yet (a reader an admin made
staff): the fingerprint holds the empty hash, so the link is spent as soon as a password exists.
``invite_to_set_password`` sends one when an admin gives such an account a staff role.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update

from blog.auth.accounts import find_user, reset_password, valid_email
from blog.auth.social import site_url_for
from blog.errors import DomainError
from blog.extensions import db
from blog.mail import send_mail
from blog.models.accounts import User

log = logging.getLogger("blog.auth.password_reset")

SALT = "sargasso.password-reset"
#: Longer than any token we sign; anything longer is refused before it is decoded.
MAX_TOKEN_LENGTH = 400
NOT_AN_ADDRESS = "Enter the email address of your account, like name@example.org."
INVALID = "This password reset link is not valid: it may have been cut short or changed. Ask for a new one below."
USED = (
    "This password reset link has already been used, or the password was changed since it was sent. "
    "Ask for a new one below if you still need it."
)
MISMATCH = "The two passwords are not the same. Type the new password twice."


def max_age() -> int:
    return int(current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"])


def minutes_valid() -> int:
    """The link's lifetime in whole minutes, for emails and pages."""
    return max(1, max_age() // 60)


def expired_message() -> str:
    minutes = minutes_valid()
    return (
        f"This password reset link has expired: links work for {minutes} minute{'s' if minutes != 1 else ''}. "
        "Ask for a new one below."
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def fingerprint(user: User) -> str:
    """What the link is bound to: any change of email, password or sessions makes it a new value.

    Keyed with ``SECRET_KEY`` so the token (readable base64, only signed) shows nothing derived
    from the password hash alone.
    """
    state = f"{user.id}\x00{user.email or ''}\x00{user.session_version}\x00{user.password_hash or ''}"
    key = (str(current_app.config["SECRET_KEY"]) + SALT).encode()
    return hmac.new(key, state.encode(), hashlib.sha256).hexdigest()[:32]


def can_reset(user: User) -> bool:
    """Active accounts that sign in with a password, and active staff who have none yet (they
    can sign in no other way) at an address proved theirs. Readers who use a provider or email
    links, and disabled accounts, get no email (but the same answer on screen)."""
    if not (user.active and user.email):
        return False
    return bool(user.password_hash) or needs_first_password(user)


def needs_first_password(user: User) -> bool:
    """A staff account without a password whose address was confirmed (an email sign-in link, or
    a provider that vouched for it): a link to it may set the first password. An unconfirmed
    address is not trusted with an account that has no other guard; the operator sets one with
    ``flask reset-password``."""
    return user.is_staff and not user.password_hash and bool(user.email) and user.email_verified


def token_for(user: User) -> str:
    return _serializer().dumps([user.id, fingerprint(user)])


def request_reset(email: str, *, ip: str) -> bool:
    """Queue a reset link to ``email`` if an account may use one. Not committed.

    Returns whether mail was queued, for the log and tests only: the caller must answer the same
    either way. ``DomainError`` only when ``email`` is not an address at all.
    """
    try:
        email = valid_email(email)
    except DomainError:
        raise DomainError(NOT_AN_ADDRESS, field="email") from None
    user = find_user(email)
    if user is None or not can_reset(user):
        log.info("Password reset asked for %s from %s: no active account with a password, nothing sent", email, ip)
        return False
    if not current_app.config.get("SITE_URL"):
        log.warning("SITE_URL is not set: the password reset link is built from the request's Host header")
    link = site_url_for("auth.reset_password", token=token_for(user))
    site = current_app.config["SITE_NAME"]
    minutes = minutes_valid()
    if not user.password_hash:
        text = (
            f"Hello {user.name},\n\n"
            f"Someone asked for a password for your account on {site} ({user.email}), which has none yet:\n"
            "staff accounts sign in with a password.\n"
            f"The request came from the IP address {ip or 'unknown'}.\n\n"
            f"If it was you, open this link within {minutes} minutes and choose your password:\n\n"
            f"{link}\n\n"
            "The link works once.\n\n"
            "If you did not ask for this, ignore this email. Nothing changes.\n"
        )
        send_mail(email, f"Set your password on {site}", text)
        return True
    text = (
        f"Hello {user.name},\n\n"
        f"Someone asked to reset the password of your account on {site} ({user.email}).\n"
        f"The request came from the IP address {ip or 'unknown'}.\n\n"
        f"If it was you, open this link within {minutes} minutes and choose a new password:\n\n"
        f"{link}\n\n"
        "The link works once: it stops working as soon as your password changes.\n\n"
        "If you did not ask for this, ignore this email. Your password stays as it is and nothing changes.\n"
    )
    send_mail(email, f"Reset your password on {site}", text)
    return True


def invite_to_set_password(user: User, *, by: User) -> bool:
    """Queue a "set your password" link to a password-less account ``by`` just made staff, so
    they can sign in (staff get no email sign-in links). Not committed; False (nothing queued)
    when the account has no confirmed address to send it to."""
    if not (user.active and needs_first_password(user)):
        return False
    link = site_url_for("auth.reset_password", token=token_for(user))
    forgot = site_url_for("auth.forgot_password")
    site = current_app.config["SITE_NAME"]
    role = user.role.label.lower()
    article = "an" if role[:1] in "aeiou" else "a"
    text = (
        f"Hello {user.name},\n\n"
        f"{by.name} made you {article} {role} on {site}. Staff sign in with a password on the staff\n"
        f"sign-in page, and your account ({user.email}) has none yet.\n\n"
        f"Open this link within {minutes_valid()} minutes and choose your password:\n\n"
        f"{link}\n\n"
        f"The link works once. If it has expired, ask for a new one with this address at {forgot}\n\n"
        "If you don't know why you got this, ask the site's admin, or ignore this email.\n"
    )
    send_mail(user.email or "", f"Set your password on {site}", text)
    return True


def check_token(token: str) -> User:
    """The account a link is for, if the link is genuine, unexpired and still unused; else ``DomainError``.

    Changes nothing, so showing the form (or a mail scanner fetching the link) is harmless.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise DomainError(INVALID, status=400)
    try:
        payload = _serializer().loads(token, max_age=max_age())
    except SignatureExpired:
        raise DomainError(expired_message(), status=410) from None
    except (BadSignature, ValueError, TypeError, UnicodeError):
        raise DomainError(INVALID, status=400) from None
    if not (isinstance(payload, list) and len(payload) == 2):
        raise DomainError(INVALID, status=400)
    user_id, seen = payload
    if type(user_id) is not int or not 0 < user_id < 2**31 or not isinstance(seen, str):
        raise DomainError(INVALID, status=400)
    user = db.session.get(User, user_id)
    if user is None or not can_reset(user):
        raise DomainError(INVALID, status=400)
    if not hmac.compare_digest(fingerprint(user), seen):
        raise DomainError(USED, status=410)
    return user


def set_password_with_token(token: str, password: str, confirm: str) -> User:
    """Spend a link: set the new password under the rules of ``flask reset-password`` (which also
    signs the account out everywhere and lifts any lock-out). Not committed; on ``DomainError``
    the caller rolls back and nothing is kept.
    """
    user = check_token(token)
    if password != confirm:
        raise DomainError(MISMATCH, field="confirm")
    first = not user.password_hash
    seen_version = user.session_version
    # Two submits of one link racing each other: this guarded UPDATE takes the account's row (it
    # waits for the other transaction, then finds its session_version changed), so one wins.
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.session_version == seen_version)
        .values(session_version=User.session_version)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(USED, status=410)
    reset_password(user, password, min_length=int(current_app.config["PASSWORD_MIN_LENGTH"]))
    site = current_app.config["SITE_NAME"]
    if first:
        send_mail(
            user.email or "",
            f"Your password on {site} is set",
            f"Hello {user.name},\n\n"
            f"A password was just chosen for your account on {site} ({user.email}) with a link sent to\n"
            "this address. Sign in with it on the staff sign-in page.\n\n"
            "If it was not you, ask the site's admin for help at once.\n",
        )
        return user
    send_mail(
        user.email or "",
        f"Your password on {site} was changed",
        f"Hello {user.name},\n\n"
        f"The password of your account on {site} ({user.email}) was just changed with a reset link,\n"
        "and every session signed in to the account was signed out.\n\n"
        "If it was you, there is nothing to do. If it was not, ask the site's admin for help at once.\n",
    )
    return user

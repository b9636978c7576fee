"""Staff sign-in: who may sign in, lock-out after repeated failures, and where to go afterwards.

Plain functions a view (or a test) calls with values; the view owns the session and redirects.
Failures are rows in ``login_failures`` so every worker of a multi-process server counts the
same attempts; the per-IP limit lives in Flask-Limiter (``RATELIMIT_LOGIN``) on the view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import LoginFailure, User
from blog.models.base import utcnow

#: Compared against when no account has the email, so a miss costs as much time as a hit
#: and response times don't tell which emails have accounts.
_DUMMY_HASH = generate_password_hash("not a real password, only spends time", method="scrypt")

BAD_CREDENTIALS = "That email and password don't match an account. Check them and try again."


@dataclass(frozen=True)
class ThrottlePolicy:
    """``max_failures`` failed attempts for one email within ``window`` lock it until they age out."""

    max_failures: int
    window: timedelta

    @classmethod
    def from_config(cls, config: dict) -> ThrottlePolicy:  # type: ignore[type-arg]
        return cls(
            max_failures=int(config["LOGIN_MAX_FAILURES"]),
            window=timedelta(seconds=int(config["LOGIN_FAILURE_WINDOW_SECONDS"])),
        )


def normalise_email(email: str) -> str:
    """Emails are stored and compared lower-cased and trimmed."""
    return (email or "").strip().lower()


def locked_until(email: str, policy: ThrottlePolicy, now: datetime | None = None) -> datetime | None:
    """When ``email`` may try again, or None if it is not locked. One query.

    Failures age out one by one: the lock lifts when the ``max_failures``-th newest one leaves
    the window, so a locked email gets one more try after that, not a fresh allowance.
    """
    now = now or utcnow()
    recent = db.session.scalars(
        select(LoginFailure.created_at)
        .where(LoginFailure.email == normalise_email(email), LoginFailure.created_at > now - policy.window)
        .order_by(LoginFailure.created_at.desc())
        .limit(policy.max_failures)
    ).all()
    if policy.max_failures <= 0 or len(recent) < policy.max_failures:
        return None
    return recent[-1] + policy.window


def lockout_message(until: datetime, now: datetime | None = None) -> str:
    now = now or utcnow()
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts for this email. For your account's safety, try again in {minutes} {unit}."


def record_failure(email: str, ip: str, policy: ThrottlePolicy, now: datetime | None = None) -> None:
    """Remember one failed attempt and forget those older than the window (keeps the table small).

    Committed at once: the attempt must count even though the request ends in an error.
    """
    now = now or utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.created_at <= now - policy.window))
    db.session.add(LoginFailure(email=normalise_email(email)[:254], ip=(ip or "")[:64], created_at=now))
    db.session.commit()


def clear_failures(email: str) -> None:
    """A successful sign-in (or a password reset) wipes the slate for that email."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == normalise_email(email)))


def authenticate(email: str, password: str, *, ip: str, policy: ThrottlePolicy) -> User:
    """The user ``email`` and ``password`` belong to, or ``DomainError``.

    Refuses without even checking the password while the email is locked (status 429), and
    gives the same message for an unknown email and a wrong password.
    """
    email = normalise_email(email)
    until = locked_until(email, policy)
    if until is not None:
        raise DomainError(lockout_message(until), status=429)
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        ok = False
    else:
        ok = user.check_password(password)
    if not ok or user is None:
        record_failure(email, ip, policy)
        until = locked_until(email, policy)
        if until is not None:
            raise DomainError(lockout_message(until), status=429)
        raise DomainError(BAD_CREDENTIALS, status=401)
    if not user.active:
        raise DomainError("This account has been disabled. Ask the site's admin.", status=403)
    return user


def note_sign_in(user: User) -> None:
    """Bookkeeping after a successful sign-in; the caller commits."""
    clear_failures(user.email or "")
    user.last_login_at = utcnow()


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None. Guards against open redirects.

    Only ``/something`` passes: no scheme, no host, no protocol-relative ``//host``, no
    backslashes (browsers read ``/\\host`` as ``//host``), no control characters.
    """
    if not target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

"""Creating staff accounts and setting passwords: the rules the CLI (and later pages) share."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from blog.auth.login import clear_failures, normalise_email
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import Role, User


def check_password_strength(password: str, *, min_length: int = 10, email: str = "") -> None:
    """Refuse passwords that are short, just the email, or hold characters nobody can type at the
    sign-in form; ``DomainError`` says why."""
    if len(password) < min_length:
        raise DomainError(f"That password is too short: use at least {min_length} characters.", field="password")
    if not password.strip():
        raise DomainError("A password cannot be only spaces.", field="password")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        raise DomainError(
            "A password cannot contain control characters (such as a NUL byte or a line break).", field="password"
        )
    lowered = password.strip().lower()
    if email and lowered in {email.lower(), email.split("@")[0].lower()}:
        raise DomainError("Don't use your email address as your password.", field="password")


def generate_password() -> str:
    """A random password for accounts made by ``setup-demo`` and ``reset-password --generate``."""
    return secrets.token_urlsafe(15)


def valid_email(email: str) -> str:
    """The email, normalised, or ``DomainError`` if it is not an address."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise DomainError(f"{email or 'That'} is not a valid email address: {error}", field="email") from None
    return email


def create_user(email: str, *, name: str, role: Role | str, password: str, min_length: int = 10) -> User:
    """A new account with a password; refuses a duplicate email or a weak password. Not committed."""
    email = valid_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(f"Unknown role {role!r}: use one of {', '.join(r.value for r in Role)}.") from None
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(f"A user with the email {email} already exists.", field="email")
    check_password_strength(password, min_length=min_length, email=email)
    name = " ".join((name or "").split()) or email.split("@")[0]
    user = User(email=email, name=name[:120], role=role, email_verified=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def reset_password(user: User, password: str, *, min_length: int = 10) -> None:
    """Set a new password, sign the user out everywhere and lift any lock-out. Not committed."""
    check_password_strength(password, min_length=min_length, email=user.email or "")
    user.set_password(password)
    user.session_version += 1
    clear_failures(user.email or "")

"""What ``make run`` needs before serving: a lasting secret key, the schema, an admin, the demo.

``flask setup-demo`` calls ``setup_demo``; each step is safe to repeat, so every ``make run``
runs it and only the first one changes anything.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from blog.auth.accounts import create_user, generate_password
from blog.comments import cards
from blog.demo import demo_author, seed_demo
from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.pages import Page
from blog.models.posts import Post

ADMIN_EMAIL = "admin@example.org"
ADMIN_NAME = "Admin"


@dataclass
class SetupReport:
    """What ``setup_demo`` did, for the command to tell the person running it."""

    admin: User
    #: Only when the admin was created by this run; shown once and never stored in clear.
    admin_password: str | None = None
    secret_key_file: Path | None = None
    seeded: list[Post] = field(default_factory=list)
    seeded_pages: list[Page] = field(default_factory=list)


def ensure_secret_key(app: Flask) -> Path | None:
    """Give a local run a lasting SECRET_KEY in ``instance/config.py`` (mode 600) and use it now.

    Only when none is configured (the app is running on a throwaway key): signed-in sessions
    then survive restarts. The instance folder is git-ignored, so the key is never committed.
    Returns the file written, or None when a key was already configured.
    """
    if not app.config.get("SECRET_KEY_IS_THROWAWAY"):
        return None
    path = Path(app.instance_path) / "config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    text = (
        existing
        + "# Written by `flask setup-demo` for local runs. Keep it secret; never commit it.\n"
        + f"SECRET_KEY = {key!r}\n"
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
    app.config["SECRET_KEY"] = key
    app.config["SECRET_KEY_IS_THROWAWAY"] = False
    return path


def ensure_admin(*, min_length: int = 10) -> tuple[User, str | None]:
    """The site's admin, creating ``admin@example.org`` with a random password if there is none.

    Returns the admin and the new password (None when an admin already existed). Commits.
    """
    existing = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL)) or demo_author()
    if existing is not None:
        return existing, None
    password = generate_password()
    admin = create_user(ADMIN_EMAIL, name=ADMIN_NAME, role=Role.ADMIN, password=password, min_length=min_length)
    db.session.commit()
    return admin, password


def setup_demo(app: Flask) -> SetupReport:
    """Secret key, migrations (and the thread cards an upgrade leaves missing), admin and (on a site
    with no posts yet) the demo content: posts, and the About and How I score pages."""
    key_file = ensure_secret_key(app)
    upgrade()
    cards.refresh_missing_threads()  # a database from before thread cards: its posts read fast at once
    first_run = not db.session.scalar(select(func.count(Post.id)))
    admin, password = ensure_admin(min_length=int(app.config["PASSWORD_MIN_LENGTH"]))
    report = SetupReport(admin=admin, admin_password=password, secret_key_file=key_file)
    if first_run:
        seeded = seed_demo(admin)
        report.seeded, report.seeded_pages = seeded.created, seeded.pages_created
    return report

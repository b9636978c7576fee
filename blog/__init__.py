"""Sargasso: a self-hosted blogging engine for people who write reviews."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask

from blog.config import load_config

PACKAGE_DIR = Path(__file__).resolve().parent


def _asset_dir(name: str) -> str:
    """``templates/`` and ``static/`` live at the top of the repository; a built wheel carries
    them inside the package (see pyproject's force-include). Use whichever exists."""
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return str(inside)
    return str(PACKAGE_DIR.parent / name)


def instance_path() -> str | None:
    """``INSTANCE_PATH`` from the environment (absolute), else Flask's choice (``instance/`` beside
    a checkout). Lets an installed site keep its database, key and media outside the code, and lets
    a run that must not read a checkout's ``instance/config.py`` (a test) point elsewhere."""
    configured = os.environ.get("INSTANCE_PATH", "").strip()
    return str(Path(configured).expanduser().resolve()) if configured else None


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI and error pages."""
    load_dotenv(Path.cwd() / ".env", override=False)
    app = Flask(
        "blog",
        template_folder=_asset_dir("templates"),
        static_folder=_asset_dir("static"),
        instance_path=instance_path(),
        instance_relative_config=True,
    )
    from blog import database, errors, timezone, web

    app.jinja_environment = web.Environment  # before anything builds app.jinja_env
    load_config(app, config)

    from blog.extensions import csrf, db, init_limiter, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    init_limiter(app)
    login_manager.init_app(app)
    web.init_app(app)
    timezone.init_app(app)  # human_date and local_time: dates people read, in SITE_TIMEZONE
    errors.init_app(app)

    from blog import cache, observability, ops, security
    from blog.posts import announce

    observability.init_app(app)  # request ids and log format first, so every later log has them
    security.init_app(app)
    ops.init_app(app)
    announce.init_app(app)  # before the page cache: scheduled posts are announced even on cached pages
    cache.init_app(app)

    from blog.media import storage as media_storage
    from blog.media.views import bp as media_bp

    media_storage.init_app(app)
    app.register_blueprint(media_bp)

    from blog.admin.views import bp as admin_bp
    from blog.auth.views import bp as auth_bp
    from blog.comments.views import bp as comments_bp
    from blog.posts.views import bp as posts_bp
    from blog.reviews.views import bp as reviews_bp

    app.register_blueprint(posts_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(reviews_bp)

    from blog import pages

    pages.init_app(app)  # /<slug>/ pages (their route weighs less than every fixed address) and the site menu

    from blog.comments.discussion_views import bp as discussion_bp

    app.register_blueprint(discussion_bp)  # likes, reports, moderators' tools, bans, email links

    from blog import mail
    from blog.auth import social

    mail.init_app(app)  # the outbox every email goes through
    from blog import webhooks

    webhooks.init_app(app)  # signed event deliveries to WEBHOOK_URL, on the outbox's worker pattern
    social.init_app(app)  # social and email sign-in, profile pages: the "social" blueprint

    from blog import cli

    cli.init_app(app)
    return app

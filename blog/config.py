"""Every setting Sargasso reads, its default, and its check.

This is the one module that reads the environment. Layers, later wins:
defaults below, ``instance/config.py`` if present, documented plain environment
names (``DATABASE_URL``, ``SECRET_KEY``...), ``BLOG_*`` prefixed variables, then
the ``config`` mapping given to ``create_app`` (tests use that).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from blog.timezone import load_zone, zone_key

#: Secret keys that mean "nobody set one". Outside debug mode we refuse to start with them.
INSECURE_SECRET_KEYS = {"", "dev", "change-me", "secret", "changeme"}

DEFAULTS: dict[str, Any] = {
    # --- core ---
    "SECRET_KEY": "",
    "SITE_NAME": "Sargasso",
    "SITE_TAGLINE": "Reviews of films, anime, books and games",
    "SITE_URL": "",  # e.g. https://reviews.example.org; used in feeds and emails
    "SITE_TIMEZONE": "UTC",  # IANA name, e.g. Europe/Paris: the zone of every date people read or type
    "SQLALCHEMY_DATABASE_URI": "",  # filled from DATABASE_URL or the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SQLITE_BUSY_TIMEOUT_MS": 15000,  # writers wait (in turn) rather than fail under load
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Flask's default (500 kB per form field) would refuse post bodies under POST_BODY_MAX_BYTES.
    "MAX_FORM_MEMORY_SIZE": 8 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REDIS_URL": "",
    "TRUSTED_PROXIES": 0,
    # --- posts ---
    "POSTS_PER_PAGE": 10,
    "POST_BODY_MAX_BYTES": 1024 * 1024,
    "WORDS_PER_MINUTE": 230,
    "FEED_ITEMS": 20,
    # --- pages ---
    "MENU_RECHECK_SECONDS": 10,  # how long a worker shows its copy of the site menu before checking it
    # --- staff login ---
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "RATELIMIT_STORAGE_URI": "",  # derived from REDIS_URL when empty
    "RATELIMIT_LOGIN": "10 per minute",
    "PASSWORD_MIN_LENGTH": 10,
    "PASSWORD_RESET_MAX_AGE_SECONDS": 60 * 60,  # how long a "Forgot your password?" link works
    "PASSWORD_RESET_RATELIMIT": "5 per 15 minutes",  # reset emails asked for per client address
    "PASSWORD_RESET_ADDRESS_RATELIMIT": "3 per hour",  # ... and per email address typed
    # --- comments ---
    "COMMENTS_MAX_DEPTH": 5,
    "COMMENTS_PER_PAGE": 50,
    "COMMENTS_ORDER": "oldest",  # oldest | newest
    "COMMENTS_CLOSE_AFTER_DAYS": 0,  # 0 = never
    "COMMENTS_MODERATION": "first",  # all-approved | first | hold-all
    "COMMENTS_MAX_LINKS": 2,
    "COMMENTS_MAX_LENGTH": 10_000,
    "COMMENTS_MIN_SECONDS": 3,
    "COMMENTS_EDIT_WINDOW_MINUTES": 15,
    "COMMENT_CARDS": True,  # use each comment's stored markup (blog.comments.cards) on public pages
    "COMMENTS_RATELIMIT": "5 per minute;30 per hour",
    "COMMENTS_PREVIEW_RATELIMIT": "30 per minute",  # the comment form's "Preview" (renders, stores nothing)
    "COMMENTS_MODERATION_KEYS": "",
    "COMMENTS_DISALLOWED_KEYS": "",
    "COMMENTS_TRASH_DAYS": 30,
    "POSTS_TRASH_DAYS": 30,
    "COMMENTS_UNDO_SECONDS": 600,  # how long the queue's "Undo" works after an action; 0 = no Undo
    # --- discussion (votes, sorting, reports, bans, notifications) ---
    "COMMENTS_SORT_DEFAULT": "",  # oldest | newest | best; empty = follow COMMENTS_ORDER
    "COMMENTS_VOTES_PER_IP": 5,  # likes one IP address may give one comment (shared homes, offices)
    "COMMENTS_REPORT_HIDE_THRESHOLD": 3,  # open reports that hide a comment until reviewed; 0 = never
    "COMMENTS_NOTIFY_POST_AUTHOR": True,  # email the post's author about each new comment
    "COMMENTS_NOTIFY_MODERATORS": True,  # email moderators about held comments and reports
    "DISCUSSION_LINK_MAX_AGE_DAYS": 30,  # confirmation and moderation links expire after this
    "COMMENTS_GUEST_EMAIL_CONFIRM": False,  # a guest's first comment waits for a click in an email
    # --- webhooks (comment.created, comment.approved, post.published) ---
    "WEBHOOK_URL": "",  # empty = no webhooks
    "WEBHOOK_SECRET": "",  # HMAC-SHA256 key for the X-Sargasso-Signature header
    "WEBHOOK_TIMEOUT": 5,  # seconds per attempt
    "WEBHOOK_MAX_ATTEMPTS": 8,
    "WEBHOOK_RETRY_SECONDS": 30,  # first retry delay; doubles with each attempt
    "ANNOUNCE_CHECK_SECONDS": 60,  # how often each process looks for scheduled posts that came due
    "GRAVATAR": True,
    # --- mail ---
    "MAIL_SERVER": "",
    "MAIL_PORT": 587,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "MAIL_FROM": "Sargasso <noreply@localhost>",
    "MAIL_TIMEOUT": 10,
    "MAIL_MAX_ATTEMPTS": 6,  # then the message is marked failed (shown to the operator)
    "MAIL_RETRY_SECONDS": 60,  # first retry delay; doubles with each attempt
    "MAIL_RESUME_ON_START": True,  # send what a previous run left queued, from the first request on
    "MAIL_LOG_BODIES": False,  # with no MAIL_SERVER, log bodies too (always in debug mode)
    # --- social login (a provider shows only when its client id and secret are both set) ---
    "SOCIAL_HTTP_TIMEOUT": 5,  # seconds for every call to a provider (discovery, token, profile)
    "GOOGLE_CLIENT_ID": "",
    "GOOGLE_CLIENT_SECRET": "",
    "GOOGLE_SERVER_METADATA_URL": "https://accounts.google.com/.well-known/openid-configuration",
    "TWITTER_CLIENT_ID": "",
    "TWITTER_CLIENT_SECRET": "",
    "TWITTER_AUTHORIZE_URL": "https://twitter.com/i/oauth2/authorize",
    "TWITTER_TOKEN_URL": "https://api.twitter.com/2/oauth2/token",
    "TWITTER_API_BASE_URL": "https://api.twitter.com/2/",
    "FACEBOOK_CLIENT_ID": "",
    "FACEBOOK_CLIENT_SECRET": "",
    "FACEBOOK_AUTHORIZE_URL": "https://www.facebook.com/v19.0/dialog/oauth",
    "FACEBOOK_TOKEN_URL": "https://graph.facebook.com/v19.0/oauth/access_token",
    "FACEBOOK_API_BASE_URL": "https://graph.facebook.com/v19.0/",
    "GITHUB_CLIENT_ID": "",
    "GITHUB_CLIENT_SECRET": "",
    "GITHUB_AUTHORIZE_URL": "https://github.com/login/oauth/authorize",
    "GITHUB_TOKEN_URL": "https://github.com/login/oauth/access_token",
    "GITHUB_API_BASE_URL": "https://api.github.com/",
    "OIDC_NAME": "",  # e.g. "Keycloak"; the label on the button
    "OIDC_SERVER_METADATA_URL": "",  # e.g. https://sso.example.org/realms/main/.well-known/openid-configuration
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "EMAIL_LOGIN_MAX_AGE_SECONDS": 15 * 60,
    "EMAIL_LOGIN_RATELIMIT": "5 per 15 minutes",
    # --- media ---
    "MEDIA_ROOT": "",  # default: instance/media
    "MEDIA_MAX_BYTES": 10 * 1024 * 1024,
    "MEDIA_MAX_PIXELS": 40_000_000,
    "MEDIA_VARIANT_WIDTHS": "640,1280",
    "MEDIA_LIBRARY_PAGE_SIZE": 24,  # uploads per page of the editor's "Choose from library"
    # --- reviews ---
    "REVIEW_SCORE_SCALE": 10,  # 5, 10 or 100
    "WORKS_PER_PAGE": 30,  # /works/ browse page
    "WORK_CORRECTIONS_MAX_PENDING": 5,  # a reader's corrections waiting for staff at once
    # --- production: security headers, page cache, logs (blog/security.py, blog/cache/) ---
    "SESSION_COOKIE_SECURE": False,  # True forces Secure; HTTPS requests get it anyway
    "HSTS_MAX_AGE": 365 * 24 * 3600,  # sent only over HTTPS; 0 turns it off
    "HSTS_INCLUDE_SUBDOMAINS": False,
    "CSP_FRAME_SRC": "https:",  # embeds editors may put in posts (iframe players)
    "CSP_MEDIA_SRC": "'self' https:",
    "CSP_EXTRA_FORM_ACTION": "",  # space-separated origins; OAuth providers are added by themselves
    "REDIS_KEY_PREFIX": "sargasso:",  # cache keys; rate limits use it too unless RATELIMIT_KEY_PREFIX
    "PAGE_CACHE_ENABLED": True,
    "PAGE_CACHE_TTL": 600,  # seconds an entry lives at most; changes invalidate it sooner
    "PAGE_CACHE_MAX_BYTES": 32 * 1024 * 1024,  # in-process cache size per worker (no Redis)
    "PAGE_CACHE_BLUEPRINTS": "posts reviews pages",  # GET pages of these are cached for anonymous readers
    "PAGE_CACHE_EXCLUDE": "",  # endpoints never cached, e.g. "posts.search"
    "PAGE_CACHE_SHARED_MAX_AGE": 0,  # s-maxage for nginx/CDN on pages without a form; 0: revalidate
    "LOG_LEVEL": "INFO",
}

#: Plain environment names documented in the README, read as-is (no prefix).
PLAIN_ENV = [
    "SECRET_KEY",
    "SITE_NAME",
    "SITE_URL",
    "SITE_TIMEZONE",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "TRUSTED_PROXIES",
    "LOG_LEVEL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_FROM",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "GOOGLE_SERVER_METADATA_URL",
    "TWITTER_CLIENT_ID",
    "TWITTER_CLIENT_SECRET",
    "TWITTER_AUTHORIZE_URL",
    "TWITTER_TOKEN_URL",
    "TWITTER_API_BASE_URL",
    "FACEBOOK_CLIENT_ID",
    "FACEBOOK_CLIENT_SECRET",
    "FACEBOOK_AUTHORIZE_URL",
    "FACEBOOK_TOKEN_URL",
    "FACEBOOK_API_BASE_URL",
    "GITHUB_CLIENT_ID",
    "GITHUB_CLIENT_SECRET",
    "GITHUB_AUTHORIZE_URL",
    "GITHUB_TOKEN_URL",
    "GITHUB_API_BASE_URL",
    "OIDC_NAME",
    "OIDC_SERVER_METADATA_URL",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
]


class ConfigError(RuntimeError):
    """The configuration cannot run; the message says how to fix it in one line."""


def _coerce(value: str, default: Any) -> Any:
    """Turn an environment string into the type of the default it replaces."""
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the layers described in the module docstring."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name in PLAIN_ENV:
        if name in os.environ:
            app.config[name] = _coerce(os.environ[name], DEFAULTS.get(name, ""))
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    app.config.from_prefixed_env(prefix="BLOG")
    if overrides:
        app.config.update(overrides)

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "sargasso.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file on this machine cannot drop the connection: no ``SELECT 1`` before every request.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_KEY_PREFIX"] + "limits")
    check_config(app)


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` spellings hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_config(app: Flask) -> None:
    """Refuse to run with settings that would be unsafe or meaningless."""
    secret = str(app.config.get("SECRET_KEY") or "")
    if not (app.debug or app.testing) and (secret in INSECURE_SECRET_KEYS or len(secret) < 16):
        raise ConfigError(
            "SECRET_KEY is not set: run `export SECRET_KEY=$(python -c 'import secrets;"
            " print(secrets.token_hex(32))')` (or put it in .env) and start again."
        )
    if not secret:
        # Debug and test runs get a throwaway key so sessions work; never in production.
        app.config["SECRET_KEY"] = os.urandom(32).hex()
        # `flask setup-demo` sees this and writes a lasting key to instance/config.py.
        app.config["SECRET_KEY_IS_THROWAWAY"] = True
    try:
        load_zone(app.config.get("SITE_TIMEZONE"))
    except ValueError as error:
        raise ConfigError(
            f"SITE_TIMEZONE: {error}. Use an IANA time zone name such as Europe/Paris, America/Los_Angeles"
            " or Asia/Tokyo (the TZ identifiers of https://en.wikipedia.org/wiki/List_of_tz_database_time_zones),"
            " or UTC."
        ) from None
    app.config["SITE_TIMEZONE"] = zone_key(app.config.get("SITE_TIMEZONE"))
    if app.config["COMMENTS_MODERATION"] not in {"all-approved", "first", "hold-all"}:
        raise ConfigError("COMMENTS_MODERATION must be one of all-approved, first, hold-all.")
    if str(app.config["COMMENTS_SORT_DEFAULT"]) not in {"", "oldest", "newest", "best"}:
        raise ConfigError("COMMENTS_SORT_DEFAULT must be oldest, newest or best (or empty).")
    if int(app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]) < 60:
        raise ConfigError("PASSWORD_RESET_MAX_AGE_SECONDS must be at least 60 (the default is 3600, one hour).")
    if not 1 <= int(app.config["MEDIA_LIBRARY_PAGE_SIZE"]) <= 200:
        raise ConfigError("MEDIA_LIBRARY_PAGE_SIZE must be from 1 to 200 (the default is 24).")
    if float(app.config["MENU_RECHECK_SECONDS"]) < 0:
        raise ConfigError("MENU_RECHECK_SECONDS must be 0 or more (the default is 10).")
    if int(app.config["REVIEW_SCORE_SCALE"]) not in {5, 10, 100}:
        raise ConfigError("REVIEW_SCORE_SCALE must be 5, 10 or 100.")

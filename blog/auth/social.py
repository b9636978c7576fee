"""Social sign-in routes: ``/login/<provider>`` starts a flow, ``/auth/<provider>/callback`` ends it.

Security, each with a test: a fresh ``state`` per flow (Authlib's, also pinned in our session with
the provider and start time), a ``nonce`` checked in the ID token for OpenID Connect, PKCE where
the provider supports it, ``next`` only a local path, a renewed session at sign-in, sign-out by
POST with CSRF. Whatever goes wrong at the provider ends on the page the reader came from with a
plain message, a log line for the operator, and nothing stored.

The email-link, profile and provider-check routes live in their own modules on this blueprint.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from blog.auth import drafts, readers
from blog.auth.login import safe_next
from blog.auth.providers import Provider, ProviderError, client_for, configured_providers, get_provider
from blog.errors import DomainError
from blog.extensions import db, oauth
from blog.models.accounts import User

log = logging.getLogger("blog.auth.social")

social_bp = Blueprint("social", __name__)

#: Our record of the flow in progress: provider, state, where to return, whom to link to, when.
FLOW_KEY = "social_flow"
#: How long a reader may stay at the provider before the flow is refused as stale.
FLOW_MAX_AGE_SECONDS = 15 * 60
#: The session key naming the provider used to sign in ("You are commenting using your Google account").
PROVIDER_KEY = "login_provider"
#: Session keys that survive the renewal at sign-in: the draft and the guest's own comment ids.
KEPT_ON_SIGN_IN = (drafts.SESSION_KEY, "my_comments")

#: Everything a provider (or the network to it) can throw at us during a flow.
FLOW_ERRORS: tuple[type[BaseException], ...] = (
    AuthlibBaseError,
    JoseError,
    requests.RequestException,
    ProviderError,
    ValueError,
    KeyError,
    TypeError,
)


def site_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL on this site: ``SITE_URL`` when set (behind proxies), else the request's host."""
    base = str(current_app.config.get("SITE_URL") or "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def next_target(default: str | None = None) -> str:
    """The local path to return to (``?next=`` or a form field), else the home page."""
    return safe_next(request.values.get("next")) or default or url_for("posts.home")


def provider_or_404(key: str) -> Provider:
    provider = get_provider(key)
    if provider is None or not provider.is_configured(current_app.config):
        abort(404, description="That sign-in method is not available on this site.")
    return provider


def title_of(provider: Provider) -> str:
    return provider.title(current_app.config)


def start_session(user: User, provider_key: str) -> None:
    """Sign ``user`` in on a new session: nothing planted in the old one survives but the draft."""
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=False, fresh=True)
    session[PROVIDER_KEY] = provider_key
    session.permanent = True


def _forget_authlib_state() -> None:
    """Drop every pending Authlib state entry: one flow at a time keeps the session cookie small."""
    for key in [k for k in session if k.startswith("_state_")]:
        session.pop(key, None)


def begin_flow(provider: Provider, target: str, *, link_user_id: int | None = None) -> Response:
    """Redirect to the provider's consent page with fresh state, nonce and PKCE challenge."""
    client = client_for(provider)
    redirect_uri = site_url_for("social.callback", provider=provider.key)
    try:
        authorization = client.create_authorization_url(redirect_uri)
    except FLOW_ERRORS as exc:
        log.warning("Sign-in with %s could not start (discovery or configuration): %r", provider.key, exc)
        flash(
            f"Sign-in with {title_of(provider)} is not available right now. Try again later, or use another way.",
            "error",
        )
        return redirect(target)
    _forget_authlib_state()
    client.save_authorize_data(redirect_uri=redirect_uri, **{k: v for k, v in authorization.items() if k != "url"})
    session[FLOW_KEY] = {
        "provider": provider.key,
        "state": authorization["state"],
        "next": target,
        "link": link_user_id,
        "at": time.time(),
    }
    return redirect(authorization["url"])


@social_bp.route("/login/<provider>", methods=["GET", "POST"])
def login(provider: str) -> Response:
    """GET from a link, or POST from the comment form's icons carrying the unfinished comment."""
    chosen = provider_or_404(provider)
    target = next_target()
    if request.method == "POST" and drafts.keep_draft_from_form(target) is not None:
        db.session.commit()
    return begin_flow(chosen, target)


#: The comment form's fields a sign-in icon carries (blog.auth.drafts keeps them as a draft).
_DRAFT_FIELDS = ("body", "parent_id", "name", "email", "url")


@social_bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Response:
    """A sign-in icon of the comment form on a page served from the cache, pressed without
    JavaScript, arrives with no token (a cached page carries none): ask once more with a button
    that has one and the comment being written, instead of losing the text to a bare 400."""
    if request.endpoint in ("social.login", "social.email_login_start"):
        key = (request.view_args or {}).get("provider")
        provider = get_provider(str(key)) if key else None
        label = "your email address" if provider is None else title_of(provider)
        fields = [(name, request.form.get(name, "")) for name in _DRAFT_FIELDS if request.form.get(name)]
        query = request.query_string.decode("utf-8", "replace")
        return make_response(
            render_template(
                "auth/continue_sign_in.html",
                title="Log in to comment",
                button=f"Continue with {label}",
                action=request.path + (f"?{query}" if query else ""),
                fields=fields,
                back=next_target(),
            ),
            400,
        )
    return make_response(render_template("errors/generic.html", error=error), 400)


def _fail(provider: Provider, target: str, message: str, reason: str, *args: Any) -> Response:
    db.session.rollback()
    _forget_authlib_state()
    log.warning("Sign-in with %s failed: " + reason, provider.key, *args)
    flash(message, "error")
    return redirect(target)


@social_bp.get("/auth/<provider>/callback")
def callback(provider: str) -> Response:
    chosen = provider_or_404(provider)
    label = title_of(chosen)
    flow = session.pop(FLOW_KEY, None)
    flow = flow if isinstance(flow, dict) else {}
    target = safe_next(flow.get("next")) or url_for("posts.home")

    error = request.args.get("error")
    if error:
        description = request.args.get("error_description", "")[:200]
        if error == "access_denied" or request.args.get("error_reason") == "user_denied":
            return _fail(chosen, target, f"Sign-in with {label} was cancelled.", "the reader cancelled (%s)", error)
        return _fail(
            chosen,
            target,
            f"Sign-in with {label} did not work. Please try again, or use another way to sign in.",
            "the provider answered error=%s (%s)",
            error[:60],
            description,
        )

    state = request.args.get("state", "")
    started = flow.get("at")
    if (
        flow.get("provider") != chosen.key
        or not state
        or not hmac.compare_digest(str(flow.get("state", "")), state)
        or not isinstance(started, int | float)
        or time.time() - started > FLOW_MAX_AGE_SECONDS
    ):
        return _fail(
            chosen,
            target,
            f"Sign-in with {label} could not be completed: it expired or did not start here. Please try again.",
            "state missing, mismatched or expired (flow for %r)",
            flow.get("provider"),
        )

    client = client_for(chosen)
    try:
        token = client.authorize_access_token()
        profile = chosen.read_profile(client, token, current_app.config)
    except FLOW_ERRORS as exc:
        return _fail(
            chosen,
            target,
            f"Sign-in with {label} did not work. Please try again, or use another way to sign in.",
            "%s: %s",
            type(exc).__name__,
            exc,
        )
    finally:
        # No access token outlives the request: we read the profile and forget it.
        g.pop(f"_oauth_token_{chosen.key}", None)

    link_to: User | None = None
    if flow.get("link") is not None:
        if not current_user.is_authenticated or current_user.id != flow.get("link"):
            return _fail(
                chosen,
                target,
                "You were signed out before the link was made. Sign in and try linking again.",
                "link requested for user %s but the session changed",
                flow.get("link"),
            )
        link_to = current_user._get_current_object()  # type: ignore[attr-defined]

    try:
        result = readers.sign_in_with(profile, link_to=link_to, label=label)
        db.session.commit()
    except DomainError as exc:
        return _fail(chosen, target, exc.message, "refused for %s: %s", profile.provider_user_id, exc.message)
    except IntegrityError as exc:
        return _fail(
            chosen,
            target,
            f"Sign-in with {label} did not work. Please try again.",
            "could not store identity %s: %s",
            profile.provider_user_id,
            exc.orig,
        )

    if link_to is not None:
        flash(f"Your {label} account is now linked: you can sign in with it.", "success")
        return redirect(target)
    start_session(result.user, chosen.key)
    log.info("User %s signed in with %s%s", result.user.id, chosen.key, " (new account)" if result.created else "")
    flash(f"Signed in with {label} as {result.user.name}.", "success")
    return redirect(target)


@social_bp.post("/auth/sign-out")
def sign_out() -> Response:
    """The comment box's "Log Out": a POST with the comment form's CSRF token; the draft stays."""
    target = next_target()
    logout_user()
    session.clear()
    if drafts.keep_draft_from_form(target) is not None:
        db.session.commit()
    flash("You are signed out.", "success")
    return redirect(target)


@social_bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str:
    """Every way in on one page: the comment box's "Change", and where the profile page sends strangers.

    A POST comes from the comment form and keeps its draft before showing the choices.
    """
    target = next_target()
    if request.method == "POST":
        if drafts.keep_draft_from_form(target) is not None:
            db.session.commit()
        return redirect(url_for("social.sign_in", next=target))
    return render_template("auth/sign_in.html", next=target)


@dataclass(frozen=True)
class SignInWords:
    """What the readers' ways in are called, from the providers actually configured (their
    titles). With none, an emailed link is the only way in and every page says "by email"
    instead of offering accounts the site does not take. The one place for this wording: the
    comment form, ``/sign-in`` and ``/login/email`` print it."""

    providers: tuple[str, ...] = ()

    @property
    def provider_names(self) -> str:
        """The titles as a sentence says them: "Google", "Google or GitHub", "Google, GitHub or Facebook"."""
        *first, last = self.providers or ("",)
        return f"{', '.join(first)} or {last}" if first else last

    @property
    def comment_prompt(self) -> str:
        way = "click an icon to log in" if self.providers else "sign in by email"
        return f"Fill in your details below or {way}:"

    @property
    def email_button(self) -> str:
        return "Log in with a link sent by email" if self.providers else "Email me a sign-in link"

    @property
    def sign_in_lead(self) -> str:
        if not self.providers:
            return "We'll email you a link that signs you in: no password to remember, no other account needed."
        return (
            f"Use an account you already have ({self.provider_names}) or get a sign-in link by email. From a "
            "provider we only read your name, picture and (when it shares it) your email address."
        )

    @property
    def email_login_help(self) -> str:
        if not self.providers:
            return "A new address gets a reader account; a new link is all you need to sign in again."
        return f"A new address gets a reader account; you can add {self.provider_names} later on your profile page."


def _template_context() -> dict[str, Any]:
    config = current_app.config
    key = session.get(PROVIDER_KEY)
    chosen = get_provider(key) if isinstance(key, str) else None
    providers = [(p.key, p.title(config)) for p in configured_providers(config)]
    return {
        "social_providers": providers,
        "sign_in_words": SignInWords(tuple(title for _key, title in providers)),
        "social_login_label": chosen.title(config) if chosen is not None else "",
        "social_login_method": key if isinstance(key, str) else "",
    }


def init_app(app: Flask) -> None:
    """Bind Authlib, the template helpers and the draft restore; register the routes."""
    from blog import cache
    from blog.admin import nav
    from blog.auth.permissions import can_manage_site

    cache.ignore_table("comment_drafts")  # a reader's unsent text never shows on a cached page
    nav.add_link(nav.NavLink("social.provider_check", "Sign-in providers", can_manage_site, 85))
    oauth.init_app(app)
    app.context_processor(_template_context)
    app.before_request(drafts.restore_draft)
    app.register_blueprint(social_bp)


# Route modules that share the blueprint (imported for their side effect of registering routes).
from blog.auth import email_login, profile, provider_check  # noqa: E402, F401

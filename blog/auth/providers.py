"""The sign-in providers: one small mapping each, from settings to an Authlib client and a profile.

A provider is offered only when its client id and secret are set. Every endpoint is a setting
(defaults are the real providers' URLs), so tests and self-hosters can point them elsewhere.
Clients are Authlib's Flask OAuth 2 clients, built per app from its settings and cached on the
app, so two apps in one process (tests) never share a provider configuration.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import FlaskOAuth2App
from flask import current_app

from blog.extensions import oauth

CLIENTS_KEY = "sargasso_oauth_clients"


class ProviderError(Exception):
    """The provider answered, but not with what we need (no id, malformed JSON...)."""


@dataclass(frozen=True)
class Profile:
    """What a provider told us about the person, normalised. Nothing here is a secret."""

    provider: str
    provider_user_id: str
    name: str = ""
    username: str = ""
    email: str | None = None
    #: True only when the provider itself vouches for the address (OIDC ``email_verified``,
    #: GitHub's ``verified``). Decides whether an existing account may be joined by email.
    email_verified: bool = False
    avatar_url: str | None = None

    @property
    def display_name(self) -> str:
        return (self.name or self.username or "Reader").strip()[:120]


ProfileReader = Callable[[FlaskOAuth2App, dict[str, Any], Mapping[str, Any]], Profile]


@dataclass(frozen=True)
class Provider:
    key: str  # in URLs: /login/<key>, /auth/<key>/callback
    label: str  # "Google"; the generic OIDC slot takes it from OIDC_NAME
    prefix: str  # settings prefix: GOOGLE_CLIENT_ID...
    scope: str
    read_profile: ProfileReader
    oidc: bool = False
    pkce: bool = False
    client_auth_method: str = "client_secret_basic"
    #: Where an operator registers the app (README and the admin check page).
    console_url: str = ""

    def title(self, config: Mapping[str, Any]) -> str:
        if self.key == "oidc":
            return str(config.get("OIDC_NAME") or "") or "OpenID Connect"
        return self.label

    def url_settings(self) -> tuple[str, ...]:
        if self.oidc:
            return (f"{self.prefix}_SERVER_METADATA_URL",)
        return (f"{self.prefix}_AUTHORIZE_URL", f"{self.prefix}_TOKEN_URL", f"{self.prefix}_API_BASE_URL")

    def is_configured(self, config: Mapping[str, Any]) -> bool:
        if not (config.get(f"{self.prefix}_CLIENT_ID") and config.get(f"{self.prefix}_CLIENT_SECRET")):
            return False
        return all(config.get(name) for name in self.url_settings())


# ----------------------------------------------------------------------------- profile readers


def _clean_url(value: Any) -> str | None:
    """Avatar URLs from providers: http(s) only, never ``javascript:`` or data URLs."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 500:
        return value
    return None


def _required_id(value: Any, provider: str) -> str:
    if isinstance(value, int | str) and str(value).strip():
        return str(value).strip()[:255]
    raise ProviderError(f"{provider} returned a profile without a user id")


def _json(response: Any, provider: str) -> Any:
    response.raise_for_status()
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderError(f"{provider} returned a profile that is not JSON") from exc


def _text(value: Any, limit: int = 120) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _email(value: Any) -> str | None:
    if isinstance(value, str) and "@" in value and len(value) <= 254:
        return value.strip().lower()
    return None


def read_oidc_claims(client: FlaskOAuth2App, token: dict[str, Any], config: Mapping[str, Any]) -> Profile:
    """Google and any OpenID Connect server: the verified ID token's claims (Authlib checked the
    signature against the provider's JWKS, the issuer, audience, expiry and our nonce)."""
    claims = token.get("userinfo")
    if not claims:
        raise ProviderError(f"{client.name} sent no ID token")
    claims = dict(claims)
    if not (claims.get("email") and claims.get("name")) and client.server_metadata.get("userinfo_endpoint"):
        extra = _json(client.get(client.server_metadata["userinfo_endpoint"], token=token), client.name)
        if isinstance(extra, dict) and str(extra.get("sub")) == str(claims.get("sub")):
            claims = {**extra, **claims}
    verified = claims.get("email_verified")
    return Profile(
        provider=client.name,
        provider_user_id=_required_id(claims.get("sub"), client.name),
        name=_text(claims.get("name")),
        username=_text(claims.get("preferred_username")),
        email=_email(claims.get("email")),
        email_verified=verified is True or verified == "true",
        avatar_url=_clean_url(claims.get("picture")),
    )


def read_twitter(client: FlaskOAuth2App, token: dict[str, Any], config: Mapping[str, Any]) -> Profile:
    """X API v2 ``GET /2/users/me``: ``{"data": {"id", "name", "username", "profile_image_url"}}``. No email."""
    body = _json(client.get("users/me", params={"user.fields": "profile_image_url"}, token=token), "twitter")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ProviderError("twitter returned no user data")
    return Profile(
        provider="twitter",
        provider_user_id=_required_id(data.get("id"), "twitter"),
        name=_text(data.get("name")),
        username=_text(data.get("username")),
        avatar_url=_clean_url(data.get("profile_image_url")),
    )


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """Facebook's ``appsecret_proof``: HMAC-SHA256 of the access token keyed with the app secret."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def read_facebook(client: FlaskOAuth2App, token: dict[str, Any], config: Mapping[str, Any]) -> Profile:
    """Graph API ``GET /me?fields=id,name,email,picture``, signed with ``appsecret_proof``.

    Facebook does not say whether the email was confirmed, so it never joins an existing account.
    """
    proof = appsecret_proof(str(token.get("access_token", "")), str(config["FACEBOOK_CLIENT_SECRET"]))
    params = {"fields": "id,name,email,picture", "appsecret_proof": proof}
    data = _json(client.get("me", params=params, token=token), "facebook")
    if not isinstance(data, dict):
        raise ProviderError("facebook returned no user data")
    picture = data.get("picture")
    picture_data = picture.get("data") if isinstance(picture, dict) else None
    avatar = None
    if isinstance(picture_data, dict) and not picture_data.get("is_silhouette"):
        avatar = _clean_url(picture_data.get("url"))
    return Profile(
        provider="facebook",
        provider_user_id=_required_id(data.get("id"), "facebook"),
        name=_text(data.get("name")),
        email=_email(data.get("email")),
        email_verified=False,
        avatar_url=avatar,
    )


def read_github(client: FlaskOAuth2App, token: dict[str, Any], config: Mapping[str, Any]) -> Profile:
    """REST ``GET /user`` for the profile and ``GET /user/emails`` for a primary, verified address."""
    headers = {"Accept": "application/vnd.github+json"}
    user = _json(client.get("user", token=token, headers=headers), "github")
    if not isinstance(user, dict):
        raise ProviderError("github returned no user data")
    email, verified = None, False
    emails_response = client.get("user/emails", token=token, headers=headers)
    if emails_response.status_code == 200:
        emails = _json(emails_response, "github")
        for entry in emails if isinstance(emails, list) else []:
            if isinstance(entry, dict) and entry.get("primary") and entry.get("verified"):
                email, verified = _email(entry.get("email")), True
                break
    if email is None:
        email = _email(user.get("email"))  # the public profile email: not known to be verified
    return Profile(
        provider="github",
        provider_user_id=_required_id(user.get("id"), "github"),
        name=_text(user.get("name")),
        username=_text(user.get("login")),
        email=email,
        email_verified=verified,
        avatar_url=_clean_url(user.get("avatar_url")),
    )


PROVIDERS: dict[str, Provider] = {
    p.key: p
    for p in (
        Provider(
            key="google",
            label="Google",
            prefix="GOOGLE",
            scope="openid email profile",
            read_profile=read_oidc_claims,
            oidc=True,
            pkce=True,
            console_url="https://console.cloud.google.com/apis/credentials",
        ),
        Provider(
            key="twitter",
            label="Twitter",
            prefix="TWITTER",
            scope="users.read tweet.read",
            read_profile=read_twitter,
            pkce=True,
            console_url="https://developer.x.com/en/portal/dashboard",
        ),
        Provider(
            key="facebook",
            label="Facebook",
            prefix="FACEBOOK",
            scope="email public_profile",
            read_profile=read_facebook,
            client_auth_method="client_secret_post",
            console_url="https://developers.facebook.com/apps/",
        ),
        Provider(
            key="github",
            label="GitHub",
            prefix="GITHUB",
            scope="read:user user:email",
            read_profile=read_github,
            pkce=True,
            client_auth_method="client_secret_post",
            console_url="https://github.com/settings/developers",
        ),
        Provider(
            key="oidc",
            label="OpenID Connect",
            prefix="OIDC",
            scope="openid email profile",
            read_profile=read_oidc_claims,
            oidc=True,
            pkce=True,
            console_url="",
        ),
    )
}


def get_provider(key: str) -> Provider | None:
    return PROVIDERS.get(key)


def configured_providers(config: Mapping[str, Any] | None = None) -> list[Provider]:
    """Providers with a client id and secret, in the order the comment box shows them."""
    config = config if config is not None else current_app.config
    return [p for p in PROVIDERS.values() if p.is_configured(config)]


def _client_kwargs(provider: Provider, config: Mapping[str, Any]) -> dict[str, Any]:
    prefix = provider.prefix
    client_kwargs: dict[str, Any] = {
        "scope": provider.scope,
        "token_endpoint_auth_method": provider.client_auth_method,
        "default_timeout": float(config["SOCIAL_HTTP_TIMEOUT"]),
    }
    if provider.pkce:
        client_kwargs["code_challenge_method"] = "S256"
    kwargs: dict[str, Any] = {
        "client_id": config[f"{prefix}_CLIENT_ID"],
        "client_secret": config[f"{prefix}_CLIENT_SECRET"],
        "client_kwargs": client_kwargs,
    }
    if provider.oidc:
        kwargs["server_metadata_url"] = config[f"{prefix}_SERVER_METADATA_URL"]
    else:
        kwargs["authorize_url"] = config[f"{prefix}_AUTHORIZE_URL"]
        kwargs["access_token_url"] = config[f"{prefix}_TOKEN_URL"]
        kwargs["api_base_url"] = config[f"{prefix}_API_BASE_URL"]
    return kwargs


def client_for(provider: Provider) -> FlaskOAuth2App:
    """The Authlib client of ``provider`` for the current app, rebuilt when its settings change."""
    kwargs = _client_kwargs(provider, current_app.config)
    fingerprint = repr(sorted((k, repr(v)) for k, v in kwargs.items()))
    cache: dict[str, tuple[str, FlaskOAuth2App]] = current_app.extensions.setdefault(CLIENTS_KEY, {})
    cached = cache.get(provider.key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    framework = oauth.framework_integration_cls(provider.key, oauth.cache)
    client = oauth.oauth2_client_cls(framework, provider.key, **kwargs)
    cache[provider.key] = (fingerprint, client)
    return client  # type: ignore[no-any-return]

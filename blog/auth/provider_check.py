"""The admin's provider check: is each sign-in provider set up, reachable, and registered right?

Runs live requests (with the short ``SOCIAL_HTTP_TIMEOUT``) when an administrator opens the page,
and says in one line per problem what to fix, plus the exact callback URL to register.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app, render_template

from blog.auth.permissions import can_manage_site, require
from blog.auth.providers import PROVIDERS, Provider
from blog.auth.social import site_url_for, social_bp


@dataclass
class Check:
    ok: bool
    text: str


@dataclass
class ProviderReport:
    key: str
    title: str
    configured: bool
    callback_url: str
    console_url: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.configured and all(c.ok for c in self.checks)


def _reach(method: str, url: str, timeout: float, what: str) -> tuple[Check, requests.Response | None]:
    """Any answer below 500 means the endpoint exists (an authorize URL without parameters says 400)."""
    try:
        response = requests.request(method, url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return Check(False, f"{what} {url} is unreachable: {type(exc).__name__}."), None
    if response.status_code >= 500:
        return Check(False, f"{what} {url} answered HTTP {response.status_code}."), response
    return Check(True, f"{what} {url} answers (HTTP {response.status_code})."), response


def _check_oidc(provider: Provider, config: Mapping[str, Any], timeout: float) -> list[Check]:
    url = str(config[f"{provider.prefix}_SERVER_METADATA_URL"])
    check, response = _reach("GET", url, timeout, "Discovery document")
    if response is None or not check.ok or response.status_code != 200:
        return [
            check if not check.ok else Check(False, f"Discovery document {url} answered HTTP {response.status_code}.")
        ]  # type: ignore[union-attr]
    try:
        metadata = response.json()
    except ValueError:
        return [Check(False, f"Discovery document {url} is not JSON.")]
    if not isinstance(metadata, dict):
        return [Check(False, f"Discovery document {url} is not a JSON object.")]
    checks = [Check(True, f"Discovery document {url} loads (issuer {metadata.get('issuer', '?')}).")]
    for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not metadata.get(name):
            checks.append(Check(False, f"The discovery document has no {name}."))
    if metadata.get("token_endpoint"):
        checks.append(_reach("POST", str(metadata["token_endpoint"]), timeout, "Token endpoint")[0])
    if metadata.get("jwks_uri"):
        jwks_check, jwks = _reach("GET", str(metadata["jwks_uri"]), timeout, "Signing keys (JWKS)")
        if jwks is not None and jwks.status_code == 200:
            try:
                keys = jwks.json().get("keys") or []
            except (ValueError, AttributeError):
                keys = []
            jwks_check = (
                Check(True, f"Signing keys (JWKS): {len(keys)} published.")
                if keys
                else Check(False, "The JWKS publishes no keys: ID tokens could not be verified.")
            )
        checks.append(jwks_check)
    return checks


def _check_oauth2(provider: Provider, config: Mapping[str, Any], timeout: float) -> list[Check]:
    prefix = provider.prefix
    return [
        _reach("GET", str(config[f"{prefix}_AUTHORIZE_URL"]), timeout, "Authorize URL")[0],
        _reach("POST", str(config[f"{prefix}_TOKEN_URL"]), timeout, "Token URL")[0],
        _reach("GET", str(config[f"{prefix}_API_BASE_URL"]), timeout, "API base URL")[0],
    ]


def check_provider(provider: Provider, config: Mapping[str, Any]) -> ProviderReport:
    prefix = provider.prefix
    report = ProviderReport(
        key=provider.key,
        title=provider.title(config),
        configured=provider.is_configured(config),
        callback_url=site_url_for("social.callback", provider=provider.key),
        console_url=provider.console_url,
    )
    has_id, has_secret = bool(config.get(f"{prefix}_CLIENT_ID")), bool(config.get(f"{prefix}_CLIENT_SECRET"))
    if not has_id and not has_secret:
        report.checks.append(Check(False, f"Not enabled: set {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET."))
        return report
    report.checks.append(Check(has_id, f"{prefix}_CLIENT_ID is set." if has_id else f"{prefix}_CLIENT_ID is missing."))
    report.checks.append(
        Check(has_secret, f"{prefix}_CLIENT_SECRET is set." if has_secret else f"{prefix}_CLIENT_SECRET is missing.")
    )
    missing = [name for name in provider.url_settings() if not config.get(name)]
    for name in missing:
        report.checks.append(Check(False, f"{name} is empty."))
    if provider.key == "oidc" and not config.get("OIDC_NAME"):
        report.checks.append(Check(False, "OIDC_NAME is empty: the button would say “OpenID Connect”."))
    if missing:
        return report
    timeout = float(config["SOCIAL_HTTP_TIMEOUT"])
    checker = _check_oidc if provider.oidc else _check_oauth2
    report.checks.extend(checker(provider, config, timeout))
    return report


@social_bp.get("/admin/providers")
@require(can_manage_site)
def provider_check() -> str:
    config = current_app.config
    reports = [check_provider(p, config) for p in PROVIDERS.values()]
    return render_template("auth/provider_check.html", reports=reports, site_url=config.get("SITE_URL") or "")

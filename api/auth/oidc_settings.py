"""OpenID Connect providers read from the environment (README: "Single sign-on").

One provider, the short form:

    OIDC_ISSUER=https://accounts.google.com   OIDC_CLIENT_ID=...   OIDC_CLIENT_SECRET=...
    OIDC_SCOPES="openid email profile"          OIDC_LABEL=Google   (OIDC_NAME=sso)

Several providers: `OIDC_PROVIDERS=google,okta` and, for each name, `OIDC_<NAME>_ISSUER`,
`_CLIENT_ID`, `_CLIENT_SECRET`, `_SCOPES`, `_LABEL` (NAME upper-cased, dashes as underscores).
No issuer and no list: no provider, the buttons are hidden and only passwords sign in.

Also `OIDC_AUTO_APPROVE_DOMAINS` (comma-separated email domains whose new accounts are active at
once, as employees) and `PASSWORD_SIGN_IN` (`all`, the default, or `admins-only`). On Lambda each
variable may come from an SSM parameter under TASKDESK_SSM_PATH (`oidc-client-secret` ->
OIDC_CLIENT_SECRET, see handlers/environment.py), a SecureString for the secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
DEFAULT_SCOPES = "openid email profile"
PASSWORD_SIGN_IN_MODES = ("all", "admins-only")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class OIDCConfigError(ValueError):
    """A provider setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Provider:
    """One OpenID Provider: `name` is the URL slug (/sign-in/oidc/<name>), `label` the button's.

    `issuer` is the exact `iss` value (OpenID Connect Discovery 1.0 §4.3): the discovery
    document is read from `<issuer>/.well-known/openid-configuration`.
    """

    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = DEFAULT_SCOPES
    label: str = "single sign-on"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def __repr__(self) -> str:  # never print the secret
        return f"Provider({self.name!r}, issuer={self.issuer!r}, client_id={self.client_id!r})"


def _get(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def _provider(environ: Mapping[str, str], name: str, prefix: str, production: bool) -> Provider:
    issuer = _get(environ, f"{prefix}ISSUER")
    client_id = _get(environ, f"{prefix}CLIENT_ID")
    secret = _get(environ, f"{prefix}CLIENT_SECRET")
    for variable, value in (("ISSUER", issuer), ("CLIENT_ID", client_id)):
        if not value:
            raise OIDCConfigError(f"{prefix}{variable} must be set for provider {name!r}")
    if not secret:
        raise OIDCConfigError(f"{prefix}CLIENT_SECRET must be set for provider {name!r}")
    parts = urlsplit(issuer)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not parts.hostname or (parts.scheme != "https" and not local) or parts.query:
        raise OIDCConfigError(
            f"{prefix}ISSUER must be an https:// URL without a query, got {issuer!r}"
        )
    if production and local:
        raise OIDCConfigError(f"{prefix}ISSUER must use https:// in production")
    scopes = " ".join(_get(environ, f"{prefix}SCOPES").replace(",", " ").split()) or DEFAULT_SCOPES
    if "openid" not in scopes.split():
        raise OIDCConfigError(f"{prefix}SCOPES must include openid, got {scopes!r}")
    label = _get(environ, f"{prefix}LABEL") or (name if name != "sso" else "single sign-on")
    return Provider(name, issuer, client_id, secret, scopes, label[:60])


def providers_from_env(
    environ: Mapping[str, str], production: bool = False
) -> tuple[Provider, ...]:
    """The configured providers, in the order of OIDC_PROVIDERS; () when none is configured.

    Raises OIDCConfigError naming the variable when a provider is incomplete or malformed
    (a name outside [a-z][a-z0-9-]*, an issuer that is not https, scopes without openid).
    """
    listed = [n.strip().lower() for n in _get(environ, "OIDC_PROVIDERS").split(",") if n.strip()]
    if not listed:
        if not _get(environ, "OIDC_ISSUER"):
            return ()
        name = _get(environ, "OIDC_NAME").lower() or "sso"
        if not NAME_RE.match(name):
            raise OIDCConfigError(f"OIDC_NAME must match {NAME_RE.pattern}, got {name!r}")
        return (_provider(environ, name, "OIDC_", production),)
    found: list[Provider] = []
    for name in listed:
        if not NAME_RE.match(name):
            raise OIDCConfigError(f"OIDC_PROVIDERS: {name!r} must match {NAME_RE.pattern}")
        if any(p.name == name for p in found):
            raise OIDCConfigError(f"OIDC_PROVIDERS names {name!r} twice")
        prefix = "OIDC_" + name.upper().replace("-", "_") + "_"
        found.append(_provider(environ, name, prefix, production))
    return tuple(found)


def settings_from_env(environ: Mapping[str, str], production: bool = False) -> dict[str, Any]:
    """OIDC_PROVIDERS, OIDC_AUTO_APPROVE_DOMAINS and PASSWORD_SIGN_IN for `app.config`.

    Only the keys whose variables are set are returned (the settings class holds defaults).
    Raises OIDCConfigError on a malformed value.
    """
    settings: dict[str, Any] = {}
    providers = providers_from_env(environ, production)
    if providers:
        settings["OIDC_PROVIDERS"] = providers
    domains = _get(environ, "OIDC_AUTO_APPROVE_DOMAINS")
    if domains:
        settings["OIDC_AUTO_APPROVE_DOMAINS"] = tuple(
            d.strip().lower().lstrip("@") for d in domains.split(",") if d.strip()
        )
    mode = _get(environ, "PASSWORD_SIGN_IN").lower()
    if mode:
        if mode not in PASSWORD_SIGN_IN_MODES:
            raise OIDCConfigError(
                f"PASSWORD_SIGN_IN must be one of {', '.join(PASSWORD_SIGN_IN_MODES)}, got {mode!r}"
            )
        settings["PASSWORD_SIGN_IN"] = mode
    return settings

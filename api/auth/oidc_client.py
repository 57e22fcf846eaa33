"""The OpenID Connect relying party, through Authlib: no hand-written token or JWKS handling.

Authorization code flow (OpenID Connect Core 1.0 §3.1) with PKCE S256 (RFC 7636), `state` and
`nonce`. Authlib reads the provider's discovery document from its issuer, keeps the state,
nonce and code verifier in the signed Flask session cookie (one hour at most, spent by the
callback: a replayed callback finds no state), exchanges the code, fetches the JWKS and checks
the ID token's signature, `iss`, `aud`, `exp`, `iat` and `nonce` (§3.1.3.7). This module turns
every failure into a message for the person (`SignInRefused`, `ProviderUnavailable`).

Authlib and requests are imported on first use: a cold start without single sign-on pays
nothing for them.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, request, url_for

from api.auth.oidc_settings import Provider
from api.errors import DomainError

log = logging.getLogger(__name__)

CLIENTS_KEY = "taskdesk_oidc_clients"


class SignInRefused(DomainError):
    """The provider's answer cannot be trusted or was negative (400); nothing was created."""

    code = 400


class ProviderUnavailable(DomainError):
    """The provider did not answer, or answered with something that is not OpenID (502)."""

    code = 502


def _client(provider: Provider) -> Any:
    """The Authlib client of `provider`, built once per app and provider settings."""
    clients: dict[Provider, Any] = current_app.extensions.setdefault(CLIENTS_KEY, {})
    client = clients.get(provider)
    if client is None:
        from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App

        client = FlaskOAuth2App(
            FlaskIntegration(provider.name),
            name=provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "default_timeout": current_app.config["OIDC_HTTP_TIMEOUT"],
            },
        )
        clients[provider] = client
    return client


def redirect_uri(provider: Provider) -> str:
    """The callback URL registered at the provider: APP_BASE_URL + /sign-in/oidc/<name>/callback.

    Built from APP_BASE_URL, not from the request's Host header: behind API Gateway / CloudFront
    (Lambda) the request's host is not the public one, and a forged Host must not choose it.
    """
    path = url_for("oidc_web.callback", provider=provider.name)
    return current_app.config["APP_BASE_URL"].rstrip("/") + path


def _unavailable(provider: Provider, exc: Exception) -> ProviderUnavailable:
    log.warning("provider %s unavailable: %s", provider.name, exc)
    return ProviderUnavailable(
        f"{provider.label} cannot be reached right now. Try again in a moment."
    )


def begin(provider: Provider) -> Response:
    """Redirect to the provider's authorization endpoint (state, nonce, PKCE saved in session).

    Raises ProviderUnavailable when the discovery document cannot be read.
    """
    import requests

    client = _client(provider)
    try:
        check_issuer(provider, client.load_server_metadata())
        return client.authorize_redirect(redirect_uri(provider))
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        raise _unavailable(provider, exc) from exc


def _token_message(provider: Provider, exc: Exception) -> str:
    """What went wrong with the ID token, in words (the claim names of RFC 7519)."""
    from joserfc.errors import BadSignatureError, ClaimError

    label = provider.label
    claim = getattr(exc, "claim", None) if isinstance(exc, ClaimError) else None
    messages = {
        "exp": f"The sign-in from {label} has expired. Start again.",
        "aud": f"{label} sent an identity token issued for another application.",
        "azp": f"{label} sent an identity token issued for another application.",
        "nonce": f"{label} sent an identity token that does not belong to this sign-in.",
        "iss": f"The identity token does not come from {label}.",
        "iat": f"{label} sent an identity token with a wrong issue time.",
    }
    if claim in messages:
        return messages[claim]
    if isinstance(exc, BadSignatureError):
        return f"The identity token's signature does not match {label}'s keys."
    return f"{label} sent an identity token that taskdesk cannot accept."


def finish(provider: Provider) -> dict[str, Any]:
    """Complete the sign-in on the callback request; return the verified ID token claims.

    The claims hold at least `iss` and `sub`; `email` and `email_verified` come from the ID
    token or, when it has none, from the UserInfo endpoint (whose `sub` must match, §5.3.2).
    Raises SignInRefused for a missing or wrong state, an error answer (the person cancelled),
    a refused or replayed code, and an ID token that fails a check; ProviderUnavailable when
    the provider cannot be reached.
    """
    import requests
    from authlib.integrations.base_client import MismatchingStateError, OAuthError
    from joserfc.errors import JoseError

    client = _client(provider)
    label = provider.label
    try:
        metadata = client.load_server_metadata()
        check_issuer(provider, metadata)
        returned_iss = request.args.get("iss")
        if returned_iss is not None and returned_iss != metadata.get("issuer"):
            # RFC 9207: the answer names another issuer (a mix-up attack)
            raise SignInRefused(f"The answer does not come from {label}. Start again.")
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise SignInRefused(f"{label} sent no identity token. Start again.")
        if "email" not in claims and metadata.get("userinfo_endpoint"):
            extra = dict(client.userinfo(token=token))
            if extra.get("sub") == claims["sub"]:
                claims.update({k: extra[k] for k in ("email", "email_verified") if k in extra})
    except MismatchingStateError as exc:
        raise SignInRefused(
            f"This sign-in with {label} could not be verified: it was already used, has "
            "expired, or was started in another browser. Start again."
        ) from exc
    except OAuthError as exc:
        log.info("provider %s refused: %s %s", provider.name, exc.error, exc.description)
        if exc.error == "access_denied":
            message = f"The sign-in with {label} was cancelled."
        elif exc.error == "invalid_grant":
            message = f"{label} refused the sign-in code: it was already used or has expired."
        else:
            message = f"{label} refused the sign-in ({exc.error or 'unknown error'})."
        raise SignInRefused(message + " Start again.") from exc
    except JoseError as exc:
        log.warning("ID token from %s refused: %s", provider.name, exc)
        raise SignInRefused(_token_message(provider, exc)) from exc
    except requests.RequestException as exc:
        raise _unavailable(provider, exc) from exc
    except (ValueError, KeyError, TypeError, RuntimeError) as exc:
        log.warning("unreadable answer from %s: %r", provider.name, exc)
        raise SignInRefused(f"{label} sent an answer taskdesk cannot read. Start again.") from exc
    return claims


def check_issuer(provider: Provider, metadata: dict[str, Any]) -> None:
    """Discovery 1.0 §4.3: the document's `issuer` must be the issuer it was read from.

    Raises ProviderUnavailable (a misconfigured issuer: an administrator must fix it).
    """
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        log.error(
            "provider %s: discovery names issuer %r, configured %r",
            provider.name,
            metadata.get("issuer"),
            provider.issuer,
        )
        raise ProviderUnavailable(
            f"{provider.label} is not set up correctly (issuer mismatch). Tell an administrator."
        )

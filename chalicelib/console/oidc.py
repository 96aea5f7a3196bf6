"""Signing in to the console: OpenID Connect authorization-code flow with PKCE (RFC 7636, S256).

1. `begin`: a fresh `state`, `nonce` and code verifier; the browser goes to the identity provider's authorization
   endpoint with the verifier's S256 challenge, and the three are kept in the sealed flow cookie.
2. The provider sends the browser back to the redirect URI with `code` and `state`; `finish` checks the state,
   exchanges the code (with the verifier) at the token endpoint and checks the ID token against the provider's
   JWKS exactly as the API checks bearer tokens (RS256, issuer, audience = this client id, expiry), plus its
   nonce. Only operators, officials and administrators get a session: a citizen's sign-in is refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from chalicelib.config import Settings
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import DomainError

SCOPE = "openid profile"


class SignInFailed(DomainError):
    status = 401
    code = "console.sign_in_failed"


class NotStaff(DomainError):
    status = 403
    code = "console.staff_only"


class ConsoleNotConfigured(DomainError):
    status = 503
    code = "console.not_configured"


@dataclass(frozen=True)
class SignInFlow:
    state: str
    nonce: str
    verifier: str
    language: str

    @classmethod
    def new(cls, language: str) -> SignInFlow:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48), language)

    @property
    def challenge(self) -> str:
        return pkce_challenge(self.verifier)

    def to_dict(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "verifier": self.verifier, "language": self.language}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignInFlow | None:
        try:
            return cls(str(data["state"]), str(data["nonce"]), str(data["verifier"]), str(data["language"]))
        except KeyError:
            return None


def pkce_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding (RFC 7636 §4.2, method S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _configured(settings: Settings) -> None:
    if not (settings.oidc_authorization_endpoint and settings.oidc_token_endpoint and settings.oidc_redirect_uri):
        raise ConsoleNotConfigured(
            "The console's identity provider is not configured for this stage "
            "(OIDC_AUTHORIZATION_ENDPOINT, OIDC_TOKEN_ENDPOINT, OIDC_REDIRECT_URI)."
        )


def authorization_url(settings: Settings, flow: SignInFlow) -> str:
    _configured(settings)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": settings.oidc_redirect_uri,
            "scope": SCOPE,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.challenge,
            "code_challenge_method": "S256",
            "ui_locales": flow.language,
        }
    )
    separator = "&" if "?" in settings.oidc_authorization_endpoint else "?"
    return f"{settings.oidc_authorization_endpoint}{separator}{query}"


def finish(settings: Settings, flow: SignInFlow | None, params: dict[str, str], exchange: Any) -> Caller:
    """The staff member the provider's answer names. `exchange(token_endpoint, form) -> dict` posts the token request
    (chalicelib/adapters/oidc_client.py). Raises SignInFailed (state, code or ID token wrong) or NotStaff."""
    from chalicelib.entrypoints.auth import Unauthenticated, caller_from_token

    _configured(settings)
    if flow is None:
        raise SignInFailed("The sign-in expired or was started in another browser: sign in again.")
    if not secrets.compare_digest(params.get("state", ""), flow.state):
        raise SignInFailed("The identity provider's answer does not belong to this sign-in (state).")
    if "error" in params or not params.get("code"):
        raise SignInFailed("The identity provider did not sign you in.")
    answer = exchange(
        settings.oidc_token_endpoint,
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": settings.oidc_redirect_uri,
            "client_id": settings.oidc_client_id,
            "code_verifier": flow.verifier,
        },
    )
    id_token = answer.get("id_token") if isinstance(answer, dict) else None
    if not isinstance(id_token, str):
        raise SignInFailed("The identity provider gave no ID token.")
    try:
        caller = caller_from_token(
            id_token, audience=settings.oidc_client_id, issuer=settings.oidc_issuer, nonce=flow.nonce
        )
    except Unauthenticated as exc:
        raise SignInFailed(exc.message) from None
    if caller.role not in ("operator", "official", "admin"):
        raise NotStaff("The console is for the staff of offices: sign in to the portal instead.")
    return caller

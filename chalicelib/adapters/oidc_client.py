"""The console's calls to the identity provider's token endpoint (OpenID Connect, RFC 6749 §4.1.3)."""

from __future__ import annotations

from typing import Any

TIMEOUT_SECONDS = 10


def exchange_code(token_endpoint: str, form: dict[str, str]) -> dict[str, Any]:
    """POST the authorization code (form-encoded) and return the provider's JSON answer; an error answer or an
    unreachable provider raises `SignInFailed` (the staff member is asked to sign in again)."""
    import requests

    from chalicelib.console.oidc import SignInFailed

    try:
        response = requests.post(
            token_endpoint, data=form, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"}
        )
    except requests.RequestException:
        raise SignInFailed("The identity provider could not be reached.") from None
    if response.status_code != 200:
        raise SignInFailed("The identity provider refused the sign-in.")
    try:
        body = response.json()
    except ValueError:
        raise SignInFailed("The identity provider's answer is not JSON.") from None
    return body if isinstance(body, dict) else {}

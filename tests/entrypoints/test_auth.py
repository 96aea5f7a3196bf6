"""JWT checks: only RS256 tokens from the configured issuer for this audience, unexpired, signed by a known key."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from tests.support.people import MOTHER


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def status_with(api: Any, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return api.http.get("/applications", headers=headers)


def test_a_good_token_is_accepted(api: Any, token: Any) -> None:
    assert status_with(api, token(MOTHER)).status_code == 200


def test_no_token(api: Any) -> None:
    response = status_with(api, None)
    assert response.status_code == 401
    assert response.json_body["code"] == "auth.missing_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "attack",
    [
        "alg_none",
        "wrong_key",
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "hs256",
        "bad_role",
        "subject_not_iin",
        "garbage",
    ],
)
def test_attacks_on_the_token_are_refused(api: Any, token: Any, attack: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    now = int(time.time())
    claims = {
        "iss": "https://idp.test.egov.kz",
        "aud": "social-benefits",
        "sub": MOTHER,
        "role": "citizen",
        "iat": now,
        "exp": now + 600,
    }
    if attack == "alg_none":
        forged = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'test-1'})}.{b64(claims)}."
    elif attack == "wrong_key":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        from local.devkeys import mint

        forged = mint(other, iin=MOTHER, role="citizen", issuer=claims["iss"], audience=claims["aud"], kid="test-1")
    elif attack == "expired":
        forged = token(MOTHER, now=now - 7200, ttl_seconds=600)
    elif attack == "wrong_audience":
        forged = token(MOTHER, audience="another-system")
    elif attack == "wrong_issuer":
        forged = token(MOTHER, issuer="https://evil.example")
    elif attack == "hs256":
        import jwt

        forged = jwt.encode(claims, "shared-secret-guess", algorithm="HS256", headers={"kid": "test-1"})
    elif attack == "bad_role":
        forged = token(MOTHER, role="superuser")
    elif attack == "subject_not_iin":
        forged = token("123", role="citizen")
    else:
        forged = "not.a.jwt"
    response = status_with(api, forged)
    assert response.status_code == 401, attack
    assert response.json_body["code"] in ("auth.invalid_token", "auth.expired_token")
    if attack == "expired":
        assert response.json_body["code"] == "auth.expired_token"

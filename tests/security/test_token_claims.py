"""Tokens: each claim has its type, a token lives at most 12 hours, and the Bearer scheme is matched in any case
(RFC 9110, section 11.1)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.people import MOTHER


def signed(idp_key: bytes, env: dict[str, str], **claims: Any) -> str:
    import jwt

    now = int(time.time())
    body: dict[str, Any] = {
        "iss": env["JWT_ISSUER"],
        "aud": env["JWT_AUDIENCE"],
        "sub": MOTHER,
        "role": "citizen",
        "iat": now,
        "exp": now + 600,
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, idp_key, algorithm="RS256", headers={"kid": "test-1"})


def history(api: Any, authorization: str) -> Any:
    return api.http.get("/applications", headers={"Authorization": authorization})


@pytest.mark.parametrize(
    "claims",
    [
        {"role": "operator", "org": ["gfc-aktobe-01"]},
        {"role": "operator", "org": {"office": "gfc-aktobe-01"}},
        {"role": "operator", "org": 42},
        {"role": "operator", "org": "  "},
        {"role": "citizen", "org": ["gfc-aktobe-01"]},
        {"role": ["citizen"]},
        {"role": "CITIZEN"},
        {"sub": int(MOTHER)},
        {"sub": [MOTHER]},
        {"name": ["Ахметова"]},
        {"name": 7},
    ],
    ids=lambda c: ",".join(f"{k}={type(v).__name__}" for k, v in c.items()),
)
def test_a_claim_of_the_wrong_type_is_refused(
    api: Any, idp_key: bytes, env: dict[str, str], claims: dict[str, Any]
) -> None:
    response = history(api, f"Bearer {signed(idp_key, env, **claims)}")
    assert response.status_code == 401, response.body
    assert response.json_body["code"] in ("auth.invalid_token", "auth.claim_invalid")


def test_a_ten_year_token_is_refused(api: Any, idp_key: bytes, env: dict[str, str]) -> None:
    now = int(time.time())
    response = history(api, f"Bearer {signed(idp_key, env, iat=now, exp=now + 10 * 365 * 86400)}")
    assert response.status_code == 401
    assert response.json_body["code"] == "auth.lifetime_too_long"


def test_a_token_of_twelve_hours_is_the_longest_accepted(api: Any, idp_key: bytes, env: dict[str, str]) -> None:
    from chalicelib.entrypoints.auth import MAX_LIFETIME_SECONDS

    now = int(time.time())
    assert MAX_LIFETIME_SECONDS == 12 * 3600
    assert history(api, f"Bearer {signed(idp_key, env, iat=now, exp=now + MAX_LIFETIME_SECONDS)}").status_code == 200
    longer = signed(idp_key, env, iat=now, exp=now + MAX_LIFETIME_SECONDS + 1)
    assert history(api, f"Bearer {longer}").status_code == 401


@pytest.mark.parametrize("claims", [{"iat": "now"}, {"iat": 1.5}, {"iat": True}])
def test_issued_at_is_whole_seconds(api: Any, idp_key: bytes, env: dict[str, str], claims: dict[str, Any]) -> None:
    assert history(api, f"Bearer {signed(idp_key, env, **claims)}").status_code == 401


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_matched_in_any_case(api: Any, idp_key: bytes, env: dict[str, str], scheme: str) -> None:
    assert history(api, f"{scheme} {signed(idp_key, env)}").status_code == 200


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer ", "Bearerabc", "Token abc"])
def test_other_schemes_and_empty_tokens_are_refused(api: Any, header: str) -> None:
    response = history(api, header)
    assert response.status_code == 401
    assert response.json_body["code"] == "auth.missing_token"

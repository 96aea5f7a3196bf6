"""Webhook HMAC signatures: what is accepted, and each refusal's code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.webhook_signature import (
    WebhookUnauthenticated,
    signature,
    signature_header,
    verify_signature,
)

SECRET = b"shared-secret"
BODY = b'{"message_id":"m1","text":"\xd0\x94\xd0\x90"}'
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
T = int(NOW.timestamp())


def refusal(header: str | None, body: bytes = BODY, now: datetime = NOW, secret: bytes = SECRET) -> str:
    with pytest.raises(WebhookUnauthenticated) as error:
        verify_signature(secret, header, body, now)
    assert error.value.status == 401
    return error.value.code


def test_a_correct_signature_is_accepted_and_gives_its_time() -> None:
    assert verify_signature(SECRET, signature_header(SECRET, T, BODY), BODY, NOW) == T


def test_the_mac_covers_the_timestamp_and_the_raw_body() -> None:
    assert signature(SECRET, T, BODY) != signature(SECRET, T + 1, BODY)
    assert refusal(f"t={T + 1},v1={signature(SECRET, T, BODY)}") == "webhook.signature_invalid"
    assert refusal(signature_header(SECRET, T, BODY), body=BODY + b" ") == "webhook.signature_invalid"


def test_a_rotating_caller_may_send_two_macs() -> None:
    header = f"t={T},v1={signature(b'old-secret', T, BODY)},v1={signature(SECRET, T, BODY)}"
    assert verify_signature(SECRET, header, BODY, NOW) == T


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "webhook.signature_missing"),
        ("  ", "webhook.signature_missing"),
        ("v1=abc", "webhook.signature_invalid"),
        (f"t={T}", "webhook.signature_invalid"),
        (f"t=-{T},v1=00", "webhook.signature_invalid"),
        (f"t={T},t={T},v1=00", "webhook.signature_invalid"),
        (f"t={T},v1=не-hex", "webhook.signature_invalid"),
        ("t=" + "9" * 2000, "webhook.signature_invalid"),
    ],
)
def test_malformed_headers_are_refused(header: str | None, code: str) -> None:
    assert refusal(header) == code


@pytest.mark.parametrize("offset", [timedelta(minutes=5, seconds=1), timedelta(minutes=-5, seconds=-1)])
def test_more_than_five_minutes_off_is_stale(offset: timedelta) -> None:
    assert refusal(signature_header(SECRET, T, BODY), now=NOW + offset) == "webhook.timestamp_stale"


def test_exactly_five_minutes_is_still_accepted() -> None:
    assert verify_signature(SECRET, signature_header(SECRET, T, BODY), BODY, NOW + timedelta(minutes=5)) == T


def test_with_no_secret_configured_nothing_is_accepted() -> None:
    assert refusal(signature_header(b"", T, BODY), secret=b"") == "webhook.signature_invalid"

"""Webhook authentication (API.md "Webhook authentication"). Pure: time is passed in.

`X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the caller's shared secret. The
timestamp is inside the MAC, so a captured request cannot be replayed with a fresh time, and one older (or newer)
than the tolerance is refused: together with the message-id dedupe this stops replays. Several `v1=` values may be
sent (a caller rotating its secret signs with both); one match is enough. Comparison is constant-time.
Each refusal has its own code: `webhook.signature_missing`, `webhook.signature_invalid`, `webhook.timestamp_stale`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from chalicelib.domain.errors import DomainError

TOLERANCE = timedelta(minutes=5)
"""API.md: a timestamp more than 5 minutes off is refused (either way: a clock ahead is as suspicious)."""

_MAX_HEADER = 1024


class WebhookUnauthenticated(DomainError):
    code = "webhook.signature_invalid"
    status = 401


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<t>.<raw body>`."""
    return hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: int, body: bytes) -> str:
    """What a caller sends (the SMS provider; tests and the local stack sign this way too)."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            if not value.isascii() or not value.isdigit() or timestamp is not None:
                raise WebhookUnauthenticated("The signature's timestamp is not valid.")
            timestamp = int(value)
        elif name == "v1":
            macs.append(value.strip().lower())
    if timestamp is None or not macs:
        raise WebhookUnauthenticated("The signature header needs t= and v1=.")
    return timestamp, macs


def verify_signature(
    secret: bytes, header: str | None, body: bytes, now: datetime, tolerance: timedelta = TOLERANCE
) -> int:
    """The signed timestamp when the header authenticates `body` now; otherwise WebhookUnauthenticated.

    An empty secret refuses everything (a missing configuration must not open the door).
    """
    if not header or not header.strip():
        raise WebhookUnauthenticated("The X-Signature header is missing.", code="webhook.signature_missing")
    if len(header) > _MAX_HEADER:
        raise WebhookUnauthenticated("The signature header is too long.")
    timestamp, macs = _parse(header)
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        raise WebhookUnauthenticated("The signature's timestamp is too far from now.", code="webhook.timestamp_stale")
    if not secret:
        raise WebhookUnauthenticated("Webhooks are not configured.")
    expected = signature(secret, timestamp, body).encode("ascii")
    matched = False
    for mac in macs:  # every candidate is compared, in constant time each
        matched |= hmac.compare_digest(expected, mac.encode("ascii", "replace"))
    if not matched:
        raise WebhookUnauthenticated("The signature does not match the body.")
    return timestamp

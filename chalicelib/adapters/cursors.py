"""Page cursors: opaque and tamper-evident.

A cursor is DynamoDB's LastEvaluatedKey of a page, bound to the partition it was read from and signed with
HMAC-SHA256 under a key derived from PERSON_KEY_SECRET (label `page-cursor/v1`; the secret comes from the
environment or Secrets Manager, chalicelib/config.py; the local stack sets a default). A cursor that was not
given out by this API for this partition — hand-made, edited, replayed against another caller's History or
another office's queue, or signed under another key — is `422 cursor.invalid`; nothing of it reaches DynamoDB.
Format: base64url(JSON key) "." base64url(HMAC) — the key is readable (it names the last item of the page the
caller already saw), only its integrity is protected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from chalicelib.domain.errors import InvalidValue

_LABEL = b"page-cursor/v1"
MAX_CURSOR_CHARS = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid() -> InvalidValue:
    return InvalidValue("cursor.invalid", "The cursor is not one this API gave out.")


class CursorCodec:
    """Signs and checks cursors for one kind of page (`scope`: history, notices, work_queue...)."""

    def __init__(self, secret: str, scope: str) -> None:
        if not secret:
            raise ValueError("PERSON_KEY_SECRET must be set: it keys the page cursors.")
        self._key = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()
        self._scope = scope

    def _mac(self, partition: str, payload: bytes) -> bytes:
        message = b"\x00".join((self._scope.encode(), partition.encode(), payload))
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def encode(self, key: dict[str, Any] | None, partition: str) -> str | None:
        """The cursor of the next page after `key` (None on the last page)."""
        if not key:
            return None
        payload = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(partition, payload))}"

    def decode(self, cursor: str, partition: str) -> dict[str, Any]:
        """The LastEvaluatedKey a cursor stands for; `cursor.invalid` (422) for anything this codec did not sign
        for this partition."""
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS or not cursor.isascii():
            raise _invalid()
        body, _, tag = cursor.partition(".")
        try:
            payload, mac = _unb64(body), _unb64(tag)
        except (ValueError, binascii.Error):
            raise _invalid() from None
        if not hmac.compare_digest(mac, self._mac(partition, payload)):
            raise _invalid()
        value = json.loads(payload)
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise _invalid()
        return value

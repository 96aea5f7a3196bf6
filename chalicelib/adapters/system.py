"""Clock and identifiers from the running system."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread on a ticket


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    """Application numbers like `261123-7KQ2M9XA`: the filing date, then 40 random bits."""

    def application_id(self, now: datetime) -> str:
        suffix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        return f"{now:%y%m%d}-{suffix}"

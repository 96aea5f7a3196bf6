"""Ports: what the use cases need from the outside world, as small Protocols.

Adapters implement them for AWS (chalicelib/adapters); tests implement them in memory (tests/fakes.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.application import Application, OutboxMessage


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def application_id(self, now: datetime) -> str: ...


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a first request with an Idempotency-Key produced, kept 24 hours."""

    request_hash: str
    status: int
    response: dict[str, Any]


@dataclass(frozen=True)
class HistoryPage:
    items: list[Application]
    cursor: str | None


class ApplicationRepository(Protocol):
    def add(self, application: Application, *, idempotency_key: str | None = None,
            idempotency: IdempotencyRecord | None = None) -> None:
        """Store a new application. With an idempotency key, atomically claim it too.

        Raises DuplicateRequest (carrying the first record) when the key is already claimed.
        """
        ...

    def get(self, application_id: str) -> Application:
        """Raises ApplicationNotFound."""
        ...

    def save(self, application: Application) -> None:
        """Conditional on the version read: raises ConcurrentUpdate when someone else saved first."""
        ...

    def history(self, person_iin: str, *, cursor: str | None, limit: int) -> HistoryPage: ...


class MessagePublisher(Protocol):
    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Send every message (batched per queue). Raises on any message not accepted."""
        ...

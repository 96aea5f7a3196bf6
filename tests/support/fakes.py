"""In-memory adapters for the ports (services/ports.py): what unit tests run the use cases on."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.application import Application, OutboxMessage, Status
from chalicelib.domain.assignments import Claim
from chalicelib.domain.errors import ApplicationNotFound, ConcurrentUpdate, DuplicateRequest
from chalicelib.services.ports import HistoryPage, IdempotencyRecord


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class SequentialIds:
    def __init__(self) -> None:
        self.n = 0

    def application_id(self, now: datetime) -> str:
        self.n += 1
        return f"{now:%y%m%d}-{self.n:08d}"


class InMemoryRepository:
    def __init__(self) -> None:
        self.items: dict[str, Application] = {}
        self.claims: dict[str, IdempotencyRecord] = {}
        self.conflicts_to_inject = 0
        self.saves = 0

    def add(
        self,
        application: Application,
        *,
        idempotency_key: str | None = None,
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        if idempotency_key is not None and idempotency_key in self.claims:
            raise DuplicateRequest(self.claims[idempotency_key])
        assert application.id not in self.items
        if idempotency_key is not None and idempotency is not None:
            self.claims[idempotency_key] = idempotency
        application.version = 1
        self.items[application.id] = copy.deepcopy(application)

    def idempotency_record(self, idempotency_key: str) -> IdempotencyRecord | None:
        return self.claims.get(idempotency_key)

    def get(self, application_id: str) -> Application:
        if application_id not in self.items:
            raise ApplicationNotFound("No such application.")
        return copy.deepcopy(self.items[application_id])

    def status_of(self, application_id: str) -> Status:
        return self.get(application_id).status

    def save(self, application: Application) -> None:
        stored = self.items[application.id]
        if self.conflicts_to_inject:
            self.conflicts_to_inject -= 1
            stored.version += 1  # someone else saved in between
        if stored.version != application.version:
            raise ConcurrentUpdate("changed")
        application.version += 1
        self.saves += 1
        self.items[application.id] = copy.deepcopy(application)

    def open_application_ids(self) -> Iterator[str]:
        yield from [app_id for app_id, app in self.items.items() if not app.is_final]

    def history(self, person_iin: str, *, cursor: str | None, limit: int) -> HistoryPage:
        mine = sorted(
            (a for a in self.items.values() if a.concerns(person_iin)), key=lambda a: (a.created_at, a.id), reverse=True
        )
        start = int(cursor or 0)
        page = mine[start : start + limit]
        more = start + limit < len(mine)
        return HistoryPage(copy.deepcopy(page), str(start + limit) if more else None)


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []
        self.fail_next = False

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("queue unavailable")
        self.sent.extend(messages)


class FakeRegistries:
    """A RegistryGateway over a dict {(registry, iin): data}: found when present, not_found otherwise; every call
    kept in `calls` as (registry, iin)."""

    def __init__(self, records: dict[tuple[str, str], dict[str, Any]] | None = None) -> None:
        self.records: dict[tuple[str, str], dict[str, Any]] = dict(records or {})
        self.calls: list[tuple[str, str]] = []

    def fetch(
        self, registry: str, iin: str, *, service_id: str, purpose: str, on_behalf_of: str, request_id: str
    ) -> Any:
        from chalicelib.services.registry_port import GatewayAnswer

        self.calls.append((registry, iin))
        data = self.records.get((registry, iin))
        return GatewayAnswer(
            registry,
            "found" if data is not None else "not_found",
            dict(data or {}),
            f"fake:{registry}",
            datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
            request_id,
        )


class InMemoryAssignmentStore:
    """AssignmentStore in memory, with the same conditional semantics as the DynamoDB one."""

    def __init__(self) -> None:
        self.claims: dict[tuple[str, str], Claim] = {}

    def get(self, service_id: str, subject_iin: str) -> Claim | None:
        return self.claims.get((service_id, subject_iin))

    def put(self, claims: Sequence[Claim]) -> bool:
        for claim in claims:
            held = self.claims.get((claim.service_id, claim.subject_iin))
            if (held.version if held else 0) != claim.version:
                return False
        for claim in claims:
            self.claims[(claim.service_id, claim.subject_iin)] = replace(claim, version=claim.version + 1)
        return True

    def add_waiter(self, claim: Claim, application_id: str) -> bool:
        held = self.claims.get((claim.service_id, claim.subject_iin))
        if held is None or held.version != claim.version:
            return False
        self.claims[(claim.service_id, claim.subject_iin)] = replace(
            held, waiters=held.waiters | {application_id}, version=held.version + 1
        )
        return True

    def release(self, service_id: str, subject_iin: str, holder: str) -> frozenset[str] | None:
        held = self.claims.get((service_id, subject_iin))
        if held is None or held.holder != holder:
            return None
        del self.claims[(service_id, subject_iin)]
        return held.waiters

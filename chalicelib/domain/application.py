"""The application aggregate: one citizen's request for one service, its status machine and its timeline.

Status changes go through `transition`, which refuses what the machine does not allow (never a silent
change) and records every change as a timeline event. Messages the change must send (lookups to fan out,
notices to the citizen) are collected in `outbox` and saved together with the state, then dispatched:
a crash between the two leaves them in the outbox to be sent again, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import IllegalTransition


class Status(StrEnum):
    AWAITING_SIGNATURE = "awaiting_signature"
    SUBMITTED = "submitted"
    CHECKING = "checking"
    AWAITING_DOCUMENTS = "awaiting_documents"
    DECIDING = "deciding"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


FINAL = frozenset({Status.APPROVED, Status.REFUSED, Status.WITHDRAWN})

UNSIGNED_DRAFT_TERM = timedelta(days=3)
"""How long an application may wait for its signature before the sweep withdraws it (`draft_expired`).

A policy of this project, not a legal term: signing takes minutes (an SMS code lives 5 minutes, an EDS is applied
in the same portal session), so three days leave a weekend for someone who stopped half-way, while a draft nobody
signs is not a filing: it starts no term and holds no claim, and kept for ever it would sit in the person's History
and in every check that reads it. The same three days are the term to confirm an account after a proactive consent.
"""

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.AWAITING_SIGNATURE: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset({Status.CHECKING, Status.DECIDING, Status.WITHDRAWN}),
    Status.CHECKING: frozenset({Status.AWAITING_DOCUMENTS, Status.DECIDING, Status.WITHDRAWN}),
    Status.AWAITING_DOCUMENTS: frozenset({Status.CHECKING, Status.DECIDING, Status.WITHDRAWN}),
    Status.DECIDING: frozenset({Status.APPROVED, Status.REFUSED}),
    Status.APPROVED: frozenset(),
    Status.REFUSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


@dataclass(frozen=True)
class Applicant:
    iin: str
    phone: str | None
    region: str


@dataclass(frozen=True)
class Subject:
    iin: str
    relation: str


@dataclass(frozen=True)
class Representative:
    iin: str
    power_of_attorney: str


@dataclass(frozen=True)
class AcceptedBy:
    office: str
    official: str


@dataclass(frozen=True)
class Filer:
    """Who pressed the button: the citizen themself or an operator at an office."""

    iin: str
    role: str
    office: str | None = None


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    type: str
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "type": self.type, "actor": self.actor, "detail": self.detail}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TimelineEvent:
        return cls(datetime.fromisoformat(raw["at"]), raw["type"], raw["actor"], dict(raw.get("detail") or {}))


@dataclass(frozen=True)
class OutboxMessage:
    """A message to send once the state that produced it is saved. `key` makes the send idempotent."""

    queue: str
    key: str
    body: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"queue": self.queue, "key": self.key, "body": self.body}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> OutboxMessage:
        return cls(raw["queue"], raw["key"], dict(raw["body"]))


SWEEP_ON = "sweep_on"
"""Where `Application.schedule_sweep` keeps its instruction for the repository until the next save."""


@dataclass
class Application:
    id: str
    service_id: str
    channel: str
    status: Status
    applicant: Applicant
    subjects: tuple[Subject, ...]
    representative: Representative | None
    bank_iban: str | None
    accepted_by: AcceptedBy | None
    language: str
    filer: Filer
    handling_office: str
    created_at: datetime
    registered_at: datetime | None = None
    registered_on: date | None = None
    due_date: date | None = None
    due_date_at_state_corp: date | None = None
    version: int = 0
    timeline: list[TimelineEvent] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    decision: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def can_become(self, target: Status) -> bool:
        return target in ALLOWED[self.status]

    def transition(self, target: Status, *, at: datetime, actor: str, reason: str = "", **detail: Any) -> None:
        if not self.can_become(target):
            raise IllegalTransition(f"An application that is {self.status.value} cannot become {target.value}.")
        previous = self.status
        self.status = target
        event_detail: dict[str, Any] = {"from": previous.value, "to": target.value, **detail}
        if reason:
            event_detail["reason"] = reason
        self.record(at, "status_changed", actor, **event_detail)

    def record(self, at: datetime, type_: str, actor: str, **detail: Any) -> None:
        self.timeline.append(TimelineEvent(at, type_, actor, detail))

    def register(self, *, at: datetime, on: date, due_date: date, due_date_at_state_corp: date | None) -> None:
        """The application is legally filed: its term starts."""
        self.registered_at = at
        self.registered_on = on
        self.due_date = due_date
        self.due_date_at_state_corp = due_date_at_state_corp
        detail: dict[str, Any] = {"due_date": due_date.isoformat()}
        if due_date_at_state_corp:
            detail["due_date_at_state_corp"] = due_date_at_state_corp.isoformat()
        self.record(at, "registered", "system", **detail)

    def send(self, queue: str, key: str, body: dict[str, Any]) -> None:
        """Put a message in the outbox, to send once this state is saved (once per key)."""
        if all(m.key != key for m in self.outbox):
            self.outbox.append(OutboxMessage(queue, key, body))

    def schedule_sweep(self, day: date) -> None:
        """Ask the next save to list the application for the deadline sweep of `day` (its first check after a
        deadline change). The instruction travels with the aggregate until the repository takes it
        (`take_sweep_schedule`); it is never stored."""
        self.data[SWEEP_ON] = day.isoformat()

    def take_sweep_schedule(self) -> date | None:
        """The sweep day asked for since the last save, removed from the aggregate (the repository calls this once
        per save, before it serialises the application: adapters/dynamodb.py)."""
        raw = self.data.pop(SWEEP_ON, None)
        return date.fromisoformat(raw) if raw else None

    def lookups_sent(self) -> None:
        """The registry questions of a submitted application are out (the outbox was dispatched): it is now being
        checked. Dated at its registration, when the law's term started; nothing changes in any other status."""
        if self.status is Status.SUBMITTED:
            self.transition(
                Status.CHECKING,
                at=self.registered_at or self.created_at,
                actor="system",
                reason="lookups_sent",
                lookups=self.data.get("lookups_planned", 0),
            )

    @property
    def is_unsigned_draft(self) -> bool:
        """Filed but never signed: not yet an application in law (no term, no claim against an offer)."""
        return self.status is Status.AWAITING_SIGNATURE

    def draft_expires_at(self) -> datetime:
        return self.created_at + UNSIGNED_DRAFT_TERM

    def concerns(self, iin: str) -> bool:
        """Whether this person may see the application as a citizen: applicant or representative."""
        return self.applicant.iin == iin or (self.representative is not None and self.representative.iin == iin)

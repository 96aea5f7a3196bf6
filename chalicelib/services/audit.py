"""The audit trail of personal-data access: who read what about an application, when and why.

An entry says that a read happened, never what was read: no values, and the people involved only masked
(`8801****1234`). The trail is append-only: entries are recorded and listed, never changed or removed.
Reading the trail is itself a read of personal data, so it is recorded too (and shows in what it returns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.identity import mask_iin
from chalicelib.services.ports import ApplicationRepository, Clock
from chalicelib.services.queries import get_application
from chalicelib.services.registry_port import Exchange

AuditAction = Literal[
    "registry_read", "application_read", "document_read", "document_reviewed", "decision_drafted", "decision_signed"
]
ACTIONS: tuple[AuditAction, ...] = (
    "registry_read",
    "application_read",
    "document_read",
    "document_reviewed",
    "decision_drafted",
    "decision_signed",
)
AUDIT_READERS = ("official", "admin")
AUDIT_REVIEW_PURPOSE = "review of the personal-data access trail of the application"
NOBODY = "-"


def mask_party(value: str | None) -> str:
    """A party as the trail may hold it: an IIN masked; an application id, office or system name as is."""
    if not value:
        return NOBODY
    value = value.strip()
    if len(value) == 12 and value.isdigit():
        return mask_iin(value)
    return value


@dataclass(frozen=True)
class AuditEntry:
    """One access. `registry` is set for registry reads only. `at` is timezone-aware UTC.

    `message_log` (registry reads only): the gateway exchanges behind the read, as the client's message log keeps
    them (`Exchange.to_dict()`: ids, service, time, status, SHA-256 of request and response; nothing personal)."""

    at: datetime
    actor_role: str
    actor_id_masked: str
    on_behalf_of_masked: str
    purpose: str
    application_id: str
    registry: str | None
    action: AuditAction
    message_log: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("an audit entry's instant must be timezone-aware")
        if self.action not in ACTIONS:
            raise ValueError(f"unknown audit action: {self.action}")
        for name in ("actor_id_masked", "on_behalf_of_masked"):
            value = getattr(self, name)
            if len(value) == 12 and value.isdigit():
                raise ValueError(f"{name} holds an IIN in clear: mask it (mask_party)")

    @classmethod
    def registry_read(
        cls,
        *,
        at: datetime,
        actor_role: str,
        actor_id: str,
        on_behalf_of: str,
        purpose: str,
        application_id: str,
        registry: str,
        exchanges: tuple[Exchange, ...] = (),
    ) -> AuditEntry:
        """A lookup worker's read of one registry (actor: the requesting system; on behalf of: the application
        or official named in the query's onBehalfOf), with the gateway exchanges behind it. Raw ids are masked."""
        return cls(
            at.astimezone(UTC),
            actor_role,
            mask_party(actor_id),
            mask_party(on_behalf_of),
            purpose,
            application_id,
            registry,
            "registry_read",
            tuple(e.to_dict() for e in exchanges),
        )

    @classmethod
    def by_caller(
        cls, caller: Caller, *, at: datetime, purpose: str, application_id: str, action: AuditAction
    ) -> AuditEntry:
        """A signed-in person's read; they act on behalf of their office (citizens: themselves)."""
        on_behalf_of = caller.org if caller.org else caller.iin
        return cls(
            at.astimezone(UTC),
            caller.role,
            mask_party(caller.iin),
            mask_party(on_behalf_of),
            purpose,
            application_id,
            None,
            action,
        )

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "at": self.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "action": self.action,
            "actor_role": self.actor_role,
            "actor_id_masked": self.actor_id_masked,
            "on_behalf_of_masked": self.on_behalf_of_masked,
            "purpose": self.purpose,
            "application_id": self.application_id,
            "registry": self.registry,
        }
        if self.message_log:
            shown["message_log"] = [dict(exchange) for exchange in self.message_log]
        return shown


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None:
        """Append one entry; an existing entry is never overwritten."""
        ...

    def for_application(self, application_id: str) -> list[AuditEntry]:
        """Every entry about the application, newest first."""
        ...


class AuditNotForRole(Forbidden):
    code = "audit.officials_only"


def audit_trail(
    repo: ApplicationRepository, log: AuditLog, clock: Clock, application_id: str, caller: Caller
) -> list[AuditEntry]:
    """The application's trail for an official who may see the application (others: 404), newest first,
    this very reading included."""
    if caller.role not in AUDIT_READERS:
        raise AuditNotForRole("The access trail is for officials.")
    application = get_application(repo, application_id, caller)
    log.record(
        AuditEntry.by_caller(
            caller,
            at=clock.now(),
            purpose=AUDIT_REVIEW_PURPOSE,
            application_id=application.id,
            action="application_read",
        )
    )
    return log.for_application(application.id)

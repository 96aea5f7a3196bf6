"""Asking the registries: the fan-out at registration and the worker that handles one lookup.

Each lookup is one SQS message. Handling it is idempotent: the answer is stored once (a redelivery
keeps the first), settling is a set-add, and whoever settles the last lookup starts the decision (the
decision step itself runs once per application, whatever number of messages start it).

No registry is asked about an application that is not being processed: withdrawn (the applicant may withdraw
while its lookups are on their way), decided, or not yet signed. The fan-out is not expanded for such an
application, and the worker reads the application's status (one strongly consistent read) before each gateway
call, so a withdrawal that lands after the fan-out was sent still stops every read not yet made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.application import Application, OutboxMessage, Status
from chalicelib.domain.errors import ApplicationNotFound
from chalicelib.domain.lookups import LookupSpec, dynamic_condition_holds, is_trigger
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.ports import (
    ApplicationRepository,
    Clock,
    LookupRecord,
    LookupState,
    LookupStore,
    MessagePublisher,
)
from chalicelib.services.registry_port import GatewayRejected, RegistryGateway

NOT_BEING_PROCESSED = frozenset({Status.AWAITING_SIGNATURE, Status.WITHDRAWN, Status.APPROVED, Status.REFUSED})
"""Statuses in which no registry is asked anything about the application."""


@dataclass(frozen=True)
class LookupDeps:
    gateway: RegistryGateway
    store: LookupStore
    audit: AuditLog
    publisher: MessagePublisher
    clock: Clock
    repo: ApplicationRepository


def lookup_message(
    application: Application, spec: LookupSpec, expected: int, dependents: list[LookupSpec] | None = None
) -> OutboxMessage:
    body: dict[str, Any] = {
        "type": "lookup",
        "application_id": application.id,
        "service_id": application.service_id,
        "on_behalf_of": application.filer.iin,
        "expected": expected,
        "spec": spec.to_dict(),
    }
    if dependents:
        body["dependents"] = [d.to_dict() for d in dependents]
    return OutboxMessage("lookups", f"{application.id}:lookup:{spec.key}", body)


def fan_out(application: Application, plan: list[LookupSpec]) -> list[OutboxMessage]:
    """One message per lookup; lookups that wait on the applicant's address ride along with it."""
    dynamic = [s for s in plan if s.when]
    trigger = next((s for s in plan if is_trigger(s)), None)
    messages = []
    for spec in plan:
        if spec.when:
            continue
        messages.append(lookup_message(application, spec, len(plan), dynamic if spec is trigger else None))
    if dynamic and trigger is None:  # nothing can settle the condition: such lookups are skipped at once
        messages.append(
            OutboxMessage(
                "lookups",
                f"{application.id}:lookup:skip-dynamic",
                {
                    "type": "settle",
                    "application_id": application.id,
                    "expected": len(plan),
                    "keys": [d.key for d in dynamic],
                },
            )
        )
    return messages


def fan_out_marker(application_id: str) -> OutboxMessage:
    """What the outbox keeps in place of a registration's lookup messages."""
    return OutboxMessage("lookups", f"{application_id}:fan-out", {"type": "fan_out", "application_id": application_id})


def expand(application: Application, message: OutboxMessage) -> list[OutboxMessage]:
    """An outbox message as sent: the fan-out marker becomes one message per lookup of the plan."""
    if message.body.get("type") != "fan_out":
        return [message]
    from chalicelib.domain.lookups import plan_for

    if application.status in NOT_BEING_PROCESSED:
        return []  # withdrawn before its lookups went out: none goes out
    assert application.registered_on is not None
    return fan_out(application, plan_for(application, application.registered_on))


def decide_message(application_id: str) -> OutboxMessage:
    return OutboxMessage("decisions", f"{application_id}:decide", {"type": "decide", "application_id": application_id})


def handle_lookup(body: Mapping[str, Any], deps: LookupDeps) -> str:
    """Handle one lookup message. Raises RegistryUnavailable to have SQS deliver it again later."""
    application_id = body["application_id"]
    expected = int(body["expected"])
    if body.get("type") == "settle":
        return _settle(application_id, [LookupState(k, "skipped") for k in body["keys"]], expected, deps)

    spec = LookupSpec.from_dict(body["spec"])
    if not being_processed(application_id, deps.repo):
        return "not_processed"  # withdrawn (or closed) since the lookup was queued: the registry is not asked
    now = deps.clock.now()
    try:
        answer = deps.gateway.fetch(
            spec.registry,
            spec.iin,
            service_id=body["service_id"],
            purpose=spec.purpose,
            on_behalf_of=body["on_behalf_of"],
            request_id=f"{application_id}:{spec.key}",
        )
        record = LookupRecord(
            spec.key,
            spec.registry,
            spec.person_ref,
            spec.iin,
            answer.status,
            answer.data,
            answer.source_system,
            answer.fetched_at,
            spec.on_not_found,
            spec.document,
        )
        exchanges = answer.exchanges
    except GatewayRejected as rejected:
        record = LookupRecord(
            spec.key,
            spec.registry,
            spec.person_ref,
            spec.iin,
            "failed",
            {"reason": rejected.code},
            "",
            now,
            spec.on_not_found,
            spec.document,
        )
        exchanges = rejected.exchanges
    read = AuditEntry.registry_read(
        at=now,
        actor_role="system",
        actor_id="lookups-worker",
        on_behalf_of=body["on_behalf_of"],
        purpose=spec.purpose,
        application_id=application_id,
        registry=spec.registry,
        exchanges=exchanges,
    )
    kept = deps.store.record(application_id, record, read)

    settle = [LookupState.of(kept)]
    dependents = [LookupSpec.from_dict(d) for d in body.get("dependents", [])]
    if dependents:
        address = kept.data if kept.status == "found" else None
        follow_up = []
        for dependent in dependents:
            if dependent.when and dynamic_condition_holds(dependent.when, address):
                follow_up.append(lookup_message_from(body, dependent))
            else:
                settle.append(LookupState(dependent.key, "skipped"))
        if follow_up:
            deps.publisher.publish(follow_up)
    return _settle(application_id, settle, expected, deps)


def being_processed(application_id: str, repo: ApplicationRepository) -> bool:
    """Whether registries may be asked about the application now (read fresh, before every gateway call)."""
    try:
        return repo.status_of(application_id) not in NOT_BEING_PROCESSED
    except ApplicationNotFound:
        return False


def lookup_message_from(body: Mapping[str, Any], spec: LookupSpec) -> OutboxMessage:
    return OutboxMessage(
        "lookups",
        f"{body['application_id']}:lookup:{spec.key}",
        {
            "type": "lookup",
            "application_id": body["application_id"],
            "service_id": body["service_id"],
            "on_behalf_of": body["on_behalf_of"],
            "expected": body["expected"],
            "spec": spec.to_dict(),
        },
    )


def _settle(application_id: str, states: list[LookupState], expected: int, deps: LookupDeps) -> str:
    settled, total = deps.store.mark_done(application_id, states, expected)
    if settled >= total:
        deps.publisher.publish([decide_message(application_id)])
        return "complete"
    return "pending"

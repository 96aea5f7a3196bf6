"""Reading applications: one by id, and a person's History of services."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from chalicelib.data import load_json
from chalicelib.domain.access import Caller, can_view
from chalicelib.domain.application import Application, TimelineEvent
from chalicelib.domain.errors import ApplicationNotFound, DomainError
from chalicelib.domain.lookups import plan_for
from chalicelib.services.ports import (
    ApplicationRepository,
    Clock,
    HistoryPage,
    LookupRecord,
    LookupState,
    LookupStore,
    ResultStore,
    TimelineEvents,
)

if TYPE_CHECKING:
    from chalicelib.services.audit import AuditLog

MAX_PAGE = 50


class HistoryNotForRole(DomainError):
    code = "history.citizens_only"
    status = 403


def get_application(
    repo: ApplicationRepository,
    application_id: str,
    caller: Caller,
    may: Callable[[Caller, Application], bool] = can_view,
) -> Application:
    """The application if the caller `may` (domain/access.py: `can_view` unless a use case asks for less) see it;
    otherwise ApplicationNotFound, the same answer as for one that does not exist."""
    application = repo.get(application_id)
    if not may(caller, application):
        raise ApplicationNotFound("No such application.")
    return application


def read_application(
    repo: ApplicationRepository, audit: AuditLog, clock: Clock, application_id: str, caller: Caller
) -> Application:
    """`get_application`, and for the staff (operators, officials, administrators) the audit record of their reading
    the application's personal data (purpose: processing of the application)."""
    application = get_application(repo, application_id, caller)
    if caller.role in ("operator", "official", "admin"):
        from chalicelib.services.audit import AuditEntry

        audit.record(
            AuditEntry.by_caller(
                caller,
                at=clock.now(),
                purpose="processing of the application",
                application_id=application_id,
                action="application_read",
            )
        )
    return application


def history(repo: ApplicationRepository, caller: Caller, *, cursor: str | None, limit: int) -> HistoryPage:
    if caller.role != "citizen":
        raise HistoryNotForRole("The History of services is a citizen's own list.")
    return repo.history(caller.iin, cursor=cursor, limit=max(1, min(limit, MAX_PAGE)))


def lookups_shown(application: Application, states: Sequence[LookupState]) -> list[LookupRecord]:
    """The lookups a status poll lists, from their states (one small item) and the application's plan: who was
    asked about and what follows a missing record come from the plan, who answered from `registries.json` (the
    registry's holder). Never the answers themselves (`data` stays empty). Skipped lookups are not listed."""
    if application.registered_on is None:
        return []
    plan = {spec.key: spec for spec in plan_for(application, application.registered_on)}
    registries: dict[str, dict[str, Any]] = load_json("registries.json")["registries"]
    shown = []
    for state in states:
        spec = plan.get(state.key)
        if spec is None or state.fetched_at is None or state.status == "skipped":
            continue
        holder = "" if state.status == "failed" else str(registries.get(spec.registry, {}).get("holder", ""))
        shown.append(
            LookupRecord(
                state.key,
                spec.registry,
                spec.person_ref,
                spec.iin,
                state.status,
                {},
                holder,
                state.fetched_at,
                spec.on_not_found,
                spec.document,
            )
        )
    return shown


@dataclass(frozen=True)
class StatusPoll:
    application: Application
    lookups: list[LookupRecord]
    decision: dict[str, Any] | None
    kept_apart: list[TimelineEvent] = field(default_factory=list)
    """Timeline events kept beside the application item (the deadline sweep's), to merge into its timeline."""


def status_poll(application: Application, lookups: LookupStore, results: ResultStore) -> StatusPoll:
    """What `GET /applications/{id}` shows besides the application item, in one more item read: before the decision
    the lookups' states (the progress item); after it the signed result, which holds the decision's reasons (kept
    once, there, not on the application) and the lookups' states as the decision saw them."""
    if application.decision is None:
        return StatusPoll(application, lookups_shown(application, lookups.states(application.id)), None)
    decided = results.decided(application.id)
    shown = dict(application.decision)
    if "reasons" not in shown:  # decided before the reasons were kept in the signed result only
        shown["reasons"] = decided.signed["document"]["decision"]["reasons"] if decided.signed else []
    states = decided.lookups if decided.lookups is not None else lookups.states(application.id)
    return StatusPoll(application, lookups_shown(application, states), shown)


def poll_application(
    application_id: str,
    caller: Caller,
    *,
    repo: ApplicationRepository,
    audit: AuditLog,
    clock: Clock,
    lookups: LookupStore,
    results: ResultStore,
    events: TimelineEvents,
) -> StatusPoll:
    """What `GET /applications/{id}` shows: the application (read as `read_application` reads it: ApplicationNotFound
    for a caller who may not see it, the staff's reading audited), its status poll, and the timeline events kept
    beside it."""
    application = read_application(repo, audit, clock, application_id, caller)
    poll = status_poll(application, lookups, results)
    return replace(poll, kept_apart=events.events_of(application_id))

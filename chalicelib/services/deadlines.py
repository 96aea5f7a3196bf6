"""The deadline sweep and the work queues: keeping every open application's legal term in sight.

The sweep reads only what is due: the `deadlines` index partitions (every shard) of each day from the last
day it completed up to today. An application is listed there on the day of its next milestone
(domain.deadline_watch), so the cost of a sweep follows the number of applications due, not of all open
ones. For each it applies the latest milestone reached by today:

- at risk: the `risk` flag the work queues show;
- an escalation (handover day missed, overdue step n): a timeline event written beside the application
  (keyed by the step's day, written once) and a notice to the provider's officials queued on
  `notifications` (keyed by the step: the notifications worker sends a key once);

then moves it to its next milestone with one write conditional on the index partition it was found under.
An application whose decision waits for data (`waiting_for`: the poverty line's inputs an operator loads, or
another application for the same person) is also asked to be decided again, and looked at again the next day.
A deadline change (a save with `data["sweep_on"]`) or a closing (a save of a final status) made meanwhile
moves or removes the entry first, and the conditional write then changes nothing: the change wins. Effects
come before the move, so a crash in between repeats them on the next run, where their keys make them no-ops;
after the move the entry is no longer on that day, so a second run over the same days finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.access import Caller
from chalicelib.domain.application import FINAL, OutboxMessage, Status, TimelineEvent
from chalicelib.domain.calendar import WorkingDayCalendar, local_date
from chalicelib.domain.deadline_watch import (
    Milestone,
    MilestoneKind,
    QueueFlags,
    WatchedApplication,
    first_check,
    next_check,
    queue_flags,
    reached,
    working_days_late,
)
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.notifications import notification_key
from chalicelib.services.intake import expire_draft
from chalicelib.services.lookups import decide_message
from chalicelib.services.messages import Notify
from chalicelib.services.ports import ApplicationRepository, DeadlineIndex, DueEntry, MessagePublisher, WorkQueue

# what a decision may wait for that the sweep asks about again each day (the rest waits for a person to act)
DECISION_WAITS = ("parameters", "assignment")

SWEEP_ACTOR = "deadline_sweep"
# Before the first sweep completes there is no cursor: look this far back once (empty days cost a query each).
FIRST_SWEEP_LOOKBACK_DAYS = 31
FINAL_STATUSES = frozenset(s.value for s in FINAL)
MAX_PAGE = 50


@dataclass(frozen=True)
class DeadlineDeps:
    index: DeadlineIndex
    publisher: MessagePublisher
    calendar: WorkingDayCalendar
    repo: ApplicationRepository | None = None
    """Needed to withdraw unsigned drafts past their term (without it they are left listed)."""


@dataclass
class SweepReport:
    """What one sweep did (counts only: it is logged and turned into metrics)."""

    first_day: str = ""
    last_day: str = ""
    due: int = 0
    at_risk: int = 0
    handover_overdue: int = 0
    overdue: int = 0
    events: int = 0
    notices: int = 0
    rescheduled: int = 0
    dropped: int = 0
    superseded: int = 0
    drafts_expired: int = 0
    waiting_for_parameters: int = 0
    redecided: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class _Plan:
    entry: DueEntry
    check_on: date | None
    risk: str | None
    milestone: Milestone | None = None
    messages: list[OutboxMessage] = field(default_factory=list)


def sweep_deadlines(now: datetime, deps: DeadlineDeps) -> SweepReport:
    """Apply every milestone reached by today to the applications scheduled up to today, once."""
    today = local_date(now)
    last = deps.index.swept_through()
    start = min(last, today) if last else today - timedelta(days=FIRST_SWEEP_LOOKBACK_DAYS)
    report = SweepReport(first_day=start.isoformat(), last_day=today.isoformat())
    day = start
    while day <= today:
        entries = deps.index.due_on(day)
        report.due += len(entries)
        if entries:
            _sweep(entries, today, now, deps, report)
        day += timedelta(days=1)
    deps.index.mark_swept(today, now)
    return report


def _sweep(entries: list[DueEntry], today: date, now: datetime, deps: DeadlineDeps, report: SweepReport) -> None:
    drafts = [e for e in entries if e.application.status == Status.AWAITING_SIGNATURE.value]
    if drafts and deps.repo is not None:
        _expire_drafts(drafts, now, deps, report)
    entries = [e for e in entries if e not in drafts]
    plans = [_plan(entry, today, deps.calendar) for entry in entries]
    for plan in plans:
        waiting = plan.entry.application.waiting_for
        if waiting in DECISION_WAITS and plan.entry.application.status not in FINAL_STATUSES:
            report.waiting_for_parameters += waiting == "parameters"
            report.redecided += 1
    for plan in plans:
        if plan.milestone is not None and plan.milestone.escalates:
            report.events += deps.index.record_event(
                plan.entry.application.id, _event(plan.entry.application, plan.milestone, now, deps)
            )
    messages = [m for plan in plans for m in plan.messages]
    if messages:
        deps.publisher.publish(messages)
        report.notices += sum(m.queue == "notifications" for m in messages)
    for plan in plans:
        if not deps.index.move(plan.entry, check_on=plan.check_on, risk=plan.risk):
            report.superseded += 1
            continue
        if plan.milestone is None:
            report.dropped += plan.check_on is None
            report.rescheduled += plan.check_on is not None
        elif plan.milestone.kind is MilestoneKind.AT_RISK:
            report.at_risk += 1
        elif plan.milestone.kind is MilestoneKind.HANDOVER_OVERDUE:
            report.handover_overdue += 1
        else:
            report.overdue += 1


def _expire_drafts(drafts: list[DueEntry], now: datetime, deps: DeadlineDeps, report: SweepReport) -> None:
    """Unsigned drafts listed up to today: withdrawn once past their term. One whose term ends later today stays
    where it is (every sweep reads today's partitions again); one signed or closed meanwhile was moved by that save."""
    assert deps.repo is not None
    for entry in drafts:
        outcome = expire_draft(deps.repo, deps.publisher, entry.application.id, now)
        if outcome == "expired":
            report.drafts_expired += 1  # the withdrawal's save took it off the index
        elif outcome == "not_a_draft":
            deps.index.move(entry, check_on=None, risk=None)  # conditional: a save that listed it elsewhere wins


def _plan(entry: DueEntry, today: date, calendar: WorkingDayCalendar) -> _Plan:
    app = entry.application
    if app.status in FINAL_STATUSES or app.due_date is None:
        return _Plan(entry, None, None)  # nothing to watch (a closing normally removes it itself)
    milestone = reached(app, calendar, today)
    if milestone is None:  # listed early: look again when the first milestone comes
        plan = _Plan(entry, first_check(app, calendar), app.risk)
    else:
        plan = _Plan(entry, next_check(milestone, app, calendar), milestone.risk, milestone)
        if milestone.escalates:
            plan.messages.append(_officials_notice(app, milestone, calendar))
    if app.waiting_for in DECISION_WAITS:  # decide again (the data may be loaded now); look again tomorrow
        plan.messages.append(decide_message(app.id))
        tomorrow = today + timedelta(days=1)
        plan.check_on = min(plan.check_on, tomorrow) if plan.check_on else tomorrow
    return plan


def _event(app: WatchedApplication, milestone: Milestone, now: datetime, deps: DeadlineDeps) -> TimelineEvent:
    detail: dict[str, Any] = {
        "step": milestone.step,
        "working_days_late": working_days_late(milestone, app, deps.calendar),
        "due_date": app.due_date.isoformat() if app.due_date else None,
        "detected_at": now.isoformat(),
    }
    if milestone.kind is MilestoneKind.HANDOVER_OVERDUE and app.due_date_at_state_corp:
        detail["due_date_at_state_corp"] = app.due_date_at_state_corp.isoformat()
    return TimelineEvent(milestone.starts_at, milestone.event_type, SWEEP_ACTOR, detail)


def _officials_notice(app: WatchedApplication, milestone: Milestone, calendar: WorkingDayCalendar) -> OutboxMessage:
    """The same message `services.notify.notify` queues, for the provider's officials (the sweep holds no
    Application to put it in the outbox of, so it is sent directly; its key makes a resend harmless)."""
    key = notification_key(app.id, "overdue", milestone.key)
    return Notify(
        purpose="overdue",
        audience="officials",
        application_id=app.id,
        office=app.office,
        values={
            "application_number": app.id,
            "service_id": app.service_id,
            "days_overdue": working_days_late(milestone, app, calendar),
            "deadline": milestone.kind.value,
            "step": milestone.step,
        },
    ).outbox(key)


# --- work queues --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedApplication:
    application: WatchedApplication
    flags: QueueFlags


@dataclass(frozen=True)
class WorkQueueView:
    items: list[QueuedApplication]
    cursor: str | None


class NoOffice(Forbidden):
    code = "work_queue.no_office"


def work_queue(
    caller: Caller,
    queue: WorkQueue,
    calendar: WorkingDayCalendar,
    today: date,
    *,
    cursor: str | None,
    limit: int,
    waiting_for: str | None = None,
) -> WorkQueueView:
    """The caller's office's open applications, soonest due date first, flagged: an official sees what
    their office decides, an operator what their office accepted."""
    if not caller.org:
        raise NoOffice("A work queue belongs to an office: the token names none.")
    which = "handling" if caller.role == "official" else "accepted"
    page = queue.open_applications(
        which, caller.org, cursor=cursor, limit=max(1, min(limit, MAX_PAGE)), waiting_for=waiting_for
    )
    items = [
        QueuedApplication(a, queue_flags(a, a.risk, today, calendar)) for a in page.items if a.due_date is not None
    ]
    return WorkQueueView(items, page.cursor)

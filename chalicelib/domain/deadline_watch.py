"""When the deadline sweep must look at an open application, and what it finds when it does.

The milestones of an open application (a policy of this project on API.md's "Deadline rules"):

- `at_risk`: the first day on which at most `at_risk_working_days()` working days are left (`risk_of` says
  `at_risk`) before the *provider's* deadline: the State Corporation handover day where there is one (the
  result must be there by then, so that is the day the officials work to), otherwise the due date.
- `handover_overdue` (State Corporation channel only): the day after the handover day, the application still
  open: the result did not reach the State Corporation in time. One step; the due date follows within a day.
- `overdue`: the day after the due date (`risk_of` says `overdue`) is step 1; step n+1 is the working day
  after step n, for as long as the application stays open. The breach is reported the first day it exists
  (the alarm and the flag should not wait for Monday), then the officials are reminded every working day,
  never on a day off, and not more often than once a day.

The sweep evaluates an application "as of today" (`reached`): when it runs late it applies the latest
milestone reached, once, and `next_check` is then always after today. Each step has a stable `key`, so an
effect keyed by it (a timeline event, a notice to officials) is produced once however often it is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.calendar import WorkingDayCalendar
from chalicelib.domain.deadlines import Risk, risk_of, working_days_left
from chalicelib.domain.local_time import ALMATY

LOCAL_TZ = ALMATY
_ONE_DAY = timedelta(days=1)


class HasDeadlines(Protocol):
    """What the milestones depend on: an Application, or what the deadlines index projects of one."""

    @property
    def due_date(self) -> date | None: ...

    @property
    def due_date_at_state_corp(self) -> date | None: ...


@dataclass(frozen=True)
class WatchedApplication:
    """An open application as the deadlines and work-queue indexes show it (the item itself is not read)."""

    id: str
    service_id: str
    status: str
    due_date: date | None
    due_date_at_state_corp: date | None
    office: str | None = None
    risk: str | None = None
    registered_at: datetime | None = None
    waiting_for: str | None = None  # who must act next (domain.documents.waiting_for)


class MilestoneKind(StrEnum):
    AT_RISK = "at_risk"
    HANDOVER_OVERDUE = "handover_overdue"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Milestone:
    kind: MilestoneKind
    on: date
    step: int = 1

    @property
    def key(self) -> str:
        """Names this occurrence (`overdue-3`): what makes its effects happen once."""
        return f"{self.kind.value}-{self.step}"

    @property
    def escalates(self) -> bool:
        """An escalation: a timeline event and the provider's officials told. Being at risk is only a flag."""
        return self.kind is not MilestoneKind.AT_RISK

    @property
    def risk(self) -> Risk:
        """The `risk` flag the work queue shows from this milestone on."""
        return "overdue" if self.kind is MilestoneKind.OVERDUE else "at_risk"

    @property
    def event_type(self) -> str:
        return f"deadline_{self.kind.value}"

    @property
    def starts_at(self) -> datetime:
        """The instant the milestone is reached: the start of its day in Kazakhstan's time."""
        return datetime.combine(self.on, time(0), tzinfo=LOCAL_TZ)


def handover_day(app: HasDeadlines) -> date | None:
    """The State Corporation handover day, when the application has one before its due date."""
    due, handover = app.due_date, app.due_date_at_state_corp
    if due is None or handover is None or handover >= due:
        return None
    return handover


def provider_deadline(app: HasDeadlines) -> date | None:
    """The day the provider must have the result ready: the handover day, else the due date."""
    return handover_day(app) or app.due_date


def at_risk_from(calendar: WorkingDayCalendar, deadline: date, within: int | None = None) -> date:
    """The first day on which `risk_of` calls `deadline` at risk (the deadline itself at the latest)."""
    day = deadline
    while risk_of(calendar, day - _ONE_DAY, deadline, within) != "ok":
        day -= _ONE_DAY
    return day


def _due(app: HasDeadlines) -> date:
    if app.due_date is None:
        raise ValueError("An application without a due date has no deadline milestones.")
    return app.due_date


def first_check(app: HasDeadlines, calendar: WorkingDayCalendar) -> date:
    """The day of the first milestone: the application becomes at risk (it may be in the past)."""
    deadline = provider_deadline(app)
    return at_risk_from(calendar, _due(app) if deadline is None else deadline)


def first_sweep_day(app: HasDeadlines, calendar: WorkingDayCalendar, today: date) -> date:
    """The first day the sweep must look at the application: its first check, but never before today
    (the sweep does not go back over days it has swept)."""
    return max(first_check(app, calendar), today)


def overdue_step(calendar: WorkingDayCalendar, due: date, today: date) -> Milestone | None:
    """The latest overdue escalation step reached by `today`: step 1 the day after `due`, then one a working day."""
    first = due + _ONE_DAY
    if today < first:
        return None
    later = calendar.working_days_between(first, today)
    if later == 0:
        return Milestone(MilestoneKind.OVERDUE, first, 1)
    on = today if calendar.is_working_day(today) else calendar.previous_working_day(today)
    return Milestone(MilestoneKind.OVERDUE, on, 1 + later)


def reached(app: HasDeadlines, calendar: WorkingDayCalendar, today: date) -> Milestone | None:
    """The latest milestone the application has reached by `today`, or None while it is on time."""
    due = _due(app)
    step = overdue_step(calendar, due, today)
    if step is not None:
        return step
    handover = handover_day(app)
    if handover is not None and today > handover:
        return Milestone(MilestoneKind.HANDOVER_OVERDUE, handover + _ONE_DAY)
    at_risk = first_check(app, calendar)
    if today >= at_risk:
        return Milestone(MilestoneKind.AT_RISK, at_risk)
    return None


def next_check(after: Milestone, app: HasDeadlines, calendar: WorkingDayCalendar) -> date | None:
    """The day of the milestone that follows `after` (None: nothing left to watch)."""
    if app.due_date is None:
        return None
    due = app.due_date
    if after.kind is MilestoneKind.AT_RISK:
        handover = handover_day(app)
        return (handover if handover is not None else due) + _ONE_DAY
    if after.kind is MilestoneKind.HANDOVER_OVERDUE:
        return due + _ONE_DAY
    return calendar.next_working_day(after.on)


def working_days_late(after: Milestone, app: HasDeadlines, calendar: WorkingDayCalendar) -> int:
    """For an escalation: how many working days past the deadline it concerns (at least 1)."""
    deadline = handover_day(app) if after.kind is MilestoneKind.HANDOVER_OVERDUE else app.due_date
    if deadline is None:
        return 0
    return max(1, -working_days_left(calendar, after.on, deadline))


@dataclass(frozen=True)
class QueueFlags:
    at_risk: bool
    overdue: bool
    handover_overdue: bool
    working_days_left: int


def queue_flags(app: HasDeadlines, stored_risk: str | None, today: date, calendar: WorkingDayCalendar) -> QueueFlags:
    """The work queue's flags: from today and the due dates (so they hold between sweeps and over days off)
    as well as what the sweep stored."""
    due = _due(app)
    overdue = today > due or stored_risk == "overdue"
    handover = handover_day(app)
    deadline = provider_deadline(app) or due
    at_risk = not overdue and (stored_risk == "at_risk" or risk_of(calendar, today, deadline) != "ok")
    return QueueFlags(
        at_risk=at_risk,
        overdue=overdue,
        handover_overdue=handover is not None and today > handover,
        working_days_left=working_days_left(calendar, today, due),
    )

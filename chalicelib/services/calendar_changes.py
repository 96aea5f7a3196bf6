"""Recomputed deadlines when the working-day calendar changes (a decreed transfer of a day of rest added,
withdrawn, or coming into force: calendar.json's `effective_from`).

Each open application's due dates are computed again with the calendar the law gives today; where they move,
the application gets the new dates (and its deadline-index entry follows: `sweep_on`), the change goes into its
timeline, and the citizen is told (SMS and personal account, `due_date_changed`). The calendar applied last is
remembered by its fingerprint, so a day without a change costs one read; a run that stops half way is simply
run again (an application already on the new dates is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.application import Application
from chalicelib.domain.calendar import WorkingDayCalendar, local_date
from chalicelib.domain.catalog import ServiceCatalog
from chalicelib.domain.deadline_watch import first_sweep_day
from chalicelib.domain.deadlines import Term, legal_due_dates
from chalicelib.services.concurrency import Unchanged, update_application
from chalicelib.services.notify import notify
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import ApplicationRepository, CalendarState, MessagePublisher

ACTOR = "calendar_change"


@dataclass(frozen=True)
class CalendarChangeDeps:
    repo: ApplicationRepository
    state: CalendarState
    publisher: MessagePublisher
    catalog: ServiceCatalog
    calendar: WorkingDayCalendar


@dataclass
class RecomputeReport:
    calendar: str = ""
    changed_calendar: bool = False
    looked_at: int = 0
    moved: int = 0
    moved_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "calendar": self.calendar,
            "changed_calendar": self.changed_calendar,
            "looked_at": self.looked_at,
            "moved": self.moved,
        }


def recompute_due_dates(now: datetime, deps: CalendarChangeDeps, *, force: bool = False) -> RecomputeReport:
    """Give every open application the due dates today's calendar gives it, when the calendar changed since
    the last run (or `force`)."""
    today = local_date(now)
    calendar = deps.calendar.as_of(today)
    report = RecomputeReport(calendar=calendar.fingerprint)
    if not force and deps.state.applied_calendar() == calendar.fingerprint:
        return report
    report.changed_calendar = True
    for application_id in deps.repo.open_application_ids():
        report.looked_at += 1

        def move(app: Application) -> bool:
            if app.is_final or app.registered_on is None:
                raise Unchanged
            service = deps.catalog.get(app.service_id)
            term = service.terms[app.channel]
            due = legal_due_dates(
                calendar,
                Term(term.working_days, term.calendar_days),
                app.registered_on,
                app.channel,
                extension_calendar_days=service.extension_calendar_days,
                extended=bool(app.data.get("written_requests")),
            )
            if (due.due_date, due.due_date_at_state_corp) == (app.due_date, app.due_date_at_state_corp):
                raise Unchanged
            previous = app.due_date
            app.due_date, app.due_date_at_state_corp = due.due_date, due.due_date_at_state_corp
            app.schedule_sweep(first_sweep_day(app, calendar, today))
            app.record(
                now,
                "due_date_recomputed",
                ACTOR,
                reason="calendar_changed",
                previous_due_date=previous.isoformat() if previous else None,
                due_date=due.due_date.isoformat(),
                due_date_at_state_corp=due.due_date_at_state_corp.isoformat() if due.due_date_at_state_corp else None,
                calendar=calendar.fingerprint,
            )
            if previous != due.due_date:
                notify(
                    app,
                    "due_date_changed",
                    extra=due.due_date.isoformat(),
                    application_number=app.id,
                    due_date=due.due_date.isoformat(),
                    previous_due_date=previous.isoformat() if previous else "",
                )
            return True

        application, moved = update_application(deps.repo, application_id, move)
        if moved:
            report.moved += 1
            report.moved_ids.append(application.id)
            dispatch_outbox(deps.repo, deps.publisher, application)
    deps.state.mark_applied_calendar(calendar.fingerprint, now)
    return report

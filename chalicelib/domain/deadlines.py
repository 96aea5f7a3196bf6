"""When a public service's result is due, and how close an application is to that day.

The rules are API.md's "Deadline rules":
- a term in working days, on the portal, proactive, provider-office and akimat channels: the registration
  day is day 1 when it is a working day, otherwise day 1 is the next working day; `due_date` is the last day;
- at the State Corporation the filing day is not counted (day 1 is the next working day), and the provider
  hands the result over there one working day before `due_date` (`due_date_at_state_corp`);
- a term in calendar days (the 30-day extension when written requests go out) runs from the registration
  date (`registered_on + N`), and a last day that is not a working day moves to the next working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from chalicelib.data import load_json
from chalicelib.domain.calendar import CALENDAR_FILE, WorkingDayCalendar
from chalicelib.domain.errors import InvalidValue

STATE_CORP = "state_corp"
CHANNELS = frozenset({"portal", "proactive", "provider_office", "akimat", STATE_CORP})

Risk = Literal["ok", "at_risk", "overdue"]


@dataclass(frozen=True)
class Term:
    """A legal term: exactly one of working days or calendar days, a positive number."""

    working_days: int | None = None
    calendar_days: int | None = None

    def __post_init__(self) -> None:
        values = [v for v in (self.working_days, self.calendar_days) if v is not None]
        if len(values) != 1:
            raise InvalidValue("term.shape", "A term is given in working days or in calendar days, exactly one.")
        if isinstance(values[0], bool) or not isinstance(values[0], int) or values[0] < 1:
            raise InvalidValue("term.length", "A term is a whole number of days, at least 1.")


@dataclass(frozen=True)
class DueDates:
    due_date: date
    due_date_at_state_corp: date | None


def compute_due_dates(calendar: WorkingDayCalendar, term: Term, registered_on: date, channel: str) -> DueDates:
    """The due dates of an application registered on `registered_on` through `channel` (see module doc)."""
    if channel not in CHANNELS:
        raise InvalidValue("channel.unknown", f"Unknown channel {channel!r}.")
    if term.working_days is not None:
        if channel == STATE_CORP:
            day_one = calendar.next_working_day(registered_on)
        else:
            day_one = calendar.working_day_on_or_after(registered_on)
        due = calendar.add_working_days(day_one, term.working_days - 1)
    elif term.calendar_days is not None:
        due = calendar.working_day_on_or_after(registered_on + timedelta(days=term.calendar_days))
    else:  # Term forbids it; kept so that a broken Term fails loudly
        raise InvalidValue("term.shape", "A term is given in working days or in calendar days, exactly one.")
    at_state_corp = calendar.previous_working_day(due) if channel == STATE_CORP else None
    return DueDates(due_date=due, due_date_at_state_corp=at_state_corp)


def working_days_left(calendar: WorkingDayCalendar, today: date, due: date) -> int:
    """Working days left until `due`, counted as the working days after today up to and including `due`.

    - today is the due date: 0 (the last day; still in time);
    - due is the next working day: 1; in general the number of working days in (today, due];
    - today is after due (overdue): negative, minus the working days in (due, today], and at least 1 in size
      (a Saturday after a Friday due date is -1, not 0).
    """
    if today <= due:
        return calendar.working_days_between(today, due)
    return -max(1, calendar.working_days_between(due, today))


def at_risk_working_days() -> int:
    """The at-risk threshold in force (`calendar.json`, `at_risk_working_days`): a policy of this project."""
    value = load_json(CALENDAR_FILE)["at_risk_working_days"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("calendar.json: at_risk_working_days must be a whole number, 0 or more")
    return value


def risk_of(calendar: WorkingDayCalendar, today: date, due: date, at_risk_within: int | None = None) -> Risk:
    """`overdue` when today is after `due`; `at_risk` when at most `at_risk_within` working days are left
    (default: `at_risk_working_days()`); else `ok`."""
    if today > due:
        return "overdue"
    threshold = at_risk_working_days() if at_risk_within is None else at_risk_within
    return "at_risk" if working_days_left(calendar, today, due) <= threshold else "ok"


def legal_due_dates(
    calendar: WorkingDayCalendar,
    term: Term,
    registered_on: date,
    channel: str,
    *,
    extension_calendar_days: int | None,
    extended: bool,
) -> DueDates:
    """The due dates the law gives an application: its channel's term from the registration date, or, once a
    written request extended it, `extension_calendar_days` calendar days from that date (services.json)."""
    if extended and extension_calendar_days:
        return compute_due_dates(calendar, Term(calendar_days=extension_calendar_days), registered_on, channel)
    return compute_due_dates(calendar, term, registered_on, channel)

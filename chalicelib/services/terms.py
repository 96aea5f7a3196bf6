"""The term of a service: when the result is due if an application is filed on a day through a channel
(`GET /services/{service_id}/term`), counted as intake counts it (domain/deadlines.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.domain.calendar import WorkingDayCalendar
from chalicelib.domain.catalog import Service, ServiceCatalog
from chalicelib.domain.deadlines import DueDates, Term, compute_due_dates
from chalicelib.domain.errors import FieldError, ValidationFailed


@dataclass(frozen=True)
class TermQuote:
    service: Service
    channel: str
    registered_on: date
    working_days: int | None
    calendar_days: int | None
    due: DueDates


def quote_term(
    catalog: ServiceCatalog,
    calendar: WorkingDayCalendar,
    service_id: str,
    *,
    today: date,
    channel: str | None,
    raw_from: str | None,
) -> TermQuote:
    """The due dates of an application of `service_id` filed on `raw_from` (YYYY-MM-DD; default `today`, the day
    in Asia/Almaty) through `channel` (default portal).

    Raises UnknownService (404), ValidationFailed (422: `term.from_invalid`, `term.from_out_of_range` for a day
    outside the years the calendar knows, `channel.not_allowed`), each field's error reported together."""
    service = catalog.get(service_id)
    channel = channel or "portal"
    errors = []
    start = today
    if raw_from is not None:
        try:
            start = date.fromisoformat(raw_from)
        except ValueError:
            errors.append(FieldError("from", "term.from_invalid", "`from` is a date, YYYY-MM-DD."))
        else:
            known = calendar.years
            if start.year not in known:
                errors.append(
                    FieldError(
                        "from", "term.from_out_of_range", f"`from` is a day of the years {known[0]} to {known[-1]}."
                    )
                )
    if not service.accepts_channel(channel):
        errors.append(
            FieldError(
                "channel", "channel.not_allowed", f"This service is filed through: {', '.join(service.channels)}."
            )
        )
    if errors:
        raise ValidationFailed(errors)
    term = service.terms[channel]
    due = compute_due_dates(calendar, Term(term.working_days, term.calendar_days), start, channel)
    return TermQuote(service, channel, start, term.working_days, term.calendar_days, due)

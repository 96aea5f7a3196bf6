"""Due dates by API.md "Deadline rules", and how close an application is to its due date.

Every expected date below is counted by hand on the 2024-2026 e-Gov holiday calendars.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.deadlines import (
    CHANNELS,
    STATE_CORP,
    DueDates,
    Term,
    at_risk_working_days,
    compute_due_dates,
    risk_of,
    working_days_left,
)
from chalicelib.domain.errors import InvalidValue

D = date
CAL = default_calendar()


@pytest.mark.parametrize(
    ("registered_on", "days", "channel", "due"),
    [
        # Nauryz 2026 (21-25 March off): filed on the Friday before, day 1 is that Friday:
        # 20, 26, 27, 30, 31 March, 1, 2 April
        (D(2026, 3, 20), 7, "portal", D(2026, 4, 2)),
        (D(2026, 3, 20), 7, "proactive", D(2026, 4, 2)),
        # filed on a Saturday that is also Nauryz: counting starts on Thursday 26 March
        (D(2026, 3, 21), 7, "portal", D(2026, 4, 3)),
        # filed on Nauryz, a Monday holiday
        (D(2026, 3, 23), 7, "portal", D(2026, 4, 3)),
        # 17 working days at the provider's office from Thursday 19 March: 19, 20, 26, 27, 30, 31, 1, 2, 3,
        # 6, 7, 8, 9, 10, 13, 14, 15 April
        (D(2026, 3, 19), 17, "provider_office", D(2026, 4, 15)),
        # Republic Day 2026 on Sunday 25 October, observed Monday 26: from Friday 23: 23, 27, 28, 29, 30, 2, 3
        (D(2026, 10, 23), 7, "portal", D(2026, 11, 3)),
        # filed on Republic Day itself (a Sunday) and on its observed Monday: day 1 is Tuesday 27
        (D(2026, 10, 25), 7, "portal", D(2026, 11, 4)),
        (D(2026, 10, 26), 7, "portal", D(2026, 11, 4)),
        # New Year: from Wednesday 31 December 2025: 31, 5, 6, 8, 9, 12, 13 January (7th is Christmas)
        (D(2025, 12, 31), 7, "portal", D(2026, 1, 13)),
        # TSA: 15 working days at the Employment Center, 18 via a rural akim, from 31 December 2025
        (D(2025, 12, 31), 15, "provider_office", D(2026, 1, 23)),
        (D(2025, 12, 31), 18, "akimat", D(2026, 1, 28)),
        # filed on an ordinary Sunday: day 1 is Monday 2 March 2026; 2, 3, 4, 5, 6, 10, 11 (9th observed)
        (D(2026, 3, 1), 7, "portal", D(2026, 3, 11)),
        # decreed transfer 2025: filed on New Year (2 Jan); 3 Jan is a decreed day off, Sunday 5 Jan is a
        # decreed working day, so day 1 is that Sunday: 5, 6, 8, 9, 10, 13, 14
        (D(2025, 1, 2), 7, "portal", D(2025, 1, 14)),
        # filed on the decreed working Sunday: it is day 1
        (D(2025, 1, 5), 7, "portal", D(2025, 1, 14)),
        # filed on the decreed working Saturday 4 May 2024: it is day 1: 4, 6, 10, 13, 14, 15, 16 (7-9 off)
        (D(2024, 5, 4), 7, "portal", D(2024, 5, 16)),
    ],
)
def test_working_day_terms_count_the_registration_day_when_it_is_a_working_day(
    registered_on: date, days: int, channel: str, due: date
) -> None:
    # Given a term in working days, When filed on registered_on through channel
    result = compute_due_dates(CAL, Term(working_days=days), registered_on, channel)
    # Then the due date is the last day of the term and there is no State Corporation date
    assert result == DueDates(due_date=due, due_date_at_state_corp=None)


@pytest.mark.parametrize(
    ("registered_on", "days", "due", "handover"),
    [
        # Nauryz: filed Friday 20 March, day 1 is Thursday 26: 26, 27, 30, 31, 1, 2, 3 April
        (D(2026, 3, 20), 7, D(2026, 4, 3), D(2026, 4, 2)),
        # 17 days from Thursday 19 March: day 1 is Friday 20 -> 16 April
        (D(2026, 3, 19), 17, D(2026, 4, 16), D(2026, 4, 15)),
        # Republic Day: filed Friday 23 October, day 1 is Tuesday 27: 27, 28, 29, 30, 2, 3, 4 November
        (D(2026, 10, 23), 7, D(2026, 11, 4), D(2026, 11, 3)),
        # New Year: filed 31 December 2025, day 1 is 5 January: 5, 6, 8, 9, 12, 13, 14
        (D(2025, 12, 31), 7, D(2026, 1, 14), D(2026, 1, 13)),
        # handover falls back across a holiday: filed Thursday 26 February 2026, day 1 Friday 27:
        # 27, 2, 3, 4, 5, 6, 10 March; the working day before Tuesday 10 is Friday 6 (9th observed, 7-8 weekend)
        (D(2026, 2, 26), 7, D(2026, 3, 10), D(2026, 3, 6)),
        # filed on the decreed working Sunday 5 January 2025: not counted, day 1 is 6: 6, 8, 9, 10, 13, 14, 15
        (D(2025, 1, 5), 7, D(2025, 1, 15), D(2025, 1, 14)),
        # filed on the decreed day off Friday 3 January 2025: day 1 is the decreed working Sunday 5
        (D(2025, 1, 3), 7, D(2025, 1, 14), D(2025, 1, 13)),
        # filed Friday 3 May 2024: day 1 is the decreed working Saturday 4: 4, 6, 10, 13, 14, 15, 16
        (D(2024, 5, 3), 7, D(2024, 5, 16), D(2024, 5, 15)),
        # filed on a Saturday: day 1 is Monday 2 March 2026: 2, 3, 4, 5, 6, 10, 11
        (D(2026, 2, 28), 7, D(2026, 3, 11), D(2026, 3, 10)),
    ],
)
def test_state_corporation_does_not_count_the_filing_day_and_hands_over_a_working_day_early(
    registered_on: date, days: int, due: date, handover: date
) -> None:
    # Given a term in working days, When filed at a State Corporation office
    result = compute_due_dates(CAL, Term(working_days=days), registered_on, STATE_CORP)
    # Then day 1 is the next working day, and the result goes to the State Corporation a working day before
    assert result == DueDates(due_date=due, due_date_at_state_corp=handover)


@pytest.mark.parametrize(
    ("registered_on", "channel", "due", "handover"),
    [
        # 30 calendar days from 1 June 2026 is Wednesday 1 July, a working day
        (D(2026, 6, 1), "provider_office", D(2026, 7, 1), None),
        (D(2026, 6, 1), STATE_CORP, D(2026, 7, 1), D(2026, 6, 30)),
        # 19 February 2026 + 30 = Saturday 21 March (Nauryz) -> Thursday 26 March
        (D(2026, 2, 19), "portal", D(2026, 3, 26), None),
        (D(2026, 2, 19), STATE_CORP, D(2026, 3, 26), D(2026, 3, 20)),
        # 25 September 2026 + 30 = Sunday 25 October (Republic Day, observed 26) -> Tuesday 27 October
        (D(2026, 9, 25), "akimat", D(2026, 10, 27), None),
        (D(2026, 9, 25), STATE_CORP, D(2026, 10, 27), D(2026, 10, 23)),
        # 1 October 2026 + 30 = Saturday 31 October -> Monday 2 November
        (D(2026, 10, 1), "portal", D(2026, 11, 2), None),
        # 2 December 2025 + 30 = 1 January 2026 -> Monday 5 January
        (D(2025, 12, 2), "provider_office", D(2026, 1, 5), None),
    ],
)
def test_calendar_day_terms_run_from_registration_and_end_on_a_working_day(
    registered_on: date, channel: str, due: date, handover: date | None
) -> None:
    # Given the 30-calendar-day extension, When the application was registered on registered_on
    result = compute_due_dates(CAL, Term(calendar_days=30), registered_on, channel)
    # Then the term ends 30 days later, moved to the next working day when that day is not one
    assert result == DueDates(due_date=due, due_date_at_state_corp=handover)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"working_days": 7, "calendar_days": 30}, {"working_days": 0}, {"calendar_days": -1}, {"working_days": True}],
)
def test_a_term_is_exactly_one_positive_number_of_days(kwargs: dict[str, int]) -> None:
    with pytest.raises(InvalidValue):
        Term(**kwargs)


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        compute_due_dates(CAL, Term(working_days=7), D(2026, 3, 20), "fax")
    assert raised.value.code == "channel.unknown"


@pytest.mark.parametrize(
    ("today", "due", "left", "risk"),
    [
        (D(2026, 3, 30), D(2026, 4, 3), 4, "ok"),  # 31, 1, 2, 3
        (D(2026, 3, 31), D(2026, 4, 3), 3, "ok"),
        (D(2026, 4, 1), D(2026, 4, 3), 2, "at_risk"),
        (D(2026, 4, 2), D(2026, 4, 3), 1, "at_risk"),
        (D(2026, 4, 3), D(2026, 4, 3), 0, "at_risk"),  # the due date itself: still in time
        (D(2026, 4, 4), D(2026, 4, 3), -1, "overdue"),  # Saturday after a Friday due date
        (D(2026, 4, 6), D(2026, 4, 3), -1, "overdue"),
        (D(2026, 4, 7), D(2026, 4, 3), -2, "overdue"),
        # a calendar week before the due date, but Nauryz leaves only 26 and 27 March
        (D(2026, 3, 20), D(2026, 3, 27), 2, "at_risk"),
        # Republic Day: from Friday 23 October only Tuesday 27 is left
        (D(2026, 10, 23), D(2026, 10, 27), 1, "at_risk"),
        # overdue across Republic Day: due Friday 23, today Tuesday 27 is the first working day late
        (D(2026, 10, 27), D(2026, 10, 23), -1, "overdue"),
        (D(2026, 3, 28), D(2026, 3, 30), 1, "at_risk"),  # from a Saturday
        (D(2026, 3, 16), D(2026, 4, 2), 10, "ok"),  # 17, 18, 19, 20, 26, 27, 30, 31 March, 1, 2 April
    ],
)
def test_working_days_left_and_risk(today: date, due: date, left: int, risk: str) -> None:
    assert working_days_left(CAL, today, due) == left
    assert risk_of(CAL, today, due) == risk


@pytest.mark.parametrize(
    ("today", "due", "threshold", "risk"),
    [
        (D(2026, 4, 2), D(2026, 4, 3), 0, "ok"),
        (D(2026, 4, 3), D(2026, 4, 3), 0, "at_risk"),
        (D(2026, 3, 30), D(2026, 4, 3), 5, "at_risk"),
        (D(2026, 4, 6), D(2026, 4, 3), 5, "overdue"),
    ],
)
def test_the_at_risk_threshold_is_a_parameter(today: date, due: date, threshold: int, risk: str) -> None:
    assert risk_of(CAL, today, due, at_risk_within=threshold) == risk


def test_the_default_threshold_comes_from_the_data_file() -> None:
    assert at_risk_working_days() == 2


registrations = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 10, 31))
terms = st.one_of(
    st.builds(Term, working_days=st.integers(min_value=1, max_value=30)),
    st.builds(Term, calendar_days=st.integers(min_value=1, max_value=60)),
)


@settings(deadline=None)
@given(registered_on=registrations, term=terms, channel=st.sampled_from(sorted(CHANNELS)))
def test_due_dates_are_working_days_and_handover_comes_strictly_before(
    registered_on: date, term: Term, channel: str
) -> None:
    result = compute_due_dates(CAL, term, registered_on, channel)
    assert CAL.is_working_day(result.due_date)
    assert result.due_date >= registered_on
    if channel == STATE_CORP:
        assert result.due_date_at_state_corp is not None
        assert CAL.is_working_day(result.due_date_at_state_corp)
        assert result.due_date_at_state_corp < result.due_date
        assert CAL.working_days_between(result.due_date_at_state_corp, result.due_date) == 1
    else:
        assert result.due_date_at_state_corp is None


@settings(deadline=None)
@given(registered_on=registrations, days=st.integers(min_value=1, max_value=30))
def test_a_working_day_term_holds_exactly_its_working_days(registered_on: date, days: int) -> None:
    # Given a term of n working days
    portal = compute_due_dates(CAL, Term(working_days=days), registered_on, "portal").due_date
    state_corp = compute_due_dates(CAL, Term(working_days=days), registered_on, STATE_CORP).due_date
    # Then the State Corporation term holds n working days after the filing day,
    assert CAL.working_days_between(registered_on, state_corp) == days
    # and the portal term n working days counting the registration day when it is a working day
    counted_today = 1 if CAL.is_working_day(registered_on) else 0
    assert CAL.working_days_between(registered_on, portal) + counted_today == days


@settings(deadline=None)
@given(today=registrations, due=registrations)
def test_risk_is_overdue_exactly_when_today_is_past_due(today: date, due: date) -> None:
    left = working_days_left(CAL, today, due)
    assert (risk_of(CAL, today, due) == "overdue") == (today > due)
    assert (left < 0) == (today > due)

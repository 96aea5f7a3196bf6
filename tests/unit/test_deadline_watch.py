"""The milestones of an open application: at risk, the State Corporation handover day, overdue and its steps.

Dates around Independence Day (Wednesday 16 December 2026) and the New Year (1-2 January 2027, with Monday
4 January the observed day off and 7 January Orthodox Christmas) in the real calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.deadline_watch import (
    Milestone,
    MilestoneKind,
    WatchedApplication,
    first_check,
    first_sweep_day,
    next_check,
    queue_flags,
    reached,
    working_days_late,
)
from chalicelib.domain.deadlines import Term, compute_due_dates

CAL = default_calendar()
AT_RISK, HANDOVER, OVERDUE = MilestoneKind.AT_RISK, MilestoneKind.HANDOVER_OVERDUE, MilestoneKind.OVERDUE


def watched(due: date, at_state_corp: date | None = None) -> WatchedApplication:
    return WatchedApplication("A-1", "child-disability-benefit", "checking", due, at_state_corp)


def sweep_daily(app: WatchedApplication, start: date, end: date) -> list[tuple[date, Milestone]]:
    """What a sweep running every day from `start` to `end` applies, following the schedule it keeps."""
    applied = []
    check = first_check(app, CAL)
    day = start
    while day <= end:
        if day >= check:
            milestone = reached(app, CAL, day)
            assert milestone is not None
            applied.append((day, milestone))
            following = next_check(milestone, app, CAL)
            assert following is not None and following > day
            check = following
        day += timedelta(days=1)
    return applied


def test_at_risk_starts_two_working_days_before_the_due_date_skipping_a_holiday() -> None:
    # Given a result due on Thursday 17 December 2026 (Wednesday 16th is Independence Day)
    app = watched(date(2026, 12, 17))
    # Then it is at risk from Monday 14th (Tuesday and Thursday are left), not on Sunday 13th
    assert first_check(app, CAL) == date(2026, 12, 14)
    assert reached(app, CAL, date(2026, 12, 13)) is None
    assert reached(app, CAL, date(2026, 12, 14)) == Milestone(AT_RISK, date(2026, 12, 14))
    assert reached(app, CAL, date(2026, 12, 17)) == Milestone(AT_RISK, date(2026, 12, 14))


def test_overdue_the_day_after_then_every_working_day() -> None:
    # Given a result due on Thursday 17 December 2026
    app = watched(date(2026, 12, 17))
    # When a sweep runs every day until the end of the month
    applied = sweep_daily(app, date(2026, 12, 1), date(2026, 12, 23))
    # Then: at risk on the 14th, overdue on Friday 18th (step 1), Monday 21st, Tuesday 22nd, Wednesday 23rd
    assert [(d, m.kind, m.step) for d, m in applied] == [
        (date(2026, 12, 14), AT_RISK, 1),
        (date(2026, 12, 18), OVERDUE, 1),
        (date(2026, 12, 21), OVERDUE, 2),
        (date(2026, 12, 22), OVERDUE, 3),
        (date(2026, 12, 23), OVERDUE, 4),
    ]
    assert [working_days_late(m, app, CAL) for _, m in applied[1:]] == [1, 2, 3, 4]
    assert len({m.key for _, m in applied}) == len(applied)


def test_overdue_steps_over_the_new_year_holidays() -> None:
    # Given a result due on Thursday 31 December 2026
    app = watched(date(2026, 12, 31))
    # When the sweep runs every day into January
    applied = sweep_daily(app, date(2026, 12, 31), date(2027, 1, 11))
    overdue = [(d, m.step) for d, m in applied if m.kind is OVERDUE]
    # Then step 1 is New Year's Day itself (the breach is reported when it happens), and the next steps
    # skip 2-4 January (weekend and the observed day off) and Christmas (7 January)
    assert overdue == [
        (date(2027, 1, 1), 1),
        (date(2027, 1, 5), 2),
        (date(2027, 1, 6), 3),
        (date(2027, 1, 8), 4),
        (date(2027, 1, 11), 5),
    ]


def test_a_late_sweep_applies_the_latest_milestone_once() -> None:
    # Given a result due on Thursday 17 December 2026 that no sweep looked at since it became at risk
    app = watched(date(2026, 12, 17))
    # When the sweep comes back on Tuesday 22nd
    milestone = reached(app, CAL, date(2026, 12, 22))
    # Then it applies step 3 (18th, 21st, 22nd) and next looks on Wednesday 23rd, not at the missed days
    assert milestone == Milestone(OVERDUE, date(2026, 12, 22), 3)
    assert next_check(milestone, app, CAL) == date(2026, 12, 23)
    # And on a Sunday the latest step is Friday's
    assert reached(app, CAL, date(2026, 12, 20)) == Milestone(OVERDUE, date(2026, 12, 18), 1)


def test_the_state_corporation_handover_day_is_watched_too() -> None:
    # Given an application filed at a State Corporation office on Monday 7 December 2026 (7 working days)
    due = compute_due_dates(CAL, Term(working_days=7), date(2026, 12, 7), "state_corp")
    assert (due.due_date, due.due_date_at_state_corp) == (date(2026, 12, 17), date(2026, 12, 15))
    app = watched(due.due_date, due.due_date_at_state_corp)
    # When a sweep runs every day
    applied = sweep_daily(app, date(2026, 12, 7), date(2026, 12, 21))
    # Then it is at risk two working days before the handover day (Friday 11th, not Monday 14th),
    # the missed handover is escalated the day after it (the 16th, a holiday), and overdue follows
    assert [(d, m.kind, m.step) for d, m in applied] == [
        (date(2026, 12, 11), AT_RISK, 1),
        (date(2026, 12, 16), HANDOVER, 1),
        (date(2026, 12, 18), OVERDUE, 1),
        (date(2026, 12, 21), OVERDUE, 2),
    ]
    handover = applied[1][1]
    assert handover.escalates and handover.risk == "at_risk" and working_days_late(handover, app, CAL) == 1


def test_the_first_sweep_day_is_never_in_the_past() -> None:
    # Given an application whose at-risk day (14 December) comes before the day it is looked at
    app = watched(date(2026, 12, 17))
    # Then the sweep is told to look at it today, else on its first milestone
    assert first_sweep_day(app, CAL, date(2026, 12, 15)) == date(2026, 12, 15)
    assert first_sweep_day(app, CAL, date(2026, 12, 1)) == date(2026, 12, 14)


def test_an_application_with_no_due_date_has_no_milestones() -> None:
    app = WatchedApplication("A-1", "child-disability-benefit", "awaiting_signature", None, None)
    with pytest.raises(ValueError):
        first_check(app, CAL)
    assert next_check(Milestone(AT_RISK, date(2026, 12, 1)), app, CAL) is None


@pytest.mark.parametrize(
    ("today", "stored", "expected"),
    [
        (date(2026, 12, 10), None, (False, False, 4)),  # Fri, Mon, Tue, Thu left
        (date(2026, 12, 14), None, (True, False, 2)),  # computed, before the sweep stored it
        (date(2026, 12, 11), "at_risk", (True, False, 3)),  # stored by the sweep
        (date(2026, 12, 17), "at_risk", (True, False, 0)),  # the last day
        (date(2026, 12, 19), "at_risk", (False, True, -1)),  # a Saturday after the due date, before the sweep
    ],
)
def test_work_queue_flags(today: date, stored: str | None, expected: tuple[bool, bool, int]) -> None:
    flags = queue_flags(watched(date(2026, 12, 17)), stored, today, CAL)
    assert (flags.at_risk, flags.overdue, flags.working_days_left) == expected

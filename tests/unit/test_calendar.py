"""The Kazakh working-day calendar: the holidays package plus decreed transfers from calendar.json.

Dates are hand-checked against the e-Gov holiday calendars for 2024-2026.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.data import load_json
from chalicelib.domain.calendar import DecreedDay, WorkingDayCalendar, default_calendar

D = date
CAL = default_calendar()


@pytest.fixture
def fresh_data_caches() -> Iterator[None]:
    load_json.cache_clear()
    default_calendar.cache_clear()
    yield
    load_json.cache_clear()
    default_calendar.cache_clear()


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (D(2026, 3, 20), True, "Friday before Nauryz"),
        (D(2026, 3, 21), False, "Nauryz on a Saturday"),
        (D(2026, 3, 22), False, "Nauryz on a Sunday"),
        (D(2026, 3, 23), False, "Nauryz, Monday"),
        (D(2026, 3, 24), False, "Nauryz observed (from Saturday)"),
        (D(2026, 3, 25), False, "Nauryz observed (from Sunday)"),
        (D(2026, 3, 26), True, "first working day after Nauryz"),
        (D(2026, 3, 9), False, "Women's Day (Sunday 8 March) observed on Monday"),
        (D(2026, 10, 25), False, "Republic Day on a Sunday"),
        (D(2026, 10, 26), False, "Republic Day observed on Monday"),
        (D(2026, 10, 27), True, "Tuesday after Republic Day"),
        (D(2026, 1, 1), False, "New Year"),
        (D(2026, 1, 2), False, "New Year, second day"),
        (D(2026, 1, 5), True, "first working day of 2026"),
        (D(2026, 1, 7), False, "Orthodox Christmas (no transfer)"),
        (D(2026, 5, 27), False, "Kurban Ait 2026"),
        (D(2026, 8, 31), True, "no Constitution Day in 2026: the new Constitution moved it to 15 March from 2027"),
        (D(2026, 3, 7), False, "an ordinary Saturday"),
        (D(2025, 1, 3), False, "decreed day off (moved from Sunday 5 January 2025)"),
        (D(2025, 1, 5), True, "decreed working Sunday (order No. 436)"),
        (D(2024, 5, 4), True, "decreed working Saturday (moved to Wednesday 8 May 2024)"),
        (D(2024, 5, 8), False, "decreed day off"),
    ],
)
def test_is_working_day(day: date, working: bool, why: str) -> None:
    # Given the calendar in force, When asked about the day, Then it answers as the e-Gov calendar does
    assert CAL.is_working_day(day) is working, why


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 20), D(2026, 3, 26)),  # across Nauryz
        (D(2026, 3, 21), D(2026, 3, 26)),  # from inside Nauryz
        (D(2026, 10, 23), D(2026, 10, 27)),  # Friday -> across Republic Day and its observed Monday
        (D(2025, 12, 31), D(2026, 1, 5)),  # across New Year
        (D(2025, 1, 2), D(2025, 1, 5)),  # to the decreed working Sunday
        (D(2024, 5, 3), D(2024, 5, 4)),  # to the decreed working Saturday
        (D(2026, 3, 16), D(2026, 3, 17)),  # an ordinary weekday
    ],
)
def test_next_working_day_is_strictly_after(day: date, expected: date) -> None:
    assert CAL.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 20), D(2026, 3, 20)),  # a working day is its own answer
        (D(2026, 3, 21), D(2026, 3, 26)),
        (D(2026, 10, 25), D(2026, 10, 27)),
        (D(2026, 1, 1), D(2026, 1, 5)),
        (D(2025, 1, 3), D(2025, 1, 5)),
    ],
)
def test_working_day_on_or_after(day: date, expected: date) -> None:
    assert CAL.working_day_on_or_after(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 26), D(2026, 3, 20)),  # back across Nauryz
        (D(2026, 10, 27), D(2026, 10, 23)),  # back across Republic Day
        (D(2026, 1, 5), D(2025, 12, 31)),  # back across New Year
        (D(2026, 3, 10), D(2026, 3, 6)),  # back across Women's Day observed on Monday
        (D(2025, 1, 6), D(2025, 1, 5)),  # the decreed working Sunday
        (D(2024, 5, 6), D(2024, 5, 4)),  # the decreed working Saturday
        (D(2026, 3, 17), D(2026, 3, 16)),
    ],
)
def test_previous_working_day_is_strictly_before(day: date, expected: date) -> None:
    assert CAL.previous_working_day(day) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 3, 20), 0, D(2026, 3, 20)),
        (D(2026, 3, 20), 1, D(2026, 3, 26)),
        (D(2026, 3, 19), 3, D(2026, 3, 27)),  # 20, 26, 27
        (D(2025, 12, 31), 5, D(2026, 1, 12)),  # 5, 6, 8, 9, 12 January (7th is Christmas)
        (D(2025, 1, 2), 3, D(2025, 1, 8)),  # 5 (working Sunday), 6, 8
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


def test_add_working_days_refuses_negative_n() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(D(2026, 3, 20), -1)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 3, 20), D(2026, 3, 20), 0),
        (D(2026, 3, 20), D(2026, 3, 27), 2),  # 26, 27: a calendar week holds two working days
        (D(2026, 3, 27), D(2026, 3, 20), -2),
        (D(2026, 10, 23), D(2026, 10, 27), 1),
        (D(2026, 2, 28), D(2026, 3, 31), 18),  # March 2026: 5 + 4 + 5 + 2 + 2
        (D(2024, 12, 31), D(2025, 1, 10), 5),  # 5 (decreed working Sunday), 6, 8, 9, 10
    ],
)
def test_working_days_between_counts_the_half_open_interval(a: date, b: date, expected: int) -> None:
    assert CAL.working_days_between(a, b) == expected


def test_2026_has_247_working_days() -> None:
    # Given the 2026 calendar (no decreed transfer known for 2026)
    # When counting its working days, Then it matches the five-day-week balance of working time for 2026
    assert CAL.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 247


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 3, 7),  # an ordinary Saturday
        D(2026, 3, 16),  # an ordinary Monday
        D(2025, 1, 5),  # the decreed working Sunday
    ],
)
def test_holiday_name_is_none_for_days_that_are_no_holiday(day: date) -> None:
    assert CAL.holiday_name(day) is None


def test_holiday_name_names_holidays_observed_days_and_decreed_days_off() -> None:
    calendar = WorkingDayCalendar(CAL.decreed, language="en_US")
    assert calendar.holiday_name(D(2026, 3, 22)) == "Nowruz Holiday"
    assert calendar.holiday_name(D(2026, 10, 26)) == "Republic Day (observed)"
    assert "5 January 2025" in (calendar.holiday_name(D(2025, 1, 3)) or "")


def _decreed(day: date, kind: str) -> DecreedDay:
    return DecreedDay.from_data(
        {
            "date": day.isoformat(),
            "kind": kind,
            "transfer": "test transfer",
            "source": "test",
            "effective_from": "2026-01-01",
        }
    )


def test_without_the_data_file_the_package_alone_misses_the_working_sunday() -> None:
    # Given a calendar of the holidays package alone
    bare = WorkingDayCalendar()
    # Then Sunday 5 January 2025 is a day off there, a working day in the calendar in force
    assert not bare.is_working_day(D(2025, 1, 5))
    assert CAL.is_working_day(D(2025, 1, 5))


def test_a_decreed_transfer_moves_a_day_off_and_a_working_day() -> None:
    # Given a (hypothetical) transfer: Saturday 28 March 2026 worked, Monday 30 March off
    calendar = WorkingDayCalendar([_decreed(D(2026, 3, 28), "working_day"), _decreed(D(2026, 3, 30), "day_off")])
    # Then the Saturday counts and the Monday does not
    assert calendar.is_working_day(D(2026, 3, 28))
    assert not calendar.is_working_day(D(2026, 3, 30))
    assert calendar.next_working_day(D(2026, 3, 27)) == D(2026, 3, 28)
    assert calendar.next_working_day(D(2026, 3, 28)) == D(2026, 3, 31)


def test_a_working_day_entry_overrides_a_wrong_estimated_holiday() -> None:
    # Given the estimated Kurban Ait date marked as a working day by an operator
    calendar = WorkingDayCalendar([_decreed(D(2026, 5, 27), "working_day")])
    assert calendar.is_working_day(D(2026, 5, 27))
    assert calendar.holiday_name(D(2026, 5, 27)) is None


def test_a_day_both_off_and_worked_is_refused() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkingDayCalendar([_decreed(D(2026, 3, 30), "day_off"), _decreed(D(2026, 3, 30), "working_day")])


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        _decreed(D(2026, 3, 30), "half_day")


def test_every_entry_of_the_data_file_has_its_source_and_effective_date() -> None:
    data = load_json("calendar.json")
    for entry in data["days"]:
        assert entry["kind"] in ("day_off", "working_day")
        assert entry["transfer"]
        assert entry["source"]["title"] and entry["source"]["url"]
        assert date.fromisoformat(entry["effective_from"]) <= date.fromisoformat(entry["date"])
        # a working_day entry is a weekend day, a day_off entry a weekday
        assert (date.fromisoformat(entry["date"]).weekday() >= 5) == (entry["kind"] == "working_day")


def test_an_operator_override_file_extends_the_calendar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_data_caches: None
) -> None:
    # Given an override folder with a calendar.json that decrees Saturday 28 March 2026 a working day
    data = load_json("calendar.json")
    extended = {
        **data,
        "days": [
            *data["days"],
            {
                "date": "2026-03-28",
                "kind": "working_day",
                "transfer": "t",
                "source": {"title": "s", "url": "u"},
                "effective_from": "2026-03-01",
            },
        ],
    }
    (tmp_path / "calendar.json").write_text(json.dumps(extended), encoding="utf-8")
    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", str(tmp_path))
    load_json.cache_clear()
    default_calendar.cache_clear()
    # When the default calendar is built, Then it has the extra working day
    assert default_calendar().is_working_day(D(2026, 3, 28))


dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31))


@settings(deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=40))
def test_adding_n_working_days_then_counting_back_gives_n(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n > 0:
        assert CAL.is_working_day(end)


@settings(deadline=None)
@given(day=dates)
def test_neighbouring_working_days_are_working_and_nothing_between_is(day: date) -> None:
    after, before = CAL.next_working_day(day), CAL.previous_working_day(day)
    assert CAL.is_working_day(after) and after > day
    assert CAL.is_working_day(before) and before < day
    assert not any(CAL.is_working_day(before + timedelta(days=i)) for i in range(1, (day - before).days))
    assert not any(CAL.is_working_day(day + timedelta(days=i)) for i in range(1, (after - day).days))


@settings(deadline=None)
@given(a=dates, b=dates)
def test_working_days_between_is_antisymmetric(a: date, b: date) -> None:
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)


def test_an_entry_takes_effect_on_its_effective_from_day_and_changes_the_fingerprint():
    from chalicelib.domain.calendar import DecreedDay, WorkingDayCalendar

    entry = DecreedDay(date(2026, 12, 10), "day_off", "test transfer", "test order", date(2026, 12, 8))
    calendar = WorkingDayCalendar([entry])
    before, after = calendar.as_of(date(2026, 12, 7)), calendar.as_of(date(2026, 12, 8))
    assert before.is_working_day(date(2026, 12, 10)) and not after.is_working_day(date(2026, 12, 10))
    assert before.fingerprint != after.fingerprint == calendar.fingerprint
    assert WorkingDayCalendar([]).fingerprint == before.fingerprint

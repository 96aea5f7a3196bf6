"""Dated parameters: the value in force on a date, where it comes from, and what is flagged when it is guessed."""

from __future__ import annotations

import copy
from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from chalicelib.data import load_json
from chalicelib.domain.parameters import Parameters, ParameterUnknown, Quarter, round_tenge


@pytest.fixture(scope="module")
def params() -> Parameters:
    return Parameters.load()


def with_loaded(**tables: Any) -> Parameters:
    """The shipped parameters plus operator-loaded tables (regional PM, published poverty lines)."""
    raw = copy.deepcopy(load_json("parameters.json"))
    for name, by_region in tables.items():
        raw["parameters"][name]["by_region"] = by_region
    return Parameters(raw)


# -- Quarter -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "quarter", "previous", "months"),
    [
        (date(2026, 1, 1), Quarter(2026, 1), Quarter(2025, 4), ("2026-01", "2026-02", "2026-03")),
        (date(2026, 3, 31), Quarter(2026, 1), Quarter(2025, 4), ("2026-01", "2026-02", "2026-03")),
        (date(2026, 4, 1), Quarter(2026, 2), Quarter(2026, 1), ("2026-04", "2026-05", "2026-06")),
        (date(2025, 12, 31), Quarter(2025, 4), Quarter(2025, 3), ("2025-10", "2025-11", "2025-12")),
    ],
)
def test_quarter_of_a_day_its_predecessor_and_months(day, quarter, previous, months):
    # Given a day / When its quarter is taken / Then quarter, previous quarter and months follow the calendar
    assert Quarter.containing(day) == quarter
    assert quarter.previous() == previous
    assert quarter.months() == months
    assert quarter.first_day <= day <= quarter.last_day


def test_quarter_prints_parses_and_bounds():
    q = Quarter(2026, 4)
    assert str(q) == "2026-Q4"
    assert Quarter.parse("2026-Q4") == q == Quarter.parse("2026q4")
    assert (q.first_day, q.last_day) == (date(2026, 10, 1), date(2026, 12, 31))
    assert q.next() == Quarter(2027, 1)
    with pytest.raises(ValueError, match="quarter"):
        Quarter(2026, 5)


# -- PM, MRP ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "pm", "mrp", "version"),
    [
        (date(2025, 1, 1), 46228, 3932, "subsistence_minimum/national@2025-01-01"),
        (date(2025, 12, 31), 46228, 3932, "subsistence_minimum/national@2025-01-01"),
        (date(2026, 1, 1), 50851, 4325, "subsistence_minimum/national@2026-01-01"),
        (date(2026, 11, 23), 50851, 4325, "subsistence_minimum/national@2026-01-01"),
    ],
)
def test_pm_and_mrp_by_year_from_the_budget_laws(params, on, pm, mrp, version):
    # Given the budget laws' figures / When asked on a date of their year / Then that year's value, cited by version
    found = params.pm(on)
    assert (found.value, found.version, found.provisional, found.fallback) == (pm, version, False, False)
    assert params.mrp(on).value == mrp
    assert "бюджете" in found.source


def test_after_the_last_known_year_the_last_value_is_carried_forward_and_flagged(params):
    # Given no 2027 figure in the data / When the PM of 2027 is asked / Then 2026's, flagged provisional
    found = params.pm(date(2027, 2, 1))
    assert found.value == 50851
    assert found.provisional
    assert found.version == "subsistence_minimum/national@2026-01-01+provisional"
    assert "carried forward" in found.note
    assert params.mrp(date(2027, 2, 1)).provisional


def test_before_the_first_entry_the_value_is_unknown(params):
    with pytest.raises(ParameterUnknown):
        params.pm(date(2022, 12, 31))


def test_a_region_without_a_regional_pm_uses_the_national_one_and_says_so(params):
    found = params.pm(date(2026, 5, 1), "KZ-MAN")
    assert (found.value, found.fallback, found.scope) == (50851, True, "national")
    assert "KZ-MAN" in found.note


def test_a_loaded_regional_pm_wins_over_the_national_one():
    loaded = with_loaded(
        subsistence_minimum_regional={
            "KZ-MAN": [{"value": 73276, "effective_from": "2026-01-01", "source": {"title": "BNS, regional PM"}}]
        }
    )
    found = loaded.pm(date(2026, 5, 1), "KZ-MAN")
    assert (found.value, found.fallback) == (73276, False)
    assert found.version == "subsistence_minimum_regional/KZ-MAN@2026-01-01"
    assert loaded.pm(date(2026, 5, 1), "KZ-AKT").value == 50851


# -- poverty line ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "line"),
    [
        # 70% x 46,228 = 32,359.6 -> rounded up so the floor is never undercut: 32,360
        (Quarter(2025, 4), 32360),
        # 70% x 50,851 = 35,595.7 -> 35,596
        (Quarter(2026, 1), 35596),
        (Quarter(2026, 4), 35596),
    ],
)
def test_without_a_published_line_the_statutory_floor_is_used(params, quarter, line):
    found = params.poverty_line("KZ-AKT", quarter)
    assert found.value == line
    assert found.fallback
    assert (found.effective_from, found.effective_to) == (quarter.first_day, quarter.last_day)
    assert found.version.startswith(f"poverty_line/KZ-AKT/{quarter}@floor(subsistence_minimum/national@")
    assert "operator" in found.note


def test_a_published_line_is_used_as_loaded():
    loaded = with_loaded(
        poverty_line_published={
            "KZ-ALA": {"2026-Q2": {"value": 41000, "effective_from": "2026-04-01", "source": {"title": "Akimat"}}}
        }
    )
    found = loaded.poverty_line("KZ-ALA", Quarter(2026, 2))
    assert (found.value, found.fallback, found.version) == (41000, False, "poverty_line/KZ-ALA/2026-Q2@2026-04-01")
    assert loaded.poverty_line("KZ-ALA", Quarter(2026, 3)).fallback


# -- multipliers, retirement age, rounding -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "on", "value"),
    [
        ("caregiver_allowance_pm_multiplier", date(2022, 6, 1), Fraction(7, 5)),
        ("caregiver_allowance_pm_multiplier", date(2026, 1, 1), Fraction(161, 100)),
        ("child_disability_benefit_pm_multiplier", date(2023, 7, 1), Fraction(161, 100)),
        ("tsa_child_supplement_mrp_multiplier", date(2026, 1, 1), Fraction(3, 2)),
        ("poverty_line_floor_share_of_pm", date(2025, 1, 1), Fraction(7, 10)),
    ],
)
def test_multipliers_are_exact(params, name, on, value):
    found = params.multiplier(name, on)
    assert found.value == value
    assert not found.provisional


@pytest.mark.parametrize(
    ("sex", "on", "months"),
    [
        ("male", date(2026, 1, 1), 63 * 12),
        ("female", date(2026, 1, 1), 61 * 12),
        ("female", date(2027, 12, 31), 61 * 12),
        ("female", date(2028, 1, 1), 61 * 12 + 6),
        ("female", date(2030, 6, 1), 62 * 12 + 6),
        ("female", date(2031, 1, 1), 63 * 12),
    ],
)
def test_retirement_age_by_sex_and_year(params, sex, on, months):
    assert params.retirement_age_months(sex, on).value == months


@pytest.mark.parametrize(
    ("amount", "mode", "whole"),
    [
        (Fraction(8187011, 100), "up", 81871),  # 1.61 x 50,851 = 81,870.11: the published 2026 benefit is 81,871
        (Fraction(6531287, 100), "up", 65313),  # 1.61 x 40,567 = 65,312.87: published 65,313 (2023)
        (Fraction(81870), "up", 81870),
        (Fraction(8187011, 100), "half_up", 81870),
        (Fraction(13, 2), "half_up", 7),
    ],
)
def test_rounding_to_whole_tenge(amount, mode, whole):
    assert round_tenge(amount, mode) == whole


def test_the_shipped_rounding_is_up(params):
    assert params.rounding(date(2026, 1, 1)).value == "up"


# -- the data file itself --------------------------------------------------------------------------------------


def test_every_entry_has_a_value_a_start_date_and_a_source():
    for name, parameter in load_json("parameters.json")["parameters"].items():
        for entry in parameter.get("entries", []):
            assert "value" in entry, name
            assert date.fromisoformat(entry["effective_from"]), name
            assert entry["source"]["title"], name
            assert entry.get("confidence", "high") in ("high", "medium", "low"), name

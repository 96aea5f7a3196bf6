"""Dated parameters: the value in force on a date, where it comes from, and what is flagged when it is guessed."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from chalicelib.data import load_json, shipped_json
from chalicelib.domain.parameters import Parameters, ParameterUnknown, Quarter, round_tenge
from chalicelib.domain.poverty_line import PovertyLineInputsMissing, lay_over, poverty_line


@pytest.fixture(scope="module")
def params() -> Parameters:
    return Parameters.load()


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


# -- poverty line ----------------------------------------------------------------------------------------------

SRC = {"title": "BNS release", "url": "https://stat.gov.kz", "published_on": "2026-02-10"}
RULE = shipped_json("poverty_line.json")["rule"]


def inputs(**by_quarter: tuple[int | None, int | None]) -> dict[str, Any]:
    """A table for KZ-MAN: {"2026-Q1": (PM, median)} (None: not loaded)."""
    return {
        "rule": RULE,
        "regions": {
            "KZ-MAN": {
                "subsistence_minimum": {
                    q.replace("_", "-"): {"value": pm, "source": SRC} if pm else None
                    for q, (pm, _) in by_quarter.items()
                },
                "median_income": {
                    q.replace("_", "-"): {"value": med, "source": SRC} if med else None
                    for q, (_, med) in by_quarter.items()
                },
            }
        },
    }


@pytest.mark.parametrize(
    ("pm", "median", "line", "governed_by"),
    [
        (73000, 140000, 51100, "subsistence_minimum"),  # 70% x 73,000 = 51,100 > 35% x 140,000 = 49,000
        (73000, 150000, 52500, "median_income"),  # 35% x 150,000 = 52,500 > 51,100
        (73001, 100000, 51101, "subsistence_minimum"),  # 70% x 73,001 = 51,100.7 -> rounded up 51,101
        (60000, 120000, 42000, "subsistence_minimum"),  # 42,000 = 42,000: equal, the PM is named
        (60000, 120001, 42001, "median_income"),  # 35% x 120,001 = 42,000.35 -> 42,001
    ],
)
def test_the_line_is_the_larger_of_both_shares_of_the_quarter_before(pm, median, line, governed_by):
    found = poverty_line(inputs(**{"2026_Q1": (pm, median)}), "KZ-MAN", Quarter(2026, 2))
    assert (found.value, found.governed_by, str(found.inputs_quarter)) == (line, governed_by, "2026-Q1")
    assert found.subsistence_minimum.value == pm and found.median_income is not None
    assert "BNS release" in found.subsistence_minimum.source and "2026-02-10" in found.median_income.source
    assert found.version == "poverty_line.json#KZ-MAN/2026-Q2"


@pytest.mark.parametrize(
    ("loaded", "missing"),
    [
        ({"2026_Q1": (None, 150000)}, ("subsistence_minimum",)),
        ({"2026_Q1": (73000, None)}, ("median_income",)),
        ({"2026_Q2": (73000, 150000)}, ("subsistence_minimum", "median_income")),  # the application's own quarter
        ({}, ("subsistence_minimum", "median_income")),
    ],
)
def test_a_missing_input_is_never_made_up(loaded, missing):
    with pytest.raises(PovertyLineInputsMissing) as raised:
        poverty_line(inputs(**loaded), "KZ-MAN", Quarter(2026, 2))
    assert raised.value.missing == missing
    assert raised.value.code == "parameter.poverty_line_inputs_missing"


def test_an_operators_figures_are_laid_over_the_shipped_ones_without_erasing_them():
    shipped = inputs(**{"2026_Q1": (73000, None)})
    merged = lay_over(
        shipped,
        {
            "regions": {
                "KZ-MAN": {
                    "subsistence_minimum": {"2026-Q1": None},
                    "median_income": {"2026-Q1": {"value": 150000, "source": SRC}},
                }
            }
        },
    )
    assert poverty_line(merged, "KZ-MAN", Quarter(2026, 2)).value == 52500


def test_the_shipped_file_names_every_region_and_quarter_and_a_source_for_each_figure():
    table = shipped_json("poverty_line.json")
    regions = {r["code"] for r in load_json("regions.json")["regions"]}
    assert set(table["regions"]) == regions  # the three cities and Baikonur included
    quarters = {f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)}
    for code, entry in table["regions"].items():
        for name in ("subsistence_minimum", "median_income"):
            assert quarters <= set(entry[name]), (code, name)
            for figure in entry[name].values():
                assert figure is None or (figure["value"] > 0 and figure["source"]["title"]), (code, name)
    assert table["rule"]["source"]["title"] and table["_notes"]


# -- multipliers, retirement age, rounding -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "on", "value"),
    [
        ("caregiver_allowance_pm_multiplier", date(2022, 6, 1), Fraction(7, 5)),
        ("caregiver_allowance_pm_multiplier", date(2026, 1, 1), Fraction(161, 100)),
        ("child_disability_benefit_pm_multiplier", date(2023, 7, 1), Fraction(161, 100)),
        ("tsa_child_supplement_mrp_multiplier", date(2026, 1, 1), Fraction(3, 2)),
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

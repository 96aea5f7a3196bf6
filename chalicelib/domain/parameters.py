"""Dated legal parameters: subsistence minimum, MRP, poverty line, multipliers, retirement age, TSA policies.

The figures live in chalicelib/data/parameters.json, each with the date it takes effect and its source; this
module only finds the entry in force on a date and says which one it used (`Dated.version`), so that a decision
can cite it. Nothing here reads the clock.

A date after the last known entry is flagged `provisional`: the last known value is carried forward (e.g. the
2027 subsistence minimum before the 2027 budget law is loaded). The TSA poverty line is never substituted: its
regional inputs (poverty_line.json) are loaded per quarter, and a missing one stops the decision
(domain/poverty_line.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chalicelib.data import load_json, load_layers
from chalicelib.domain.errors import DomainError

if TYPE_CHECKING:
    from chalicelib.domain.poverty_line import PovertyLine

T = TypeVar("T")

PARAMETERS_FILE = "parameters.json"


class ParameterUnknown(DomainError):
    """No entry of a parameter covers the date asked for: a data problem, not the caller's."""

    code = "parameter.unknown"
    status = 500


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: `Quarter(2026, 1)` is January to March 2026; prints as `2026-Q1`."""

    year: int
    q: int

    def __post_init__(self) -> None:
        if self.q not in (1, 2, 3, 4):
            raise ValueError(f"A quarter is 1 to 4, not {self.q}.")

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2026-Q1` (also `2026Q1`)."""
        year, _, q = text.upper().replace("-", "").partition("Q")
        return cls(int(year), int(q))

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def months(self) -> tuple[str, str, str]:
        """The quarter's months as `YYYY-MM`, the form the income registries use."""
        first = 3 * (self.q - 1) + 1
        return (f"{self.year}-{first:02d}", f"{self.year}-{first + 1:02d}", f"{self.year}-{first + 2:02d}")

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.q - 1) + 1, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.q}"


@dataclass(frozen=True)
class Dated(Generic[T]):
    """A parameter's value as in force on some date, with where it comes from and the id a decision cites."""

    name: str
    value: T
    effective_from: date
    effective_to: date | None
    source: str
    version: str
    scope: str = "national"
    confidence: str = "high"
    provisional: bool = False
    fallback: bool = False
    note: str = ""


def _day(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _source_text(source: Mapping[str, Any] | str) -> str:
    if isinstance(source, str):
        return source
    parts = [str(source.get("title", ""))]
    if source.get("number"):
        parts.append(f"No. {source['number']}")
    if source.get("date"):
        parts.append(f"of {source['date']}")
    if source.get("url"):
        parts.append(str(source["url"]))
    return ", ".join(p for p in parts if p)


def round_tenge(amount: Fraction, mode: str) -> int:
    """Whole tenge: `up` (ceiling; what the published benefit amounts show) or `half_up`."""
    if mode == "up":
        return math.ceil(amount)
    if mode == "half_up":
        return math.floor(amount + Fraction(1, 2))
    raise ValueError(f"Unknown rounding mode {mode!r}.")


class Parameters:
    """Typed, dated lookups over parameters.json. Build with `Parameters.load()` (or from a dict in tests)."""

    def __init__(self, raw: Mapping[str, Any], poverty: Mapping[str, Any] | None = None) -> None:
        self._raw = raw
        self._table: Mapping[str, Any] = raw["parameters"]
        self._poverty: Mapping[str, Any] = poverty if poverty is not None else {}

    @classmethod
    def load(cls) -> Parameters:
        """parameters.json, and the poverty line inputs of poverty_line.json with an operator's figures laid over
        them (a file of the same name in SB_DATA_OVERRIDE_DIR, read again whenever it changes)."""
        from chalicelib.domain.poverty_line import POVERTY_LINE_FILE, lay_over

        base, loaded = load_layers(POVERTY_LINE_FILE)
        return cls(load_json(PARAMETERS_FILE), lay_over(base, loaded) if loaded else base)

    @property
    def version(self) -> str:
        """The data file's version, cited by decisions as `parameters.json@<version>`."""
        return f"{PARAMETERS_FILE}@{self._raw.get('_version', 'unversioned')}"

    # -- generic -------------------------------------------------------------------------------------------

    def entry(self, name: str, on: date) -> Dated[Any]:
        """The entry of parameter `name` in force on `on` (the last one, flagged provisional, after the end)."""
        try:
            entries = self._table[name]["entries"]
        except KeyError:
            raise ParameterUnknown(f"No parameter named {name!r}.") from None
        return self._pick(name, entries, on, scope=self._table[name].get("scope"))

    def _pick(self, name: str, entries: list[Mapping[str, Any]], on: date, *, scope: str | None) -> Dated[Any]:
        ordered = sorted(entries, key=lambda e: e["effective_from"])
        chosen: Mapping[str, Any] | None = None
        for candidate in ordered:
            if _day(candidate["effective_from"]) <= on:  # type: ignore[operator]
                chosen = candidate
        if chosen is None:
            raise ParameterUnknown(f"{name} is not known on {on.isoformat()}: its first entry starts later.")
        ends = _day(chosen.get("effective_to"))
        provisional = False
        if ends is not None and on > ends:
            if chosen is not ordered[-1]:
                raise ParameterUnknown(f"{name} has no entry covering {on.isoformat()}.")
            provisional = True
        effective_from = _day(chosen["effective_from"])
        assert effective_from is not None
        label = f"{name}/{scope}" if scope else name
        version = f"{label}@{effective_from.isoformat()}" + ("+provisional" if provisional else "")
        note = str(chosen.get("note", ""))
        if provisional:
            note = (note + " " if note else "") + (
                f"No entry after {ends.isoformat() if ends else ''}: the last known value is carried forward."
            )
        return Dated(
            name=name,
            value=chosen["value"],
            effective_from=effective_from,
            effective_to=ends,
            source=_source_text(chosen["source"]),
            version=version,
            scope=scope or "national",
            confidence=str(chosen.get("confidence", "high")),
            provisional=provisional,
            note=note,
        )

    # -- typed lookups ---------------------------------------------------------------------------------------

    def pm(self, on: date) -> Dated[int]:
        """Subsistence minimum per person a month of the budget law: the base of benefits set in multiples of it.
        (The regional subsistence minimum the TSA poverty line rests on is in poverty_line.json.)"""
        return _as_int(self.entry("subsistence_minimum", on))

    def mrp(self, on: date) -> Dated[int]:
        """Monthly calculation index (МРП / АЕК)."""
        return _as_int(self.entry("mrp", on))

    def multiplier(self, name: str, on: date) -> Dated[Fraction]:
        """An exact multiplier, e.g. `caregiver_allowance_pm_multiplier` (1.61)."""
        found = self.entry(name, on)
        return replace(found, value=Fraction(str(found.value)))

    def poverty_line(self, region: str, quarter: Quarter) -> PovertyLine:
        """The TSA poverty line for applications registered in `quarter` in `region` (domain/poverty_line.py).
        Raises PovertyLineInputsMissing when an input is not loaded."""
        from chalicelib.domain.poverty_line import poverty_line

        return poverty_line(self._poverty, region, quarter)

    def with_poverty_figures(self, loaded: Mapping[str, Any]) -> Parameters:
        """These parameters with more poverty line inputs laid over the loaded ones (an operator's file)."""
        from chalicelib.domain.poverty_line import lay_over

        return Parameters(self._raw, lay_over(self._poverty, loaded))

    def retirement_age_months(self, sex: str, on: date) -> Dated[int]:
        """Retirement age in months for `male` / `female` on a date (women's age rises by half-years from 2028)."""
        found = self.entry("retirement_age_months", on)
        return replace(found, value=int(found.value[sex]))

    def policy(self, name: str, on: date) -> Dated[Any]:
        """A rule table (TSA income kinds, family composition, assignment period, entitled statuses, rounding)."""
        return self.entry(name, on)

    def rounding(self, on: date) -> Dated[str]:
        found = self.entry("amount_rounding", on)
        return replace(found, value=str(found.value))


def _as_int(found: Dated[Any]) -> Dated[int]:
    return replace(found, value=int(found.value))

"""The TSA poverty line of a region and quarter, from its published inputs (chalicelib/data/poverty_line.json).

For an application registered in quarter Q the line is

    max(median_income_share x median income, subsistence_minimum_share x subsistence minimum)

of the applicant's region, both of the quarter before Q (per the rule's `inputs_quarter`), rounded up to whole
tenge (KZT per person a month). A missing input is never guessed: `PovertyLineInputsMissing` names it, and the
application waits for an operator to load it. Pure: the table is given, nothing here reads a file or the clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from chalicelib.domain.errors import DomainError
from chalicelib.domain.parameters import Quarter

POVERTY_LINE_FILE = "poverty_line.json"


@dataclass(frozen=True)
class Figure:
    """One published input: KZT per person a month, with where it was published."""

    name: str  # subsistence_minimum | median_income
    region: str
    quarter: Quarter
    value: int
    source: str
    published_on: date | None
    label: tuple[tuple[str, str], ...] = ()  # where it was published, as the reason prints it: (language, text)

    @property
    def version(self) -> str:
        return f"{self.name}/{self.region}/{self.quarter}"


@dataclass(frozen=True)
class PovertyLine:
    """The line for applications of `quarter` in `region`, and what it was made of."""

    region: str
    quarter: Quarter  # the application quarter
    inputs_quarter: Quarter
    value: int
    subsistence_minimum: Figure
    median_income: Figure | None
    pm_share: Fraction
    median_share: Fraction
    from_pm: int  # pm_share x PM, rounded up
    from_median: int | None  # median_share x median, rounded up
    rule_source: str

    @property
    def version(self) -> str:
        return f"{POVERTY_LINE_FILE}#{self.region}/{self.quarter}"

    @property
    def governed_by(self) -> str:
        """Which input gave the line: `median_income` or `subsistence_minimum`."""
        return (
            "median_income"
            if self.from_median is not None and self.from_median > self.from_pm
            else ("subsistence_minimum")
        )


class PovertyLineInputsMissing(DomainError):
    """An input of the poverty line is not loaded for the region and quarter: no decision until it is."""

    code = "parameter.poverty_line_inputs_missing"
    status = 409

    def __init__(self, region: str, quarter: Quarter, missing: tuple[str, ...]) -> None:
        self.region = region
        self.quarter = quarter
        self.missing = missing
        super().__init__(
            f"The poverty line of {region} for {quarter} cannot be set: {', '.join(missing)} of "
            f"{quarter.previous()} not loaded."
        )


def _source_text(source: Mapping[str, Any] | None) -> str:
    if not source:
        return ""
    parts = [str(source.get("title") or ""), str(source.get("url") or "")]
    if source.get("published_on"):
        parts.append(f"published {source['published_on']}")
    return ", ".join(p for p in parts if p)


def _source_label(source: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """Where a figure was published, as a person reads it in the reason: the source's own `label` per language
    (`{"kk": ..., "ru": ..., "en": ...}`) when the data file gives one, else its title and publication date
    (DD.MM.YYYY) in the title's language. Never an address or a file path."""
    if not source:
        return ()
    label = source.get("label")
    if isinstance(label, Mapping) and label:
        return tuple((str(lang), str(text)) for lang, text in label.items())
    title = str(source.get("title") or "")
    published = source.get("published_on")
    if published:
        title = f"{title}, {date.fromisoformat(str(published)).strftime('%d.%m.%Y')}" if title else ""
    return (("ru", title),) if title else ()


def _figure(table: Mapping[str, Any], name: str, region: str, quarter: Quarter) -> Figure | None:
    raw = ((table.get("regions") or {}).get(region) or {}).get(name, {}).get(str(quarter))
    if not raw or raw.get("value") is None:
        return None
    published = raw.get("source", {}).get("published_on")
    return Figure(
        name,
        region,
        quarter,
        int(raw["value"]),
        _source_text(raw.get("source")),
        date.fromisoformat(published) if published else None,
        _source_label(raw.get("source")),
    )


def poverty_line(table: Mapping[str, Any], region: str, quarter: Quarter) -> PovertyLine:
    """The line for applications registered in `quarter` in `region`.

    Raises PovertyLineInputsMissing when the subsistence minimum (or, where the rule requires it, the median
    income) of the inputs quarter is not loaded, and ValueError for a table without a rule.
    """
    rule = table.get("rule")
    if not rule:
        raise ValueError("poverty_line.json has no rule.")
    inputs_quarter = quarter.previous() if rule.get("inputs_quarter", "previous") == "previous" else quarter
    pm = _figure(table, "subsistence_minimum", region, inputs_quarter)
    median = _figure(table, "median_income", region, inputs_quarter)
    missing = []
    if pm is None:
        missing.append("subsistence_minimum")
    if median is None and rule.get("median_income_required", True):
        missing.append("median_income")
    if missing or pm is None:
        raise PovertyLineInputsMissing(region, quarter, tuple(missing))
    pm_share = Fraction(str(rule["subsistence_minimum_share"]))
    median_share = Fraction(str(rule["median_income_share"]))
    from_pm = math.ceil(pm_share * pm.value)
    from_median = math.ceil(median_share * median.value) if median is not None else None
    return PovertyLine(
        region=region,
        quarter=quarter,
        inputs_quarter=inputs_quarter,
        value=max(from_pm, from_median or 0),
        subsistence_minimum=pm,
        median_income=median,
        pm_share=pm_share,
        median_share=median_share,
        from_pm=from_pm,
        from_median=from_median,
        rule_source=_source_text(rule.get("source")),
    )


def lay_over(base: Mapping[str, Any], loaded: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with an operator's figures laid over it, region by region, input by input, quarter by quarter
    (a null in `loaded` does not erase a figure of `base`)."""
    merged: dict[str, Any] = {key: value for key, value in base.items()}
    if loaded.get("rule"):
        merged["rule"] = loaded["rule"]
    regions: dict[str, Any] = {
        code: {name: dict(values) if isinstance(values, Mapping) else values for name, values in entry.items()}
        for code, entry in (base.get("regions") or {}).items()
    }
    for code, entry in (loaded.get("regions") or {}).items():
        target = regions.setdefault(code, {})
        for name, values in entry.items():
            if not isinstance(values, Mapping):
                continue
            into = target.setdefault(name, {})
            for quarter, figure in values.items():
                if figure is not None:
                    into[quarter] = figure
    merged["regions"] = regions
    return merged

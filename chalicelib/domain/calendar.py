"""The Kazakh working-day calendar of a five-day week, the one public services count their terms in.

A day is a working day unless it is a Saturday or Sunday, a public holiday or the observed day off of a
holiday that fell on a weekend (both from the `holidays` package), or a day off by a decreed transfer of a
day of rest (data file `calendar.json`). A day the data file calls a `working_day` (the weekend half of a
transfer, e.g. Sunday 5 January 2025) is a working day whatever else is true of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Literal

import holidays

from chalicelib.data import load_json
from chalicelib.domain.local_time import ALMATY

CALENDAR_FILE = "calendar.json"

DayKind = Literal["day_off", "working_day"]
_KINDS: tuple[DayKind, ...] = ("day_off", "working_day")
_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


def local_date(instant: datetime) -> date:
    """The calendar day an instant falls on in Kazakhstan (Asia/Almaty, domain/local_time.py): the day a term
    counts from, a sweep runs on, a citizen reads."""
    return instant.astimezone(ALMATY).date()


@cache
def _known_years() -> range:
    kz = holidays.country_holidays("KZ")
    return range(int(kz.start_year), int(kz.end_year) + 1)


@dataclass(frozen=True, slots=True)
class DecreedDay:
    """One half of a decreed transfer of a day of rest (Labour Code art. 85 p. 3)."""

    day: date
    kind: DayKind
    transfer: str
    source: str
    effective_from: date

    @classmethod
    def from_data(cls, entry: Mapping[str, Any]) -> DecreedDay:
        kind = entry["kind"]
        if kind not in _KINDS:
            raise ValueError(f"calendar entry {entry.get('date')}: kind must be one of {_KINDS}, not {kind!r}")
        source = entry["source"]
        if isinstance(source, Mapping):
            source = " ".join(str(source[k]) for k in ("title", "url") if source.get(k))
        return cls(
            day=date.fromisoformat(entry["date"]),
            kind=kind,
            transfer=str(entry["transfer"]),
            source=str(source),
            effective_from=date.fromisoformat(entry["effective_from"]),
        )


class WorkingDayCalendar:
    """Working days of Kazakhstan: the `holidays` package's KZ calendar plus decreed transfers."""

    def __init__(self, decreed: Iterable[DecreedDay] = (), *, language: str = "kk") -> None:
        """`language` names holidays (`kk`, `en_US` or `uk`, as the package has them); set here, never taken
        from the process locale."""
        self.language = language
        self.decreed: tuple[DecreedDay, ...] = tuple(sorted(decreed, key=lambda e: e.day))
        self._days_off: dict[date, DecreedDay] = {}
        self._working: dict[date, DecreedDay] = {}
        for entry in self.decreed:
            (self._days_off if entry.kind == "day_off" else self._working)[entry.day] = entry
        both = self._days_off.keys() & self._working.keys()
        if both:
            raise ValueError(f"calendar entries {sorted(both)} are both a day off and a working day")
        self._holidays_by_year: dict[int, dict[date, str]] = {}

    def as_of(self, day: date) -> WorkingDayCalendar:
        """The calendar the law gives on `day`: the decreed transfers in force by then (`effective_from` on or
        before it). An entry loaded ahead of its order's entry into force changes no term until that day."""
        kept = tuple(e for e in self.decreed if e.effective_from <= day)
        if len(kept) == len(self.decreed):
            return self
        return WorkingDayCalendar(kept, language=self.language)

    @property
    def fingerprint(self) -> str:
        """Which decreed days this calendar holds (a short digest): it changes when an entry is added, withdrawn
        or takes effect, so a stored term computed on another one can be recomputed."""
        import hashlib

        listed = ";".join(f"{e.day.isoformat()}:{e.kind}" for e in self.decreed)
        return hashlib.sha256(listed.encode()).hexdigest()[:16]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WorkingDayCalendar:
        """A calendar from the parsed contents of `calendar.json`."""
        return cls(DecreedDay.from_data(entry) for entry in data.get("days", ()))

    @property
    def years(self) -> range:
        """The years whose public holidays are known (the `holidays` package's KZ calendar, 1991 to 2100 in
        holidays 0.109): outside them no day off is known, so no term can be counted there."""
        return _known_years()

    def _holidays_of(self, year: int) -> dict[date, str]:
        found = self._holidays_by_year.get(year)
        if found is None:
            # Neighbouring years too: a holiday of one year may be observed on a day of the next.
            listed = holidays.country_holidays("KZ", years=(year - 1, year, year + 1), language=self.language)
            found = {d: name for d, name in listed.items() if d.year == year}
            self._holidays_by_year[year] = found
        return found

    def is_working_day(self, d: date) -> bool:
        if d in self._working:
            return True
        if d in self._days_off or d.weekday() >= _SATURDAY:
            return False
        return d not in self._holidays_of(d.year)

    def holiday_name(self, d: date) -> str | None:
        """Why `d` is a day off when it is a holiday, an observed day or a decreed day off; else None.

        Holiday names are the package's, in the calendar's language; a decreed day off is named by its
        transfer. Ordinary weekends and working days have no name.
        """
        if d in self._working:
            return None
        decreed = self._days_off.get(d)
        if decreed is not None:
            return decreed.transfer
        return self._holidays_of(d.year).get(d)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.working_day_on_or_after(d + _ONE_DAY)

    def working_day_on_or_after(self, d: date) -> date:
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        d -= _ONE_DAY
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start` (`start` itself when n is 0); n may not be negative.

        So `working_days_between(start, add_working_days(start, n)) == n`.
        """
        if n < 0:
            raise ValueError("n must not be negative; use previous_working_day to go back")
        d = start
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """How many working days lie in (a, b]; when b is before a, minus how many lie in (b, a]."""
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a + _ONE_DAY
        while d <= b:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count


@cache
def default_calendar() -> WorkingDayCalendar:
    """The calendar in force: the package's holidays plus `calendar.json` (or the operator's override of it).

    Cached for the process; tests that change the data clear it with `default_calendar.cache_clear()`
    (and `load_json.cache_clear()`).
    """
    return WorkingDayCalendar.from_data(load_json(CALENDAR_FILE))

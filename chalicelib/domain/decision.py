"""The decision record: outcome, amount, period, and every reason with the facts and parameters it rests on.

A `Decision` is what gets stored, signed and rendered as the assignment notice or the substantiated refusal.
`to_dict()` is JSON-safe with a fixed key order and `from_dict()` restores an equal record, so a signature
over the canonical JSON of `to_dict()` stays verifiable after a round trip through storage.

Reason texts come from chalicelib/data/decision_texts.json (kk, ru, en) with `{placeholders}`; a refusal's
`not_met` reason names the rule and the fact it failed on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from chalicelib.data import load_json

TEXTS_FILE = "decision_texts.json"
LANGUAGES = ("kk", "ru", "en")
OUTCOMES = ("approved", "refused")
REASON_OUTCOMES = ("met", "not_met", "info")


@dataclass(frozen=True)
class FactUsed:
    """One fact a reason rests on: which registry said what about whom (masked IIN), and when it was read."""

    registry: str
    person_masked_iin: str
    field: str
    value_repr: str
    source_system: str
    fetched_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "person_masked_iin": self.person_masked_iin,
            "field": self.field,
            "value_repr": self.value_repr,
            "source_system": self.source_system,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FactUsed:
        fetched = raw.get("fetched_at")
        return cls(
            registry=raw["registry"],
            person_masked_iin=raw["person_masked_iin"],
            field=raw["field"],
            value_repr=raw["value_repr"],
            source_system=raw["source_system"],
            fetched_at=datetime.fromisoformat(fetched) if fetched else None,
        )


@dataclass(frozen=True)
class Reason:
    rule_id: str
    outcome: str
    facts: tuple[FactUsed, ...]
    text: Mapping[str, str]

    def __post_init__(self) -> None:
        if self.outcome not in REASON_OUTCOMES:
            raise ValueError(f"A reason is met, not_met or info, not {self.outcome!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "facts": [f.to_dict() for f in self.facts],
            "text": {lang: self.text[lang] for lang in LANGUAGES if lang in self.text},
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Reason:
        return cls(
            rule_id=raw["rule_id"],
            outcome=raw["outcome"],
            facts=tuple(FactUsed.from_dict(f) for f in raw["facts"]),
            text=dict(raw["text"]),
        )


@dataclass(frozen=True)
class Decision:
    service_id: str
    outcome: str
    amount_monthly: int | None
    period_from: date | None
    period_to: date | None
    reasons: tuple[Reason, ...]
    parameters: tuple[str, ...]
    decided_on: date
    # The people the assignment is for (the child, the cared person, TSA's counted family): what the
    # one-assignment-per-subject claim takes. Never stored nor signed: IINs in clear stay out of the record.
    beneficiaries: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"A decision is approved or refused, not {self.outcome!r}.")

    @property
    def approved(self) -> bool:
        return self.outcome == "approved"

    @property
    def failed(self) -> tuple[Reason, ...]:
        """The reasons a refusal rests on."""
        return tuple(r for r in self.reasons if r.outcome == "not_met")

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_id": self.service_id,
            "outcome": self.outcome,
            "amount_monthly": self.amount_monthly,
            "period_from": self.period_from.isoformat() if self.period_from else None,
            "period_to": self.period_to.isoformat() if self.period_to else None,
            "decided_on": self.decided_on.isoformat(),
            "reasons": [r.to_dict() for r in self.reasons],
            "parameters": list(self.parameters),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Decision:
        return cls(
            service_id=raw["service_id"],
            outcome=raw["outcome"],
            amount_monthly=raw["amount_monthly"],
            period_from=date.fromisoformat(raw["period_from"]) if raw["period_from"] else None,
            period_to=date.fromisoformat(raw["period_to"]) if raw["period_to"] else None,
            reasons=tuple(Reason.from_dict(r) for r in raw["reasons"]),
            parameters=tuple(raw["parameters"]),
            decided_on=date.fromisoformat(raw["decided_on"]),
        )


# -- texts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A value that is itself a word to translate (a role, a ground, a relation): `terms.<group>.<key>` in the texts."""

    group: str
    key: str


@dataclass(frozen=True)
class Localized:
    """A value already written in each language (`{"kk": ..., "ru": ..., "en": ...}`), such as where a figure was
    published; a language missing falls back to Russian, then to any."""

    text: Mapping[str, str]

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.text.items())))

    def in_language(self, lang: str) -> str:
        return self.text.get(lang) or self.text.get("ru") or next(iter(self.text.values()), "")


@dataclass(frozen=True)
class Years:
    """An age in whole years: Russian says it with the word in the form the number asks for (1 год, 3 года,
    34 года, 42 года, 11 лет); Kazakh and English templates carry their own word (`{age} жаста`, `aged {age}`)."""

    value: int

    def in_language(self, lang: str) -> str:
        if lang != "ru":
            return str(self.value)
        last_two, last = self.value % 100, self.value % 10
        word = "лет" if 11 <= last_two <= 14 else "год" if last == 1 else "года" if 2 <= last <= 4 else "лет"
        return f"{self.value} {word}"


def texts_version() -> str:
    return f"{TEXTS_FILE}@{load_json(TEXTS_FILE).get('_version', 'unversioned')}"


def _region_name(code: str, lang: str) -> str:
    """A region's name from regions.json (`Term("region", "KZ-AKT")`); the code itself if unknown."""
    for region in load_json("regions.json")["regions"]:
        if code == region["code"] or code in region["aliases"]:
            return str(region["name"][lang])
    return code


def _format_value(value: object, lang: str) -> str:
    if isinstance(value, Localized | Years):
        return value.in_language(lang)
    if isinstance(value, Term):
        if value.group == "region":
            return _region_name(value.key, lang)
        return str(load_json(TEXTS_FILE)["terms"][value.group][value.key][lang])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u00a0")
    if isinstance(value, Fraction):
        places = next((p for p in (0, 1, 2) if (value * 10**p).denominator == 1), 2)
        shown = f"{float(value):,.{places}f}".replace(",", "\u00a0")
        return shown if lang == "en" else shown.replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_format_value(v, lang) for v in value)
    return str(value)


def render(rule_id: str, outcome: str, values: Mapping[str, object]) -> dict[str, str]:
    """The reason's text in kk, ru and en. A missing template or placeholder is a bug: it raises."""
    templates = load_json(TEXTS_FILE)["reasons"][rule_id][outcome]
    return {
        lang: templates[lang].format_map({key: _format_value(value, lang) for key, value in values.items()})
        for lang in LANGUAGES
    }


@dataclass
class Explanation:
    """Collects the reasons and cited parameter versions while a rule runs, then becomes the `Decision`."""

    service_id: str
    reasons: list[Reason] = field(default_factory=list)
    cited: dict[str, None] = field(default_factory=dict)

    def add(self, rule_id: str, outcome: str, facts: Iterable[FactUsed] = (), **values: object) -> Reason:
        reason = Reason(rule_id, outcome, tuple(facts), render(rule_id, outcome, values))
        self.reasons.append(reason)
        return reason

    def check(self, rule_id: str, ok: bool, facts: Iterable[FactUsed] = (), **values: object) -> bool:
        self.add(rule_id, "met" if ok else "not_met", facts, **values)
        return ok

    def cite(self, *versions: str) -> None:
        for version in versions:
            self.cited.setdefault(version, None)

    @property
    def refused(self) -> bool:
        return any(r.outcome == "not_met" for r in self.reasons)

    def decision(
        self,
        *,
        decided_on: date,
        amount_monthly: int | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
        beneficiaries: Iterable[str] = (),
    ) -> Decision:
        refused = self.refused
        return Decision(
            service_id=self.service_id,
            outcome="refused" if refused else "approved",
            amount_monthly=None if refused else amount_monthly,
            period_from=None if refused else period_from,
            period_to=None if refused else period_to,
            reasons=tuple(self.reasons),
            parameters=tuple(self.cited),
            decided_on=decided_on,
            beneficiaries=() if refused else tuple(beneficiaries),
        )

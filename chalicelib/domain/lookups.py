"""Which registries are asked about whom for an application (chalicelib/data/lookup_plans.json).

A plan is fixed at registration: one `LookupSpec` per (registry, person). Conditions known then
(a representative, no subject, a dependant's age) are resolved at once; those that depend on an answer
(`address.baikonur`, `address.rural`: the applicant's address) travel with the applicant's address lookup
and are issued, or skipped, when that answer lands. Either way every spec of the plan is counted, so the
decision cannot start before the conditional lookups are settled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from typing import Any

from chalicelib.data import load_json
from chalicelib.domain.application import Application
from chalicelib.domain.identity import Iin

DYNAMIC_CONDITIONS = ("address.baikonur", "address.rural")
STUDENT_AGES = (18, 23)


@dataclass(frozen=True)
class LookupSpec:
    registry: str
    person_ref: str
    iin: str
    purpose: str
    on_not_found: str
    document: str | None = None
    when: str | None = None

    @property
    def key(self) -> str:
        return f"{self.registry}#{self.person_ref}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> LookupSpec:
        return cls(
            raw["registry"],
            raw["person_ref"],
            raw["iin"],
            raw["purpose"],
            raw["on_not_found"],
            raw.get("document"),
            raw.get("when"),
        )


@cache
def _plans() -> dict[str, list[dict[str, Any]]]:
    plans: dict[str, list[dict[str, Any]]] = load_json("lookup_plans.json")["plans"]
    return plans


def _people(application: Application, role: str) -> list[tuple[str, str]]:
    if role == "applicant":
        return [("applicant", application.applicant.iin)]
    if role == "representative":
        rep = application.representative
        return [("representative", rep.iin)] if rep else []
    if role in ("subject", "family_member"):
        return [(f"subject:{i}", s.iin) for i, s in enumerate(application.subjects)]
    raise ValueError(f"unknown role in a lookup plan: {role}")


def _static_condition_holds(condition: str, application: Application, iin: str, on: date) -> bool:
    if condition == "representative":
        return application.representative is not None
    if condition == "no_subject":
        return not application.subjects
    if condition == "age.18-23":
        low, high = STUDENT_AGES
        return low <= Iin(iin).age_on(on) <= high
    raise ValueError(f"unknown condition in a lookup plan: {condition}")


def plan_for(application: Application, on: date) -> list[LookupSpec]:
    """Every lookup this application needs, de-duplicated per (registry, person)."""
    specs: dict[str, LookupSpec] = {}
    for entry in _plans().get(application.service_id, []):
        when = entry.get("when")
        for role in entry["about"]:
            for ref, iin in _people(application, role):
                if when and when not in DYNAMIC_CONDITIONS and not _static_condition_holds(when, application, iin, on):
                    continue
                spec = LookupSpec(
                    entry["registry"],
                    ref,
                    iin,
                    entry["purpose"],
                    entry["on_not_found"],
                    entry.get("document"),
                    when if when in DYNAMIC_CONDITIONS else None,
                )
                specs.setdefault(spec.key, spec)
    return list(specs.values())


def dynamic_condition_holds(condition: str, address_answer: Mapping[str, Any] | None) -> bool:
    """Conditions on the applicant's address: false when the address was not found."""
    if address_answer is None:
        return False
    field = condition.split(".", 1)[1]
    return bool(address_answer.get(field))


def is_trigger(spec: LookupSpec) -> bool:
    """The lookup whose answer settles the dynamic conditions."""
    return spec.registry == "address" and spec.person_ref == "applicant"

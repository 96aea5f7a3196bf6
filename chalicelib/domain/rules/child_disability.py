"""Benefit for a mother, father, adoptive parent or guardian raising a child with a disability.

Rules (Social Code of 2023; service standard, order No. 148 of 25.05.2020 as amended; proactive format):
- the child's disability is established and valid on the registration date (a child-disability record, or any
  disability record of a person under the age limit);
- the child is under the age limit (18) and alive;
- the applicant is the child's mother or father (civil births), adoptive parent (adoptions) or guardian
  (guardianship authorities);
- no such benefit is already assigned for the same child.
Amount: the multiplier of the subsistence minimum in force on the registration date, rounded per the data file.
Period: from the registration date until the disability ends or the day before the child turns 18.
"""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.decision import Decision, Term, Years
from chalicelib.domain.facts import Case, FactKey, death_fact, parent_child, parse_day
from chalicelib.domain.parameters import Parameters
from chalicelib.domain.rules import (
    check_no_duplicate,
    check_residence_status,
    only_subject,
    pm_benefit,
    start,
    use,
    validity,
)

SERVICE_ID = "child-disability-benefit"
MULTIPLIER = "child_disability_benefit_pm_multiplier"


def required_facts(case: Case) -> tuple[list[FactKey], list[list[FactKey]]]:
    """What must have been answered before deciding: (each of these, at least one of each group)."""
    parent, child = case.applicant_iin, only_subject(case, "child")
    kinship_sources = [
        (registry, iin) for registry in ("civil_births", "adoption", "guardianship") for iin in (child, parent)
    ]
    return [("disability", child)], [kinship_sources, [("social_payments", parent), ("social_payments", child)]]


def decide(case: Case, params: Parameters, on: date) -> Decision:
    needed, any_of = required_facts(case)
    case.require(needed, any_of=any_of)
    parent, child = case.applicant_iin, only_subject(case, "child")
    day = case.registered_on
    ex = start(case, params)

    check_residence_status(ex, case, params, parent)
    if case.deceased_on(child, day):
        ex.add("child_disability.child_alive", "not_met", [death_fact(case, child)])

    limit = use(ex, params.entry("child_disability_benefit_until_age", day))
    age = case.age_on(child, day)
    ex.check(
        "child_disability.minor",
        age < int(limit.value),
        [case.birth_fact(child)],
        age=Years(age),
        on=day,
        limit=int(limit.value),
    )

    record = case.disability_on(child, day)
    established = record is not None and (bool(record.get("child_disability")) or age < int(limit.value))
    ex.check(
        "child_disability.disability",
        established,
        [case.fact("disability", child, "child_disability"), case.fact("disability", child, "valid_until")],
        on=day,
        established_on=parse_day(record.get("established_on")) or "" if record else "",
        valid=validity(parse_day(record.get("valid_until"))) if record else "",
    )

    kin = parent_child(case, parent, child)
    relation = _relation(case, parent, kin.detail) if kin else None
    sources = (
        ("civil_births", parent, "children"),
        ("civil_births", child, "parents"),
        ("adoption", parent, "adopted_children"),
        ("adoption", child, "adoptive_parents"),
        ("guardianship", parent, "wards"),
        ("guardianship", child, "guardians"),
    )
    facts = list(kin.evidence) if kin else [case.fact(r, iin, f) for r, iin, f in sources if case.answer(r, iin)]
    ex.check(
        "child_disability.relation",
        relation is not None,
        facts,
        relation=Term("relation", relation) if relation else "",
    )
    check_no_duplicate(ex, case, child, "child_disability.no_duplicate")

    if ex.refused:
        return ex.decision(decided_on=on)
    amount = pm_benefit(ex, params, MULTIPLIER, "child_disability.amount", day)
    ends = _day_before_birthday(case.birth_date(child), int(limit.value))
    until = parse_day(record.get("valid_until")) if record else None
    return ex.decision(
        decided_on=on,
        amount_monthly=amount,
        period_from=day,
        period_to=min(until, ends) if until is not None else ends,
        beneficiaries=(child,),
    )


def _relation(case: Case, parent: str, detail: str) -> str | None:
    if detail in ("mother", "father"):
        return detail
    if detail == "adoptive":
        return "adoptive_parent"
    if detail == "ward":
        return "guardian"
    if detail == "":
        return "mother" if case.sex(parent) == "female" else "father"
    return None


def _day_before_birthday(born: date, years: int) -> date:
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # born on 29 February
        birthday = date(born.year + years, 3, 1)
    return birthday - timedelta(days=1)

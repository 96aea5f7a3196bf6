"""Benefit for a person caring for a person with first-group disability (caregiver-allowance).

Rules (Social Code of 2023; service standard, order No. 148 of 25.05.2020 as amended):
- the cared-for person has a first-group disability valid on the registration date, and is alive;
- the carer has full legal capacity (State Database of Individuals) and is not registered at a mental-health
  centre;
- where the cared-for person was declared legally incapable, the carer is their guardian;
- both are registered at a place of residence; a carer living in Baikonur has the housing department's certificate;
- a representative acts under a valid notarised power of attorney;
- no allowance for caring for the same person is already assigned.
Amount: the multiplier of the subsistence minimum in force on the registration date, rounded per the data file.
Period: from the registration date for as long as the first-group disability is established.
"""

from __future__ import annotations

from datetime import date

from chalicelib.domain.decision import Decision, Term
from chalicelib.domain.facts import Case, FactKey, death_fact, disability_group, in_list, parse_day
from chalicelib.domain.parameters import Parameters
from chalicelib.domain.rules import (
    check_no_duplicate,
    check_registered,
    check_representative,
    check_residence_status,
    only_subject,
    pm_benefit,
    start,
    validity,
)

SERVICE_ID = "caregiver-allowance"
MULTIPLIER = "caregiver_allowance_pm_multiplier"


def required_facts(case: Case) -> tuple[list[FactKey], list[list[FactKey]]]:
    """What must have been answered before deciding: (each of these, at least one of each group)."""
    carer, cared = case.applicant_iin, only_subject(case, "cared_person")
    needed: list[FactKey] = [("disability", cared), ("gbdfl", carer), ("mental_health", carer), ("address", carer)]
    any_of: list[list[FactKey]] = [[("social_payments", carer), ("social_payments", cared)]]
    if case.representative_iin:
        any_of.append([("e_notary", carer), ("e_notary", case.representative_iin)])
    residence = case.residence(carer)
    if residence is not None and residence.get("baikonur"):
        needed.append(("baikonur_housing", carer))
    if _incapable(case, cared):
        any_of.append([("guardianship", carer), ("guardianship", cared)])
    return needed, any_of


def decide(case: Case, params: Parameters, on: date) -> Decision:
    needed, any_of = required_facts(case)
    case.require(needed, any_of=any_of)
    carer, cared = case.applicant_iin, only_subject(case, "cared_person")
    day = case.registered_on
    ex = start(case, params)

    check_residence_status(ex, case, params, carer)
    check_representative(ex, case)
    residence = check_registered(ex, case, carer, "applicant.residence_registered")
    if case.answer("address", cared) is not None:
        check_registered(ex, case, cared, "cared_person.residence_registered")
    if residence is not None and residence.get("baikonur"):
        ex.check(
            "caregiver.baikonur_certificate",
            bool(case.get("baikonur_housing", carer, "resides")),
            [case.fact("baikonur_housing", carer, "resides")],
            certificate_no=str(case.get("baikonur_housing", carer, "certificate_no", "")),
        )
    if case.deceased_on(cared, day):
        ex.add("caregiver.cared_person_alive", "not_met", [death_fact(case, cared)])

    record = case.disability_on(cared, day)
    group = disability_group(record)
    ex.check(
        "caregiver.disability_group_1",
        group == "1",
        [case.fact("disability", cared, "group"), case.fact("disability", cared, "valid_until")],
        on=day,
        group=group or Term("group", "none"),
        established_on=parse_day(record.get("established_on")) or "" if record else "",
        valid=validity(parse_day(record.get("valid_until"))) if record else "",
    )

    capacity = str(case.get("gbdfl", carer, "legal_capacity", "unknown"))
    ex.check(
        "caregiver.legal_capacity",
        capacity == "full",
        [case.fact("gbdfl", carer, "legal_capacity")],
        capacity=Term("capacity", capacity if capacity in ("full", "limited", "incapable") else "unknown"),
    )
    ex.check(
        "caregiver.mental_health",
        not case.get("mental_health", carer, "registered", False),
        [case.fact("mental_health", carer, "registered")],
    )
    if _incapable(case, cared):
        guardian = in_list(case.get("guardianship", carer, "wards"), cared) or in_list(
            case.get("guardianship", cared, "guardians"), carer
        )
        facts = [case.fact("gbdfl", cared, "legal_capacity")]
        facts += [
            case.fact("guardianship", iin, f)
            for iin, f in ((carer, "wards"), (cared, "guardians"))
            if case.answer("guardianship", iin)
        ]
        ex.check("caregiver.guardianship", guardian, facts)
    check_no_duplicate(ex, case, cared, "caregiver.no_duplicate")

    if ex.refused:
        return ex.decision(decided_on=on)
    amount = pm_benefit(ex, params, MULTIPLIER, "caregiver.amount", day)
    until = parse_day(record.get("valid_until")) if record else None
    return ex.decision(decided_on=on, amount_monthly=amount, period_from=day, period_to=until, beneficiaries=(cared,))


def _incapable(case: Case, iin: str) -> bool:
    return case.get("gbdfl", iin, "legal_capacity") == "incapable" or bool(
        case.get("gbdfl", iin, "incapacity_court_decision")
    )

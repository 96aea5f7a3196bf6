"""Preparation of documents for special social services (in centres for special social services since order
No. 411 of 25.12.2025; in medical-social institutions before).

Rules (Social Code of 2023, special social services; rules of the public service, order No. 197 of 28.05.2020 as
worded by order No. 411 of 25.12.2025, whose body could not be read: the grounds below are the earlier standard's):
- the person the services are for (the `cared_person` subject, or the applicant when none is named) has a
  ground: first- or second-group disability valid on the registration date, retirement age, legal incapacity
  declared by a court, or veteran status;
- the medical record (health information system, forms 035/у, 052/у) is on file and states no
  contraindications to a stay in a medical-social institution;
- a representative acts under a valid notarised power of attorney.
Result: documents prepared (no amount); the services have no end date set by this decision, so the period is
open from the registration date. Otherwise a refusal naming the missing ground or record.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from chalicelib.domain.catalog import load_catalog
from chalicelib.domain.decision import Decision, FactUsed, Term
from chalicelib.domain.facts import Case, FactKey, disability_group, parse_day
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.parameters import Parameters
from chalicelib.domain.rules import check_representative, start, use

SERVICE_ID = "special-social-services"


def beneficiary(case: Case) -> str:
    subjects = case.subject_iins("cared_person")
    return subjects[0] if subjects else case.applicant_iin


def required_facts(case: Case) -> tuple[list[FactKey], list[list[FactKey]]]:
    """What must have been answered before deciding: (each of these, at least one of each group).

    Veteran status is optional: without a registry record the applicant brings a copy of the certificate.
    """
    person = beneficiary(case)
    needed: list[FactKey] = [("gbdfl", person), ("disability", person), ("medical_records", person)]
    any_of: list[list[FactKey]] = []
    if case.representative_iin:
        any_of.append([("e_notary", case.applicant_iin), ("e_notary", case.representative_iin)])
    return needed, any_of


def decide(case: Case, params: Parameters, on: date) -> Decision:
    needed, any_of = required_facts(case)
    case.require(needed, any_of=any_of)
    person = beneficiary(case)
    day = case.registered_on
    ex = start(case, params)

    check_representative(ex, case)

    grounds: list[Term] = []
    facts: list[FactUsed] = []
    group = disability_group(case.disability_on(person, day))
    facts.append(case.fact("disability", person, "group"))
    if group in ("1", "2"):
        grounds.append(Term("ground", f"disability_group_{group}"))
    retirement = use(ex, params.retirement_age_months(case.sex(person), day))
    facts.append(case.birth_fact(person))
    if case.age_in_months_on(person, day) >= retirement.value:
        grounds.append(Term("ground", "retirement_age"))
    if case.get("gbdfl", person, "legal_capacity") == "incapable" or case.get(
        "gbdfl", person, "incapacity_court_decision"
    ):
        facts.append(case.fact("gbdfl", person, "incapacity_court_decision"))
        grounds.append(Term("ground", "incapacity"))
    if case.get("veterans", person, "veteran"):
        facts.append(case.fact("veterans", person, "category"))
        grounds.append(Term("ground", "veteran"))
    ex.check(
        "sss.ground",
        bool(grounds),
        facts,
        person=mask_iin(person),
        grounds=grounds,
        retirement_age=Fraction(retirement.value, 12),
    )

    forms = [f for f in case.get("medical_records", person, "forms") or [] if isinstance(f, dict)]
    latest = max(forms, key=lambda f: str(f.get("issued_on", "")), default=None)
    ex.check(
        "sss.medical_record",
        latest is not None,
        [case.fact("medical_records", person, "forms", value=[f.get("form") for f in forms] if forms else None)],
        form=str(latest.get("form", "")) if latest else "",
        issued_on=parse_day(latest.get("issued_on")) or "" if latest else "",
    )
    if latest is not None:
        ex.check(
            "sss.contraindications",
            not case.get("medical_records", person, "contraindications", False),
            [case.fact("medical_records", person, "contraindications")],
        )

    if ex.refused:
        return ex.decision(decided_on=on)
    term = load_catalog().get(SERVICE_ID).terms.get(case.channel)
    ex.add(
        "sss.documents_prepared",
        "info",
        person=mask_iin(person),
        term=term.working_days if term and term.working_days else "",
    )
    return ex.decision(decided_on=on, period_from=day, period_to=None)

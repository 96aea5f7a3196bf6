"""Decision rules of the four services, as code over a `Case` and dated `Parameters`.

`decide(case)` picks the service's rules. Every rule adds a `Reason` (met / not_met / info) naming the facts it
used; any `not_met` makes the decision a substantiated refusal. The rules read no clock: the same case, data
files and as-of date give the same decision. Legal dates are the registration date (entitlement, amounts,
quarters); `on` is only the date the decision is taken and recorded.

The checks shared by several services live here; each service's own rules are in its module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

from chalicelib.data import load_json
from chalicelib.domain.assignments import Blocking
from chalicelib.domain.catalog import UnknownService
from chalicelib.domain.decision import Decision, Explanation, FactUsed, Reason, Term, render, texts_version
from chalicelib.domain.errors import DomainError
from chalicelib.domain.facts import Case, parse_day
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.parameters import Dated, Parameters, round_tenge

Rule = Callable[[Case, Parameters, date], Decision]


class SubjectMissing(DomainError):
    """The case does not name the person the service is about (intake should have refused it)."""

    code = "decision.subject_missing"
    status = 422


def decide(case: Case, params: Parameters | None = None, *, on: date | None = None) -> Decision:
    """The decision on `case` as of `on` (default: the registration date)."""
    from chalicelib.domain.rules import caregiver, child_disability, special_social_services, tsa

    rules: Mapping[str, Rule] = {
        caregiver.SERVICE_ID: caregiver.decide,
        child_disability.SERVICE_ID: child_disability.decide,
        special_social_services.SERVICE_ID: special_social_services.decide,
        tsa.SERVICE_ID: tsa.decide,
    }
    rule = rules.get(case.service_id)
    if rule is None:
        raise UnknownService(f"There are no decision rules for service '{case.service_id}'.")
    return rule(case, params or Parameters.load(), on or case.registered_on)


# -- shared checks ------------------------------------------------------------------------------------------


def start(case: Case, params: Parameters) -> Explanation:
    """An explanation that cites the data files the decision rests on."""
    explanation = Explanation(case.service_id)
    explanation.cite(params.version, texts_version(), f"services.json@{load_json('services.json')['_version']}")
    return explanation


def use(ex: Explanation, found: Dated[Any]) -> Dated[Any]:
    """Cite a parameter; when it is carried forward past its last known date, say so in the decision."""
    ex.cite(found.version)
    if found.provisional:
        ex.add(
            "parameter.provisional",
            "info",
            parameter=found.name,
            value=found.value,
            effective_from=found.effective_from,
        )
    return found


def only_subject(case: Case, relation: str) -> str:
    subjects = case.subject_iins(relation)
    if not subjects:
        raise SubjectMissing(f"The case names no subject of kind {relation}.")
    return subjects[0]


def check_residence_status(ex: Explanation, case: Case, params: Parameters, iin: str) -> None:
    """Citizens, kandas, refugees and permanently resident foreigners / stateless persons have the right.

    The migration registry holds no record for most citizens: `not_found` (or not asked) means a citizen.
    """
    status = case.get("migration", iin, "status")
    if status is None:
        return
    entitled = use(ex, params.policy("entitled_statuses", case.registered_on))
    ex.check(
        "applicant.residence_status",
        status in entitled.value,
        [case.fact("migration", iin, "status")],
        status=Term("status", str(status)),
    )


def check_representative(ex: Explanation, case: Case) -> None:
    """A representative acts under a notarised power of attorney valid on the registration date."""
    agent = case.representative_iin
    if not agent:
        return
    principal = case.applicant_iin
    day = case.registered_on
    facts: list[FactUsed] = []
    valid: Mapping[str, Any] | None = None
    for holder in (principal, agent):
        powers = case.get("e_notary", holder, "powers_of_attorney")
        if powers is None:
            continue
        facts.append(case.fact("e_notary", holder, "powers_of_attorney", value=len(powers)))
        for power in powers:
            until = parse_day(power.get("valid_until"))
            if (
                power.get("principal_iin") == principal
                and power.get("agent_iin") == agent
                and not power.get("revoked")
                and (until is None or until >= day)
            ):
                valid = power
    if not facts:
        facts.append(case.fact("e_notary", principal, "powers_of_attorney"))
    ex.check(
        "representative.power_of_attorney",
        valid is not None,
        facts,
        representative=mask_iin(agent),
        number=str(valid.get("number", "")) if valid else "",
        valid_until=validity(parse_day(valid.get("valid_until"))) if valid else "",
    )


def check_registered(ex: Explanation, case: Case, iin: str, rule_id: str) -> Mapping[str, Any] | None:
    residence = case.residence(iin)
    ex.check(
        rule_id,
        residence is not None,
        [case.fact("address", iin, "registered")],
        region=Term("region", str(residence.get("region", ""))) if residence else "",
    )
    return residence


def active_assignment(case: Case, subject: str, holders: tuple[str, ...]) -> Mapping[str, Any] | None:
    """An assignment of the same service for the same subject in force on the registration date, if any.

    Asked about the recipient, the registry lists what they receive (with the subject's IIN); asked about the
    subject, it lists what is paid for them (the subject's IIN or none).
    """
    day = case.registered_on
    for holder in holders:
        for assignment in case.get("social_payments", holder, "assignments") or []:
            if assignment.get("service_id") != case.service_id:
                continue
            about = assignment.get("subject_iin")
            if about != subject and not (holder == subject and about is None):
                continue
            starts = parse_day(assignment.get("from"))
            ends = parse_day(assignment.get("to"))
            if (starts is None or starts <= day) and (ends is None or ends >= day):
                return dict(assignment)
    return None


def check_no_duplicate(ex: Explanation, case: Case, subject: str, rule_id: str) -> None:
    holders = (case.applicant_iin, subject)
    existing = active_assignment(case, subject, holders)
    facts = [case.fact("social_payments", h, "assignments") for h in holders if case.answer("social_payments", h)]
    ex.check(rule_id, existing is None, facts, since=parse_day(existing.get("from")) if existing else "")


def pm_benefit(ex: Explanation, params: Parameters, multiplier_name: str, rule_id: str, day: date) -> int:
    """A benefit set as a multiple of the (national, budget-law) subsistence minimum, rounded per the data."""
    pm = use(ex, params.pm(day))
    multiplier = use(ex, params.multiplier(multiplier_name, day))
    rounding = use(ex, params.rounding(day))
    amount = round_tenge(multiplier.value * Fraction(pm.value), rounding.value)
    # The year is a label, not a quantity: as a string it is not grouped like an amount ("2 026").
    ex.add(rule_id, "info", multiplier=multiplier.value, pm=pm.value, amount=amount, year=str(pm.effective_from.year))
    return amount


def validity(until: date | None) -> object:
    return until if until is not None else Term("validity", "indefinite")


def refused_as_assigned(decision: Decision, block: Blocking) -> Decision:
    """The decision turned into a refusal because this system already assigned the benefit to the subject for
    the period (one assignment per subject and period): the reason names the assignment, masked."""
    claim = block.claim
    fact = FactUsed("assignments", block.masked_subject, "holder", block.masked_holder, "social-benefits", None)
    text = render(
        "assignment.exists",
        "not_met",
        {
            "subject": block.masked_subject,
            "application": block.masked_holder,
            "from_": claim.period_from or "",
            "to": claim.period_to if claim.period_to else Term("validity", "indefinite"),
        },
    )
    reason = Reason("assignment.exists", "not_met", (fact,), text)
    return replace(
        decision,
        outcome="refused",
        amount_monthly=None,
        period_from=None,
        period_to=None,
        reasons=(*decision.reasons, reason),
        beneficiaries=(),
    )

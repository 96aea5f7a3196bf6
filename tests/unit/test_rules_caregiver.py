"""Benefit for a person caring for a person with first-group disability.

Amount: 1.61 x PM rounded up -> 2026: 1.61 x 50,851 = 81,870.11 -> 81,871; 2025: 1.61 x 46,228 = 74,427.08 -> 74,428.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import pytest

from chalicelib.domain.facts import Case, FactsMissing, RegistryAnswer
from chalicelib.domain.rules import decide
from tests.support.answers import Answers
from tests.support.people import iin

FETCHED = datetime(2026, 3, 2, 10, 0)
ON = date(2026, 3, 2)


person = iin

found, none = Answers(FETCHED).found, Answers(FETCHED).none


CARER = person(date(1985, 4, 12), "female")
CARED = person(date(1950, 1, 20), "male", 7)
AGENT = person(date(1979, 8, 8), "male", 9)


def address(iin: str, *, baikonur: bool = False) -> RegistryAnswer:
    return found(
        "address",
        iin,
        registered=True,
        region="KZ-BAY" if baikonur else "KZ-KAR",
        locality="x",
        rural=False,
        baikonur=baikonur,
        registered_since="2010-01-01",
    )


def caregiver_case(*, answers: Iterable[RegistryAnswer] = (), on: date = ON, representative: str | None = None) -> Case:
    """A capable carer, a cared-for person with first-group disability for life, no allowance yet."""
    base = [
        found(
            "disability",
            CARED,
            group="1",
            child_disability=False,
            established_on="2024-02-01",
            valid_until=None,
            needs_care=True,
        ),
        found(
            "gbdfl",
            CARER,
            legal_capacity="full",
            incapacity_court_decision=None,
            birth_date="1985-04-12",
            sex="female",
            death_date=None,
        ),
        none("mental_health", CARER),
        address(CARER),
        address(CARED),
        none("social_payments", CARER),
    ]
    return Case.of(
        service_id="caregiver-allowance",
        applicant_iin=CARER,
        region="KZ-KAR",
        registered_on=on,
        subjects=[(CARED, "cared_person")],
        representative_iin=representative,
        answers=[*base, *answers],
    )


def poa(*, revoked: bool = False, valid_until: str = "2027-01-01") -> RegistryAnswer:
    return found(
        "e_notary",
        CARER,
        powers_of_attorney=[
            {
                "number": "N-17",
                "principal_iin": CARER,
                "agent_iin": AGENT,
                "valid_until": valid_until,
                "revoked": revoked,
            }
        ],
    )


@pytest.mark.parametrize(
    ("title", "case", "amount", "period_to"),
    [
        ("first-group disability for life", caregiver_case(), 81871, None),
        (
            "first-group disability until a date",
            caregiver_case(
                answers=[
                    found(
                        "disability",
                        CARED,
                        group=1,
                        child_disability=False,
                        established_on="2025-06-01",
                        valid_until="2027-05-31",
                        needs_care=True,
                    )
                ]
            ),
            81871,
            date(2027, 5, 31),
        ),
        ("filed in 2025: the 2025 PM", caregiver_case(on=date(2025, 11, 3)), 74428, None),
        (
            "incapable person cared for by their guardian",
            caregiver_case(
                answers=[
                    found("gbdfl", CARED, legal_capacity="incapable", incapacity_court_decision={"date": "2023-01-01"}),
                    found("guardianship", CARER, wards=[CARED], guardians=[]),
                ]
            ),
            81871,
            None,
        ),
        (
            "an earlier allowance for the person has ended",
            caregiver_case(
                answers=[
                    found(
                        "social_payments",
                        CARED,
                        assignments=[
                            {
                                "service_id": "caregiver-allowance",
                                "subject_iin": CARED,
                                "from": "2024-01-01",
                                "to": "2025-12-31",
                            }
                        ],
                    )
                ]
            ),
            81871,
            None,
        ),
        (
            "Baikonur resident with the housing certificate",
            caregiver_case(
                answers=[
                    address(CARER, baikonur=True),
                    found("baikonur_housing", CARER, resides=True, certificate_no="B-42"),
                ]
            ),
            81871,
            None,
        ),
        (
            "filed by a representative with a valid power of attorney",
            caregiver_case(representative=AGENT, answers=[poa()]),
            81871,
            None,
        ),
    ],
)
def test_approved(title, case, amount, period_to):
    # Given the facts / When decided / Then approved with 1.61 PM from the registration date
    decision = decide(case)
    assert decision.outcome == "approved", [r.text["en"] for r in decision.failed]
    assert decision.amount_monthly == amount
    assert (decision.period_from, decision.period_to) == (case.registered_on, period_to)
    assert "caregiver_allowance_pm_multiplier@2023-07-01" in decision.parameters


def test_the_amount_reason_shows_the_year_of_the_subsistence_minimum_as_a_year() -> None:
    # Given an approved case / When decided / Then the amount's reason names the PM's year as written, not as an amount
    (reason,) = [r for r in decide(caregiver_case()).reasons if r.rule_id == "caregiver.amount"]
    assert "(2026) 50\u00a0851 KZT = 81\u00a0871 KZT" in reason.text["en"]


@pytest.mark.parametrize(
    ("title", "answers", "rule_id"),
    [
        (
            "second group",
            [
                found(
                    "disability",
                    CARED,
                    group="2",
                    child_disability=False,
                    established_on="2020-01-01",
                    valid_until=None,
                    needs_care=False,
                )
            ],
            "caregiver.disability_group_1",
        ),
        (
            "disability expired",
            [
                found(
                    "disability",
                    CARED,
                    group="1",
                    child_disability=False,
                    established_on="2024-01-01",
                    valid_until="2026-01-31",
                    needs_care=True,
                )
            ],
            "caregiver.disability_group_1",
        ),
        (
            "disability established after filing",
            [
                found(
                    "disability",
                    CARED,
                    group="1",
                    child_disability=False,
                    established_on="2026-03-10",
                    valid_until=None,
                    needs_care=True,
                )
            ],
            "caregiver.disability_group_1",
        ),
        ("no disability record", [none("disability", CARED)], "caregiver.disability_group_1"),
        ("carer of limited capacity", [found("gbdfl", CARER, legal_capacity="limited")], "caregiver.legal_capacity"),
        (
            "carer at a mental-health centre",
            [found("mental_health", CARER, registered=True)],
            "caregiver.mental_health",
        ),
        (
            "incapable person, carer not the guardian",
            [
                found("gbdfl", CARED, legal_capacity="incapable", incapacity_court_decision=None),
                none("guardianship", CARER),
            ],
            "caregiver.guardianship",
        ),
        (
            "an allowance for the person is in force",
            [
                found(
                    "social_payments",
                    CARED,
                    assignments=[
                        {"service_id": "caregiver-allowance", "subject_iin": None, "from": "2025-05-01", "to": None}
                    ],
                )
            ],
            "caregiver.no_duplicate",
        ),
        (
            "the carer already receives it for this person",
            [
                found(
                    "social_payments",
                    CARER,
                    assignments=[
                        {"service_id": "caregiver-allowance", "subject_iin": CARED, "from": "2025-05-01", "to": None}
                    ],
                )
            ],
            "caregiver.no_duplicate",
        ),
        (
            "carer not registered at a residence",
            [found("address", CARER, registered=False)],
            "applicant.residence_registered",
        ),
        (
            "Baikonur without the housing certificate",
            [
                address(CARER, baikonur=True),
                found("baikonur_housing", CARER, resides=False, certificate_no=""),
            ],
            "caregiver.baikonur_certificate",
        ),
        (
            "the cared-for person has died",
            [found("civil_deaths", CARED, deceased=True, death_date="2026-02-20")],
            "caregiver.cared_person_alive",
        ),
    ],
)
def test_refused_on_the_failing_rule(title, answers, rule_id):
    # Given one fact against the rules / When decided / Then refused, naming that rule and its facts
    decision = decide(caregiver_case(answers=answers))
    assert decision.outcome == "refused"
    assert decision.amount_monthly is None
    assert [r.rule_id for r in decision.failed] == [rule_id]
    assert decision.failed[0].facts
    assert all(decision.failed[0].text[lang] for lang in ("kk", "ru", "en"))


@pytest.mark.parametrize(
    ("power", "outcome"),
    [(poa(), "approved"), (poa(revoked=True), "refused"), (poa(valid_until="2026-03-01"), "refused")],
)
def test_a_representative_needs_a_valid_notarised_power_of_attorney(power, outcome):
    decision = decide(caregiver_case(representative=AGENT, answers=[power]))
    assert decision.outcome == outcome
    assert next(r for r in decision.reasons if r.rule_id == "representative.power_of_attorney").outcome == (
        "met" if outcome == "approved" else "not_met"
    )


def test_the_refusal_text_names_the_group_found():
    decision = decide(
        caregiver_case(
            answers=[
                found(
                    "disability",
                    CARED,
                    group="2",
                    child_disability=False,
                    established_on="2020-01-01",
                    valid_until=None,
                    needs_care=False,
                )
            ]
        )
    )
    assert "group: 2" in decision.failed[0].text["en"]
    assert "группа: 2" in decision.failed[0].text["ru"]


def test_without_the_disability_answer_the_case_cannot_be_decided():
    case = caregiver_case()
    answers = {k: v for k, v in case.answers.items() if k != ("disability", CARED)}
    with pytest.raises(FactsMissing) as raised:
        decide(
            Case.of(
                service_id=case.service_id,
                applicant_iin=CARER,
                region="KZ-KAR",
                registered_on=ON,
                subjects=case.subjects,
                answers=answers.values(),
            )
        )
    assert raised.value.missing == (("disability", CARED),)

"""Preparation of documents for special social services: a ground, a medical record, no contraindications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import pytest

from chalicelib.domain.facts import Case, FactsMissing, RegistryAnswer
from chalicelib.domain.rules import decide
from tests.support.answers import Answers
from tests.support.people import iin

FETCHED = datetime(2026, 3, 1, 12, 0)
ON = date(2026, 3, 1)


person = iin

found, none = Answers(FETCHED).found, Answers(FETCHED).none


def sss_case(
    who: str,
    *,
    answers: Iterable[RegistryAnswer] = (),
    on: date = ON,
    applicant: str | None = None,
    channel: str = "portal",
) -> Case:
    """`who` applies for themselves (or `applicant` for them): capable, no disability, a clean medical record."""
    base = [
        found("gbdfl", who, legal_capacity="full", incapacity_court_decision=None),
        none("disability", who),
        found("medical_records", who, forms=[{"form": "035/у", "issued_on": "2026-02-10"}], contraindications=False),
    ]
    return Case.of(
        service_id="special-social-services",
        applicant_iin=applicant or who,
        region="KZ-PAV",
        registered_on=on,
        channel=channel,
        subjects=[(who, "cared_person")] if applicant else [],
        answers=[*base, *answers],
    )


WOMAN_61 = person(date(1965, 3, 1), "female", 1)  # 61 years = 732 months on 2026-03-01
WOMAN_60_11 = person(date(1965, 4, 1), "female", 2)  # 731 months
MAN_63 = person(date(1963, 2, 28), "male", 3)
MAN_62 = person(date(1963, 3, 2), "male", 4)  # turns 63 the next day
YOUNG = person(date(1990, 6, 6), "male", 5)


@pytest.mark.parametrize(
    ("title", "case", "ground"),
    [
        ("a woman of retirement age (61 in 2026)", sss_case(WOMAN_61), "retirement age"),
        ("a man of retirement age (63)", sss_case(MAN_63), "retirement age"),
        (
            "first-group disability",
            sss_case(
                YOUNG,
                answers=[
                    found(
                        "disability",
                        YOUNG,
                        group="1",
                        child_disability=False,
                        established_on="2020-01-01",
                        valid_until=None,
                        needs_care=True,
                    )
                ],
            ),
            "first-group disability",
        ),
        (
            "second-group disability",
            sss_case(
                YOUNG,
                answers=[
                    found(
                        "disability",
                        YOUNG,
                        group=2,
                        child_disability=False,
                        established_on="2020-01-01",
                        valid_until="2027-01-01",
                        needs_care=False,
                    )
                ],
            ),
            "second-group disability",
        ),
        (
            "declared incapable by a court, filed by a relative",
            sss_case(
                YOUNG,
                applicant=MAN_62,
                answers=[
                    found("gbdfl", YOUNG, legal_capacity="incapable", incapacity_court_decision={"date": "2019-01-01"}),
                ],
            ),
            "legal incapacity declared by a court",
        ),
        (
            "a veteran",
            sss_case(YOUNG, answers=[found("veterans", YOUNG, veteran=True, category="combat")]),
            "veteran status",
        ),
    ],
)
def test_documents_are_prepared_when_there_is_a_ground(title, case, ground):
    # Given a ground and a medical record / When decided / Then approved, no amount, open period
    decision = decide(case)
    assert decision.outcome == "approved", [r.text["en"] for r in decision.failed]
    assert (decision.amount_monthly, decision.period_from, decision.period_to) == (None, ON, None)
    assert ground in next(r for r in decision.reasons if r.rule_id == "sss.ground").text["en"]
    prepared = next(r for r in decision.reasons if r.rule_id == "sss.documents_prepared")
    assert "17 working days" in prepared.text["en"]


@pytest.mark.parametrize(
    ("title", "case", "rule_ids"),
    [
        ("a woman one month short of 61", sss_case(WOMAN_60_11), ["sss.ground"]),
        ("a man one day short of 63", sss_case(MAN_62), ["sss.ground"]),
        (
            "third-group disability only",
            sss_case(
                YOUNG,
                answers=[
                    found(
                        "disability",
                        YOUNG,
                        group="3",
                        child_disability=False,
                        established_on="2020-01-01",
                        valid_until=None,
                        needs_care=False,
                    )
                ],
            ),
            ["sss.ground"],
        ),
        ("no medical record", sss_case(MAN_63, answers=[none("medical_records", MAN_63)]), ["sss.medical_record"]),
        (
            "contraindications",
            sss_case(
                MAN_63,
                answers=[
                    found(
                        "medical_records",
                        MAN_63,
                        contraindications=True,
                        forms=[{"form": "035/у", "issued_on": "2026-01-05"}],
                    )
                ],
            ),
            ["sss.contraindications"],
        ),
    ],
)
def test_substantiated_refusal(title, case, rule_ids):
    decision = decide(case)
    assert decision.outcome == "refused"
    assert [r.rule_id for r in decision.failed] == rule_ids
    assert all(r.facts and all(r.text[lang] for lang in ("kk", "ru", "en")) for r in decision.failed)


def test_the_refusal_for_want_of_a_ground_states_the_retirement_age_applied():
    decision = decide(sss_case(WOMAN_60_11))
    assert "retirement age (61)" in decision.failed[0].text["en"]
    assert "retirement_age_months@2023-01-01" in decision.parameters


@pytest.mark.parametrize(
    ("born", "outcome"),
    [(date(1966, 9, 1), "refused"), (date(1966, 8, 1), "approved")],  # 61y5m vs 61y6m on 2028-02-01
)
def test_from_2028_women_need_61_and_a_half(born, outcome):
    woman = person(born, "female", 11)
    decision = decide(sss_case(woman, on=date(2028, 2, 1)))
    assert decision.outcome == outcome
    if outcome == "refused":
        assert "retirement age (61.5)" in decision.failed[0].text["en"]


def test_without_the_medical_record_answer_the_case_cannot_be_decided():
    case = Case.of(
        service_id="special-social-services",
        applicant_iin=MAN_63,
        region="KZ-PAV",
        registered_on=ON,
        answers=[found("gbdfl", MAN_63, legal_capacity="full"), none("disability", MAN_63)],
    )
    with pytest.raises(FactsMissing) as raised:
        decide(case)
    assert raised.value.missing == (("medical_records", MAN_63),)

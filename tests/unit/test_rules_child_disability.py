"""Benefit for a mother, father, adoptive parent or guardian raising a child with a disability.

Amount: 1.61 x PM rounded up -> 2026: 1.61 x 50,851 = 81,870.11 -> 81,871 (the published 2026 figure).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pytest

from chalicelib.domain.facts import Case, FactsMissing, RegistryAnswer
from chalicelib.domain.rules import decide
from tests.support.answers import Answers
from tests.support.people import iin

FETCHED = datetime(2026, 5, 5, 8, 30)
ON = date(2026, 5, 5)


person = iin

found, none = Answers(FETCHED).found, Answers(FETCHED).none


MOTHER = person(date(1992, 2, 14), "female")
FATHER = person(date(1990, 7, 1), "male", 3)
CHILD = person(date(2019, 9, 10), "male", 5)  # 6 on 2026-05-05; turns 18 on 2037-09-10
ADOPTER = person(date(1980, 1, 1), "female", 50)
GUARDIAN = person(date(1960, 1, 1), "female", 60)


def disability(
    iin: str = CHILD,
    *,
    valid_until: str | None = "2027-09-09",
    child: bool = True,
    group: Any = None,
    established_on: str = "2024-01-15",
) -> RegistryAnswer:
    return found(
        "disability",
        iin,
        group=group,
        child_disability=child,
        established_on=established_on,
        valid_until=valid_until,
        needs_care=True,
    )


def child_case(
    *, applicant: str = MOTHER, child: str = CHILD, answers: Iterable[RegistryAnswer] = (), on: date = ON
) -> Case:
    """The mother of a child with a disability recorded until 2027-09-09; the child's birth record names her."""
    base = [
        disability(child),
        found(
            "civil_births",
            child,
            children=[],
            parents=[{"iin": MOTHER, "relation": "mother"}, {"iin": FATHER, "relation": "father"}],
        ),
        none("social_payments", applicant),
    ]
    return Case.of(
        service_id="child-disability-benefit",
        applicant_iin=applicant,
        region="KZ-AST",
        registered_on=on,
        channel="proactive",
        subjects=[(child, "child")],
        answers=[*base, *answers],
    )


@pytest.mark.parametrize(
    ("title", "case", "relation", "period_to"),
    [
        ("the mother, per the child's birth record", child_case(), "mother", date(2027, 9, 9)),
        ("the father, per the child's birth record", child_case(applicant=FATHER), "father", date(2027, 9, 9)),
        (
            "a father whose own record lists the child",
            child_case(
                applicant=FATHER,
                answers=[
                    none("civil_births", CHILD),
                    found("civil_births", FATHER, children=[{"iin": CHILD, "birth_date": "2019-09-10"}], parents=[]),
                ],
            ),
            "father",
            date(2027, 9, 9),
        ),
        (
            "an adoptive mother",
            child_case(
                applicant=ADOPTER,
                answers=[
                    found("adoption", CHILD, adopted_children=[], adoptive_parents=[ADOPTER]),
                ],
            ),
            "adoptive parent",
            date(2027, 9, 9),
        ),
        (
            "a guardian",
            child_case(applicant=GUARDIAN, answers=[found("guardianship", GUARDIAN, wards=[CHILD], guardians=[])]),
            "guardian",
            date(2027, 9, 9),
        ),
        (
            # disability for life: paid until the day before the 18th birthday
            "an indefinite disability",
            child_case(answers=[disability(valid_until=None)]),
            "mother",
            date(2037, 9, 9),
        ),
    ],
)
def test_approved(title, case, relation, period_to):
    # Given a child with a disability and a parent / When decided / Then 81,871 a month from the filing date
    decision = decide(case)
    assert decision.outcome == "approved", [r.text["en"] for r in decision.failed]
    assert decision.amount_monthly == 81871
    assert (decision.period_from, decision.period_to) == (ON, period_to)
    assert relation in next(r for r in decision.reasons if r.rule_id == "child_disability.relation").text["en"]


def test_a_child_born_on_29_february_is_paid_until_28_february_of_the_18th_year():
    leap_child = person(date(2012, 2, 29), "female", 70)
    case = child_case(
        child=leap_child,
        answers=[
            disability(leap_child, valid_until=None),
            found("civil_births", leap_child, children=[], parents=[{"iin": MOTHER, "relation": "mother"}]),
        ],
    )
    assert decide(case).period_to == date(2030, 2, 28)


ADULT = person(date(2008, 5, 5), "male", 80)  # 18 on 2026-05-05


@pytest.mark.parametrize(
    ("title", "case", "rule_ids"),
    [
        ("no disability record", child_case(answers=[none("disability", CHILD)]), ["child_disability.disability"]),
        (
            "disability ended",
            child_case(answers=[disability(valid_until="2026-04-30")]),
            ["child_disability.disability"],
        ),
        (
            "not the child's parent, adopter or guardian",
            child_case(applicant=person(date(1970, 3, 3), "female", 90)),
            ["child_disability.relation"],
        ),
        (
            "the child turned 18 on the filing day",
            child_case(
                child=ADULT,
                answers=[
                    disability(ADULT, child=False, group="2"),
                    found("civil_births", ADULT, children=[], parents=[{"iin": MOTHER, "relation": "mother"}]),
                ],
            ),
            # an adult record of an adult is not a child's disability either
            ["child_disability.minor", "child_disability.disability"],
        ),
        (
            "a benefit for the child is in force",
            child_case(
                answers=[
                    found(
                        "social_payments",
                        MOTHER,
                        assignments=[
                            {
                                "service_id": "child-disability-benefit",
                                "subject_iin": CHILD,
                                "from": "2024-02-01",
                                "to": None,
                            }
                        ],
                    )
                ]
            ),
            ["child_disability.no_duplicate"],
        ),
        (
            "the child has died",
            child_case(answers=[found("civil_deaths", CHILD, deceased=True, death_date="2026-05-01")]),
            ["child_disability.child_alive"],
        ),
    ],
)
def test_refused_on_the_failing_rule(title, case, rule_ids):
    decision = decide(case)
    assert decision.outcome == "refused"
    assert [r.rule_id for r in decision.failed] == rule_ids
    assert all(r.facts and all(r.text[lang] for lang in ("kk", "ru", "en")) for r in decision.failed)


def test_an_adult_disability_record_of_a_minor_counts_as_the_childs_disability():
    # Given a 17-year-old with a group-3 record not flagged as child disability
    teen = person(date(2009, 1, 1), "female", 95)
    case = child_case(
        child=teen,
        answers=[
            disability(teen, child=False, group="3", valid_until="2030-01-01"),
            found("civil_births", teen, children=[], parents=[{"iin": MOTHER, "relation": "mother"}]),
        ],
    )
    # Then approved until the day before the 18th birthday
    decision = decide(case)
    assert (decision.outcome, decision.period_to) == ("approved", date(2026, 12, 31))


def test_without_any_kinship_answer_the_case_cannot_be_decided():
    case = Case.of(
        service_id="child-disability-benefit",
        applicant_iin=MOTHER,
        region="KZ-AST",
        registered_on=ON,
        subjects=[(CHILD, "child")],
        answers=[disability(), none("social_payments", MOTHER)],
    )
    with pytest.raises(FactsMissing) as raised:
        decide(case)
    assert raised.value.missing == (("civil_births", CHILD),)

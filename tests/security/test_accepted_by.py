"""`accepted_by` names the office that accepted a filing in person: only an operator's filing carries it, and its
office is the operator's own (the token's `org`). A citizen who names an office gets a 422, and that office never
sees the application."""

from __future__ import annotations

from typing import Any

from tests.support.api import get, post
from tests.support.people import MOTHER, STRANGER, child_benefit_body

OFFICE = "gfc-aktobe-01"


def test_a_citizen_naming_an_accepting_office_is_refused(api: Any, token: Any) -> None:
    body = child_benefit_body(accepted_by={"office": OFFICE, "official": "Иванова А.Б."})
    response = post(api, "/applications", body, token(MOTHER))
    assert response.status_code == 422, response.body
    assert [(e["field"], e["code"]) for e in response.json_body["errors"]] == [
        ("accepted_by", "accepted_by.not_allowed")
    ]
    operator = token(STRANGER, "operator", org=OFFICE)
    assert get(api, "/work-queue", operator).json_body["items"] == []
    assert get(api, "/applications", token(MOTHER)).json_body["items"] == []


def test_an_operators_filing_takes_its_office_from_the_token(api: Any, token: Any) -> None:
    operator = token(STRANGER, "operator", org=OFFICE)
    body = child_benefit_body(channel="state_corp", accepted_by={"official": "Иванова А.Б."})
    created = post(api, "/applications", body, operator)
    assert created.status_code == 201, created.body
    assert created.json_body["accepted_by"]["office"] == OFFICE
    other = post(
        api,
        "/applications",
        child_benefit_body(channel="state_corp", accepted_by={"office": "gfc-astana-01", "official": "Иванова А.Б."}),
        operator,
    )
    assert other.status_code == 422
    assert other.json_body["errors"][0]["code"] == "accepted_by.other_office"

"""Inputs that once got a 500 (found while fuzzing the OpenAPI document, tests/fuzz): each now gets its problem."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.api import JSON
from tests.support.people import MOTHER, child_benefit_body


def test_a_term_counted_from_a_day_the_calendar_does_not_know_is_refused(api: Any) -> None:
    # 9999-12-31 overflowed the date arithmetic; a year before 1991 would have been counted with no holidays
    for day in ("9999-12-31", "1900-01-01"):
        response = api.http.get(f"/services/child-disability-benefit/term?from={day}")
        assert response.status_code == 422, response.body
        assert [(e["field"], e["code"]) for e in response.json_body["errors"]] == [("from", "term.from_out_of_range")]
    assert api.http.get("/services/child-disability-benefit/term?from=2100-12-01").status_code == 200


@pytest.mark.parametrize("path", ["/applications", "/results/verify"])
def test_a_body_nested_too_deep_is_a_bad_request(api: Any, token: Any, path: str) -> None:
    headers = {**JSON, "Authorization": f"Bearer {token(MOTHER)}"}
    for raw in ("[" * 50_000, '{"a":' * 40 + "1" + "}" * 40):  # past the parser's recursion; past 32 levels
        response = api.http.post(path, body=raw, headers=headers)
        assert response.status_code == 400, response.body
        assert response.json_body["code"] == "request.too_deep"


def test_the_pre_check_says_try_later_when_a_registry_does_not_answer(api: Any, token: Any) -> None:
    # The test environment's gateway (127.0.0.1:9) refuses every connection
    body = child_benefit_body()
    del body["service_id"], body["channel"]
    response = api.http.post(
        "/eligibility/child-disability-benefit",
        body=json.dumps(body),
        headers={**JSON, "Authorization": f"Bearer {token(MOTHER)}", "Accept-Language": "en"},
    )
    assert response.status_code == 503, response.body
    assert response.json_body["code"] == "eligibility.registry_unavailable"
    assert response.headers["Content-Type"].startswith("application/problem+json")

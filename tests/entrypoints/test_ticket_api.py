"""GET /applications/{id}/ticket: the tear-off ticket of an application accepted in person."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tests.support.fakes import FakeClock
from tests.support.people import MOTHER, STRANGER, child_benefit_body

GFC = "gfc-aktobe-01"


def request(api: Any, method: str, path: str, token: str, body: Any = None, **headers: str) -> Any:
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers}
    if method == "POST":
        return api.http.post(path, body=json.dumps(body), headers=h)
    return api.http.get(path, headers=h)


def file_at_state_corp(api: Any, aws: Any, token: Any) -> str:
    aws.clock = FakeClock(datetime(2026, 12, 7, 5, 0, tzinfo=UTC))  # Monday 7 December, 10:00 in Almaty
    body = child_benefit_body(channel="state_corp", accepted_by={"office": GFC, "official": "Иванова Анна Борисовна"})
    created = request(api, "POST", "/applications", token(STRANGER, "operator", org=GFC), body)
    assert created.status_code == 201, created.body
    return str(created.json_body["id"])


def test_the_accepting_operator_prints_the_ticket(api: Any, aws: Any, token: Any) -> None:
    # Given an application accepted at a State Corporation office on 7 December
    app_id = file_at_state_corp(api, aws, token)
    # When its operator asks for the ticket
    response = request(api, "GET", f"/applications/{app_id}/ticket", token(STRANGER, "operator", org=GFC))
    # Then it has the dates, the office and the accepting official's surname and initials
    assert response.status_code == 200, response.body
    ticket = response.json_body
    assert ticket["application_id"] == app_id
    assert ticket["service_name"]["ru"] and ticket["service_id"] == "child-disability-benefit"
    assert ticket["registered_on"] == "2026-12-07"
    assert (ticket["due_date"], ticket["due_date_at_state_corp"]) == ("2026-12-17", "2026-12-15")
    assert ticket["office"] == GFC and ticket["accepted_by"] == "Иванова А.Б."


def test_the_applicant_may_have_it_again_as_a_pdf(api: Any, aws: Any, token: Any) -> None:
    from tests.support.sms import run_queue

    app_id = file_at_state_corp(api, aws, token)
    # The first request has the decisions worker render it (the API carries no PDF renderer): ask again shortly
    first = request(
        api,
        "GET",
        f"/applications/{app_id}/ticket?format=pdf",
        token(MOTHER),
        Accept="application/pdf",
        **{"Accept-Language": "kk"},
    )
    assert first.status_code == 503 and first.json_body["code"] == "document.rendering"
    assert first.headers["Retry-After"]
    assert run_queue("decisions") >= 1
    response = request(
        api,
        "GET",
        f"/applications/{app_id}/ticket?format=pdf",
        token(MOTHER),
        Accept="application/pdf",
        **{"Accept-Language": "kk"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.body.startswith(b"%PDF")


def test_no_ticket_for_a_portal_application(api: Any, aws: Any, token: Any) -> None:
    created = request(api, "POST", "/applications", token(MOTHER), child_benefit_body())
    response = request(api, "GET", f"/applications/{created.json_body['id']}/ticket", token(MOTHER))
    assert response.status_code == 404 and response.json_body["code"] == "ticket.not_in_person"


def test_others_do_not_see_the_ticket(api: Any, aws: Any, token: Any) -> None:
    app_id = file_at_state_corp(api, aws, token)
    path = f"/applications/{app_id}/ticket"
    other_office = request(api, "GET", path, token(STRANGER, "operator", org="gfc-aktobe-02"))
    assert other_office.status_code == 404 and other_office.json_body["code"] == "application.not_found"
    assert request(api, "GET", path, token(STRANGER)).status_code == 404
    assert request(api, "GET", path, token(STRANGER, "official", org="labour-department:KZ-AKT")).status_code == 403
    bad_format = request(api, "GET", path + "?format=docx", token(MOTHER))
    assert bad_format.status_code == 422 and bad_format.json_body["code"] == "format.unknown"

"""Bad input through the API (issue: bad input): each smallest failing input that was a 500, a framework answer
that was no problem document, or a wrong answer, now gets its problem document or the right answer."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.support.api import JSON, get, post
from tests.support.people import MOTHER, STRANGER, child_benefit_body
from tests.support.sms import caregiver_body

GFC = "gfc-aktobe-01"
PROBLEM = "application/problem+json"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = json.loads(response.body)
    assert body["code"] == code and body["status"] == status, body
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(body)
    return body


def _callers(token: Any) -> dict[str, str]:
    return {
        "/applications": token(MOTHER),
        "/notifications": token(MOTHER),
        "/work-queue": token(STRANGER, "official", org="labour-department:KZ-AKT"),
    }


@pytest.mark.parametrize("path", ["/applications", "/notifications", "/work-queue"])
@pytest.mark.parametrize("limit", ["0", "00", "51", "-1"])
def test_a_limit_outside_1_to_50_is_a_422_not_a_different_page(api: Any, token: Any, path: str, limit: str) -> None:
    _problem(get(api, f"{path}?limit={limit}", _callers(token)[path]), 422, "limit.invalid")
    assert get(api, f"{path}?limit=50", _callers(token)[path]).status_code == 200


@pytest.mark.parametrize("path", ["/applications", "/notifications", "/work-queue"])
@pytest.mark.parametrize("limit", ["²", "①", "٥", "２", "20x", "99999999999999999999"])
def test_a_limit_in_other_digits_is_a_422_not_a_500(api: Any, token: Any, path: str, limit: str) -> None:
    response = get(api, f"{path}?limit={limit}", _callers(token)[path])
    _problem(response, 422, "limit.invalid")
    assert get(api, f"{path}?limit=5", _callers(token)[path]).status_code == 200


@pytest.mark.parametrize("path", ["/applications", "/notifications", "/work-queue"])
def test_a_forged_cursor_is_a_422_cursor_invalid(api: Any, token: Any, path: str) -> None:
    forged = base64.b64encode(json.dumps({"PK": {"S": "APP#x"}}).encode()).decode()  # the input
    for cursor in (forged, base64.urlsafe_b64encode(b'{"PK": {"S": "APP#x"}}').decode(), "not-a-cursor", "a.b"):
        _problem(get(api, f"{path}?cursor={cursor}", _callers(token)[path]), 422, "cursor.invalid")


def test_a_cursor_of_one_persons_history_is_no_key_to_anothers(api: Any, token: Any) -> None:
    for n in range(3):
        created = post(api, "/applications", child_benefit_body(), token(MOTHER), **{"Idempotency-Key": f"k{n}"})
        assert created.status_code == 201, created.body
    first = get(api, "/applications?limit=1", token(MOTHER)).json_body
    assert first["cursor"], first
    second = get(api, f"/applications?limit=1&cursor={first['cursor']}", token(MOTHER))
    assert second.status_code == 200
    _problem(get(api, f"/applications?limit=1&cursor={first['cursor']}", token(STRANGER)), 422, "cursor.invalid")


@pytest.mark.parametrize("phone", ["+77٠١٢٣٤٥٦٧٨", "+77０１２３４５６７８"])
def test_a_phone_in_other_scripts_digits_is_refused_not_stored(api: Any, token: Any, phone: str) -> None:
    body = child_benefit_body(applicant={"iin": MOTHER, "phone": phone, "region": "KZ-AKT"})
    problem = _problem(post(api, "/applications", body, token(MOTHER)), 422, "validation.failed")
    assert ("applicant.phone", "phone.format") in [(e["field"], e["code"]) for e in problem["errors"]]


@pytest.mark.parametrize("content_type", ["text/json", "application/vnd.api+json", "text/html", "image/png"])
def test_a_body_that_is_not_application_json_is_a_415_problem(api: Any, token: Any, content_type: str) -> None:
    response = api.http.post(
        "/applications",
        body=json.dumps(child_benefit_body()),
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token(MOTHER)}"},
    )
    _problem(response, 415, "request.unsupported_media_type")
    # a GET sent with an odd Content-Type is still answered
    assert get(api, "/services", **{"Content-Type": "text/json"}).status_code == 200


def test_a_method_a_route_does_not_take_is_a_405_problem(api: Any) -> None:
    response = api.http.put("/services", body=b"{}", headers=JSON)
    _problem(response, 405, "request.method_not_allowed")
    assert response.headers.get("Allow") == "GET"


def _in_person_application(api: Any, token: Any) -> str:
    body = child_benefit_body(channel="state_corp", accepted_by={"office": GFC, "official": "Иванова Анна Борисовна"})
    created = post(api, "/applications", body, token(STRANGER, "operator", org=GFC))
    assert created.status_code == 201, created.body
    return str(created.json_body["id"])


def test_a_pdf_needs_an_accept_that_admits_it_or_gets_a_406_problem(api: Any, token: Any) -> None:
    app_id = _in_person_application(api, token)
    path = f"/applications/{app_id}/ticket?format=pdf"
    problem = _problem(get(api, path, token(MOTHER)), 406, "request.not_acceptable")  # the input: no Accept
    assert re.search("[А-Яа-я]", problem["title"]) and re.search("[А-Яа-я]", problem["detail"])
    _problem(get(api, path, token(MOTHER), Accept="application/json"), 406, "request.not_acceptable")
    _problem(get(api, path, token(MOTHER), Accept="application/*"), 406, "request.not_acceptable")
    from tests.support.sms import run_queue

    # an acceptable Accept has the decisions worker render it (the API carries no renderer); then it is served
    assert get(api, path, token(MOTHER), Accept="application/pdf").status_code == 503
    assert run_queue("decisions") >= 1
    for accept in ("application/pdf", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8", "application/pdf;q=0.5"):
        response = get(api, path, token(MOTHER), Accept=accept)
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf", accept
        assert response.body.startswith(b"%PDF")


def test_the_representative_cannot_be_the_applicant(api: Any, aws: Any, token: Any) -> None:
    body = caregiver_body(MOTHER, representative={"iin": MOTHER, "power_of_attorney": "НД-2026-0042"})
    problem = _problem(post(api, "/applications", body, token(MOTHER)), 422, "validation.failed")
    assert ("representative.iin", "representative.is_applicant") in [(e["field"], e["code"]) for e in problem["errors"]]


def test_the_history_lists_an_application_once_even_if_an_old_one_names_its_applicant_as_representative(
    api: Any, aws: Any, token: Any
) -> None:
    # Given an application filed before the check, its applicant also named as its representative
    import dataclasses

    from chalicelib.domain.application import Representative

    created = post(api, "/applications", caregiver_body(MOTHER), token(MOTHER))
    assert created.status_code == 201, created.body
    app = dataclasses.replace(
        aws.repo.get(created.json_body["id"]),
        id="261130-SAMEPERS",
        version=0,
        representative=Representative(MOTHER, "НД-1"),
    )
    aws.repo.add(app)
    # Then the History lists it once
    items = get(api, "/applications", token(MOTHER)).json_body["items"]
    assert sorted(i["id"] for i in items) == sorted([created.json_body["id"], "261130-SAMEPERS"])


def _cyrillic_only(text: str) -> bool:
    """No English word in a Russian or Kazakh text (codes in backquotes and ids aside)."""
    plain = re.sub(r"`[^`]*`|\b[a-z_]+\.[a-z_.]+\b|[0-9]", "", text)
    return not re.search(r"\b[A-Za-z]{3,}\b", plain) and bool(re.search("[А-Яа-яӘәҚқҢңӨөҰұҮүІі]", plain))


@pytest.mark.parametrize("language", [None, "kk", "ru"])
def test_a_problem_is_in_one_language_when_no_or_another_accept_language_is_sent(
    api: Any, token: Any, language: str | None
) -> None:
    headers = {"Accept-Language": language} if language else {}
    for response in (
        get(api, "/services/child-disability-benefit/term?from=1900-01-01&channel=nowhere", **headers),
        get(api, "/applications?limit=²", token(MOTHER), **headers),
        post(
            api,
            "/applications",
            {
                "service_id": "caregiver-allowance",
                "channel": "portal",
                "applicant": {"iin": MOTHER, "region": "KZ-AKT"},
                "subjects": [{"iin": MOTHER, "relation": "sister"}],
            },
            token(MOTHER),
            **headers,
        ),
        api.http.put("/services", body=b"{}", headers={**JSON, **headers}),
    ):
        body = json.loads(response.body)
        assert response.headers["Content-Language"] == (language or "ru")
        texts = [body["title"], body["detail"], *(e["message"] for e in body["errors"])]
        assert all(_cyrillic_only(t) for t in texts), texts

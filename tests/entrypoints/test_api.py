"""The HTTP API through Chalice's test client, on moto: the contract of API.md."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import get, post
from tests.support.people import FATHER, MOTHER, STRANGER, child_benefit_body


def test_health_names_the_data_files_in_force(api: Any) -> None:
    response = get(api, "/health")
    assert response.status_code == 200
    assert response.json_body["status"] == "ok"
    assert response.json_body["data"]["services.json"]


def test_the_catalog_lists_the_four_services_in_three_languages(api: Any) -> None:
    services = {s["id"]: s for s in get(api, "/services").json_body["services"]}
    assert set(services) == {
        "caregiver-allowance",
        "child-disability-benefit",
        "special-social-services",
        "targeted-social-assistance",
    }
    for service in services.values():
        assert set(service["name"]) == {"kk", "ru", "en"}
        assert service["source"]["title"]
    assert services["targeted-social-assistance"]["bank_account"]["allowed_banks"] == ["563", "601"]
    assert services["targeted-social-assistance"]["terms"]["akimat"]["working_days"] == 18


def test_every_route_is_in_the_openapi_document(api: Any) -> None:
    import app as app_module

    document = get(api, "/openapi.json").json_body
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    served = {
        (path, method)
        for path, entry in app_module.app.routes.items()
        for method in entry
        if not path.startswith("/console")
    }  # the staff console's HTML pages are not the API
    assert served - documented == set()
    assert "ApplicationIn" in document["components"]["schemas"]


def test_a_citizen_files_and_reads_back_an_application(api: Any, token: Any) -> None:
    mother = token(MOTHER)
    created = post(api, "/applications", child_benefit_body(), mother)
    assert created.status_code == 201, created.body
    app_id = created.json_body["id"]
    assert created.headers["Location"] == f"/applications/{app_id}"
    assert created.json_body["status"] == "submitted"
    assert created.json_body["due_date"]
    read = get(api, f"/applications/{app_id}", mother)
    assert read.status_code == 200
    timeline = read.json_body["timeline"]
    assert [e["type"] for e in timeline][:3] == ["created", "status_changed", "registered"]
    # And once the registry lookups are queued, it is being checked
    assert timeline[3]["detail"]["to"] == "checking" and read.json_body["status"] == "checking"
    assert read.json_body["bank_account"]["iban_masked"].startswith("KZ** ****")


def test_someone_elses_application_is_not_found(api: Any, token: Any) -> None:
    app_id = post(api, "/applications", child_benefit_body(), token(MOTHER)).json_body["id"]
    for other in (
        token(STRANGER),
        token(STRANGER, "operator", org="gfc-1"),
        token(STRANGER, "official", org="employment-center:KZ-AKT"),
    ):
        response = get(api, f"/applications/{app_id}", other)
        assert response.status_code == 404
        assert response.json_body["code"] == "application.not_found"
    # But the official of the office that decides sees it
    assert (
        get(api, f"/applications/{app_id}", token(STRANGER, "official", org="labour-department:KZ-AKT")).status_code
        == 200
    )


def test_history_is_newest_first_and_paginated(api: Any, token: Any) -> None:
    mother = token(MOTHER)
    ids = [post(api, "/applications", child_benefit_body(), mother).json_body["id"] for _ in range(3)]
    post(api, "/applications", child_benefit_body(applicant_iin=FATHER), token(FATHER))
    first = get(api, "/applications?limit=2", mother).json_body
    assert [i["id"] for i in first["items"]] == ids[::-1][:2]
    second = get(api, f"/applications?limit=2&cursor={first['cursor']}", mother).json_body
    assert [i["id"] for i in second["items"]] == ids[:1]
    assert second["cursor"] is None
    assert get(api, "/applications?cursor=not-a-cursor", mother).json_body["code"] == "cursor.invalid"


def test_withdrawal_then_no_second_withdrawal(api: Any, token: Any) -> None:
    mother = token(MOTHER)
    app_id = post(api, "/applications", child_benefit_body(), mother).json_body["id"]
    assert post(api, f"/applications/{app_id}/withdraw", {}, token(STRANGER)).status_code == 404
    done = post(api, f"/applications/{app_id}/withdraw", {}, mother)
    assert done.status_code == 200 and done.json_body["status"] == "withdrawn"
    again = post(api, f"/applications/{app_id}/withdraw", {}, mother)
    assert again.status_code == 409 and again.json_body["code"] == "application.not_withdrawable"


@pytest.mark.parametrize(
    ("body", "status", "code", "field_code"),
    [
        ('{"service_id": ', 400, "request.malformed_json", None),
        ("[1, 2]", 422, "validation.failed", "body.not_an_object"),
        (
            {"service_id": 5, "channel": "portal", "applicant": {"iin": MOTHER, "region": "KZ-AKT"}},
            422,
            "validation.failed",
            "field.type",
        ),
        (
            {"channel": "portal", "applicant": {"iin": MOTHER, "region": "KZ-AKT"}},
            422,
            "validation.failed",
            "field.required",
        ),
        (child_benefit_body(channel="fax"), 422, "validation.failed", "field.not_allowed"),
        (child_benefit_body(extra_field=1), 422, "validation.failed", "field.unknown"),
        (child_benefit_body(service_id="no-such-service"), 422, "validation.failed", "service.unknown"),
        (child_benefit_body(subjects=[{"iin": "1234", "relation": "child"}]), 422, "validation.failed", "iin.format"),
        (child_benefit_body(bank_account={"iban": "KZ000000"}), 422, "validation.failed", "iban.length"),
        (
            {**child_benefit_body(), "applicant": {"iin": MOTHER, "region": "KZ-AKT", "phone": "+1555"}},
            422,
            "validation.failed",
            "phone.format",
        ),
        ("x" * 70_000, 413, "request.too_large", None),
    ],
)
def test_bad_input_gets_a_problem_document_never_a_500(
    api: Any, token: Any, body: Any, status: int, code: str, field_code: str | None
) -> None:
    response = post(api, "/applications", body, token(MOTHER), **{"Accept-Language": "en"})
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json_body
    assert problem["code"] == code and problem["status"] == status and problem["title"] and problem["detail"]
    if field_code:
        assert field_code in [e["code"] for e in problem["errors"]]


def test_texts_follow_accept_language(api: Any, token: Any) -> None:
    body = child_benefit_body(service_id="no-such-service")
    kk = post(api, "/applications", body, token(MOTHER), **{"Accept-Language": "kk"}).json_body
    ru = post(api, "/applications", body, token(MOTHER)).json_body
    assert kk["title"] != ru["title"]
    assert ru["title"] == "Заявление не прошло проверку"


def test_a_form_post_gets_415_as_a_problem(api: Any, token: Any) -> None:
    response = api.http.post(
        "/applications",
        body="a=1",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Bearer {token(MOTHER)}"},
    )
    assert response.status_code == 415
    assert response.json_body["code"] == "request.unsupported_media_type"


def test_idempotency_key_replays_the_first_response_and_refuses_another_body(api: Any, token: Any) -> None:
    mother = token(MOTHER)
    first = post(api, "/applications", child_benefit_body(), mother, **{"Idempotency-Key": "portal-42"})
    again = post(api, "/applications", child_benefit_body(), mother, **{"Idempotency-Key": "portal-42"})
    assert again.status_code == 201 and again.json_body == first.json_body
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = post(api, "/applications", child_benefit_body(language="ru"), mother, **{"Idempotency-Key": "portal-42"})
    assert other.status_code == 409 and other.json_body["code"] == "idempotency.key_reused"
    assert len(get(api, "/applications", mother).json_body["items"]) == 1
    too_long = post(api, "/applications", child_benefit_body(), mother, **{"Idempotency-Key": "k" * 65})
    assert too_long.status_code == 422 and too_long.json_body["code"] == "idempotency.key_invalid"


def test_operators_file_in_person_for_their_own_office(api: Any, token: Any) -> None:
    operator = token(STRANGER, "operator", org="gfc-aktobe-01")
    body = child_benefit_body(channel="state_corp")
    missing = post(api, "/applications", body, operator)
    assert missing.status_code == 422
    assert [e["code"] for e in missing.json_body["errors"]] == ["accepted_by.required"]
    body["accepted_by"] = {"office": "gfc-aktobe-01", "official": "Иванова А.Б."}
    created = post(api, "/applications", body, operator)
    assert created.status_code == 201
    assert created.json_body["due_date_at_state_corp"] < created.json_body["due_date"]
    assert get(api, f"/applications/{created.json_body['id']}", operator).status_code == 200
    assert (
        get(api, f"/applications/{created.json_body['id']}", token(FATHER, "operator", org="gfc-other")).status_code
        == 404
    )


def test_only_citizens_and_operators_file(api: Any, token: Any) -> None:
    response = post(api, "/applications", child_benefit_body(), token(MOTHER, "official", org="x"))
    assert response.status_code == 403 and response.json_body["code"] == "auth.role_not_allowed"


def test_term_endpoint_counts_like_registration(api: Any) -> None:
    term = get(api, "/services/child-disability-benefit/term?from=2026-03-20&channel=state_corp").json_body
    assert term["due_date"] > term["due_date_at_state_corp"] > "2026-03-20"
    bad = get(api, "/services/child-disability-benefit/term?from=tomorrow&channel=akimat")
    assert bad.status_code == 422
    assert {e["code"] for e in bad.json_body["errors"]} == {"term.from_invalid", "channel.not_allowed"}
    assert get(api, "/services/nope/term").status_code == 404

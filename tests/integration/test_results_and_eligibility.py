"""Result documents over HTTP (JSON, PDF, verification) and the eligibility pre-check."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.test_pipeline import file
from tests.support.people import STRANGER
from tests.support.pipeline import body_for, drain


def test_the_result_is_served_signed_printable_and_verifiable(stack: Any, token: Any) -> None:
    api, sim = stack
    app = file(sim, "caregiver-eligible", channel="state_corp")
    drain()
    owner = {"Authorization": f"Bearer {token(app.applicant.iin)}"}
    result = api.http.get(f"/applications/{app.id}/result", headers=owner)
    assert result.status_code == 200, result.body
    signed = result.json_body
    assert signed["verification_code"] and signed["signature_b64"]
    # Anyone can verify it
    check = api.http.post("/results/verify", body=json.dumps(signed), headers={"Content-Type": "application/json"})
    assert check.json_body["valid"] is True
    # One changed field makes it invalid
    signed["document"]["applicant_full_name"] = "Someone Else"
    check = api.http.post("/results/verify", body=json.dumps(signed), headers={"Content-Type": "application/json"})
    assert check.json_body["valid"] is False
    # The printable notice in the application's language was rendered once, at the decision, and is served as stored
    language = signed["document"]["language"]
    pdf = api.http.get(
        f"/applications/{app.id}/result?format=pdf",
        headers={**owner, "Accept-Language": language, "Accept": "application/pdf"},
    )
    assert pdf.status_code == 200 and pdf.body[:4] == b"%PDF"
    # Another language is rendered by the decisions worker on its first request (the API renders nothing)
    other = "en" if language != "en" else "kk"
    first = api.http.get(
        f"/applications/{app.id}/result?format=pdf",
        headers={**owner, "Accept-Language": other, "Accept": "application/pdf"},
    )
    assert first.status_code == 503 and first.json_body["code"] == "document.rendering"
    assert int(first.headers["Retry-After"]) > 0
    drain()
    again = api.http.get(
        f"/applications/{app.id}/result?format=pdf",
        headers={**owner, "Accept-Language": other, "Accept": "application/pdf"},
    )
    assert again.status_code == 200 and again.body[:4] == b"%PDF" and again.body != pdf.body
    # And a stranger sees nothing
    assert (
        api.http.get(
            f"/applications/{app.id}/result", headers={"Authorization": f"Bearer {token(STRANGER)}"}
        ).status_code
        == 404
    )


def test_verify_refuses_what_is_not_a_signed_result(stack: Any) -> None:
    api, _ = stack
    response = api.http.post("/results/verify", body='{"hello": 1}', headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json_body["code"]


def test_the_pre_check_says_what_would_be_decided_without_filing(stack: Any, token: Any) -> None:
    api, sim = stack
    family = sim.family("tsa-eligible-3-children")
    body = body_for(family)
    for key in ("service_id", "channel"):
        body.pop(key)
    response = api.http.post(
        "/eligibility/targeted-social-assistance",
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token(family['applicant'])}"},
    )
    assert response.status_code == 200, response.body
    assert response.json_body["would_be"] == "approved"
    assert response.json_body["decision"]["amount_monthly"] > 0
    history = api.http.get("/applications", headers={"Authorization": f"Bearer {token(family['applicant'])}"})
    assert history.json_body["items"] == []

    above = sim.family("tsa-income-just-above-line")
    body = body_for(above)
    for key in ("service_id", "channel"):
        body.pop(key)
    response = api.http.post(
        "/eligibility/targeted-social-assistance",
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token(above['applicant'])}"},
    )
    assert response.json_body["would_be"] == "refused"

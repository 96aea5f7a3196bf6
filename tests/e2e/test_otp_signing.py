"""On the local stack over HTTP: a caregiver-allowance application signed with an SMS one-time password, the SMS
read back with `python -m local.outbox` as a developer would."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from local.families import application_body
from local.outbox import one_time_code
from tests.e2e.conftest import ROOT, Stack


def seeded_family(scenario: str) -> dict[str, Any]:
    seed = json.loads((ROOT / "local" / "seed" / "registries.json").read_text(encoding="utf-8"))
    return next(f for f in seed["families"] if f["scenario"] == scenario)


def aws_endpoint_args(stack: Stack) -> list[str]:
    """This stack's AWS endpoint, as it printed it on start. (.local/stack.json holds the endpoint of the stack
    started last, which a developer runs alone; tests in parallel workers start several.)"""
    return ["--endpoint", stack.printed("aws_endpoint")]


def outbox(args: list[str]) -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "local.outbox", *args], cwd=ROOT, check=True, capture_output=True, text=True, timeout=60
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_an_otp_sent_by_sms_signs_a_caregiver_application(stack: Stack) -> None:
    endpoint = aws_endpoint_args(stack)
    family = seeded_family("caregiver-eligible")
    token = stack.token(family["applicant"])
    # the code goes to the applicant's number in the mobile citizens database (the seed's, the family's phone)
    phone = family["phone"]
    # Given a caregiver-allowance application, which needs a signature
    status, _, created = stack.request("POST", "/applications", application_body(family), token=token)
    assert status == 201, created
    assert created["status"] == "awaiting_signature"
    app_id = created["id"]
    # When the applicant asks for a one-time password
    status, _, sent = stack.request("POST", f"/applications/{app_id}/otp", {}, token=token)
    assert status == 200, sent
    # Then the SMS is visible through python -m local.outbox, with the code and when it was sent
    line = stack.wait_until(
        lambda: next((m for m in outbox(endpoint) if m["to"] == phone and f"№{app_id}" in m["text"]), None)
    )
    assert line["sent_at"]
    code = one_time_code(line["text"])
    assert code
    # When the applicant signs with it
    status, _, signed = stack.request(
        "POST", f"/applications/{app_id}/signature", {"method": "otp", "code": code}, token=token
    )
    # Then the application moves on: registered with a due date, its registry lookups under way
    assert status == 200, signed
    assert signed["status"] not in ("awaiting_signature", "submitted") and signed["due_date"]
    # And the citizen's personal account shows both notices
    status, _, notices = stack.request("GET", "/notifications", token=token)
    assert status == 200
    purposes = [n["purpose"] for n in notices["items"] if n["application_id"] == app_id]
    assert "otp" in purposes
    assert stack.wait_until(
        lambda: "registered" in [n["purpose"] for n in stack.request("GET", "/notifications", token=token)[2]["items"]]
    )
    # And the registration is not repeated by SMS (a portal filing: the passport asks for no SMS), only the code went
    assert [m for m in outbox(endpoint) if f"№{app_id}" in m["text"]] == [line]

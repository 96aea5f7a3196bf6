"""On the local stack over HTTP, the official's desk end to end: a family whose bank account the registry does not
know files at the Employment Center; the applicant uploads the bank certificate; the official rejects it (the
applicant is asked again), accepts the second upload with its facts, gets the draft, signs it with a certificate of
the local test CA (`python -m local.dev_ca sign-xml`), and the application is approved; verification names the
official, and the printed code checks as valid."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import requests

from local.families import application_body, operator_iin
from tests.e2e.conftest import ROOT, Stack

OFFICIAL_IIN = "850101300015"
SCENARIO = "tsa-bank-account-not-found"


def _family() -> dict[str, Any]:
    seed = json.loads((ROOT / "local" / "seed" / "registries.json").read_text())
    return dict(next(f for f in seed["families"] if f["scenario"] == SCENARIO))


def _upload(stack: Stack, app_id: str, token: str, body: bytes) -> str:
    status, _, slot = stack.request(
        "POST",
        f"/applications/{app_id}/documents",
        {"kind": "bank_account_certificate", "content_type": "application/pdf"},
        token=token,
    )
    assert status == 201, slot
    form = slot["upload"]
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("scan.pdf", body, "application/pdf")}, timeout=30
    )
    assert sent.status_code in (200, 201, 204), sent.text
    return str(form["fields"]["key"])


def _documents(stack: Stack, app_id: str, token: str) -> list[dict[str, Any]]:
    status, _, app = stack.request("GET", f"/applications/{app_id}", token=token)
    assert status == 200, app
    return list(app["documents"])


def _received(stack: Stack, app_id: str, token: str, count: int) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        documents = _documents(stack, app_id, token)
        waiting = [d for d in documents if d["state"] == "document_received"]
        return waiting[0] if len(documents) == count and waiting else None

    found: dict[str, Any] = stack.wait_until(ready, timeout=60)
    return found


def _sign(to_sign: str, office: str, crl_url: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "local.dev_ca",
            "sign-xml",
            "--iin",
            OFFICIAL_IIN,
            "--org",
            office,
            "--name",
            "САПАРОВА ДИНАРА",
            "--position",
            "Главный специалист",
            "--crl-url",
            crl_url,
        ],
        cwd=ROOT,
        input=to_sign,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def test_an_official_reviews_uploads_and_signs_the_decision(stack: Stack) -> None:
    family = _family()
    office = "employment-center-aktobe-01"
    operator = stack.token(operator_iin(), "operator", org=office)
    citizen = stack.token(family["applicant"])
    # Given the family files at the Employment Center and the registry has no record of the bank account
    status, _, created = stack.request(
        "POST", "/applications", application_body(family, channel="provider_office", office=office), token=operator
    )
    assert status == 201, created
    app_id = created["id"]
    official = stack.token(OFFICIAL_IIN, "official", org=created["handling_office"])

    def status_of() -> str:
        return str(stack.request("GET", f"/applications/{app_id}", token=citizen)[2]["status"])

    stack.wait_until(lambda: status_of() == "awaiting_documents", timeout=90)
    # When the applicant uploads the bank certificate, it waits for an official
    _upload(stack, app_id, citizen, b"%PDF-1.7 a blurred scan")
    first = _received(stack, app_id, citizen, 1)
    status, _, read = stack.request("GET", f"/applications/{app_id}/documents/{first['document_id']}", token=official)
    assert status == 200 and read["download_url"], read
    # And the official rejects it as unreadable: the applicant is asked again
    status, _, rejected = stack.request(
        "POST",
        f"/applications/{app_id}/documents/{first['document_id']}/review",
        {"accept": False, "reason": "unreadable", "comment": "page 1 is blurred"},
        token=official,
    )
    assert status == 200 and rejected["state"] == "rejected", rejected
    stack.wait_until(
        lambda: any(
            n["purpose"] == "document_rejected"
            for n in stack.request("GET", "/notifications", token=citizen)[2]["items"]
        ),
        timeout=60,
    )
    # When the second upload comes, the official accepts it with the facts it states
    _upload(stack, app_id, citizen, b"%PDF-1.7 a sharp scan")
    second = _received(stack, app_id, citizen, 2)
    facts = {
        "accounts": [
            {
                "iban": family["iban"],
                "bank_code": family["iban"][4:7],
                "owner_iin": family["applicant"],
                "opened_on": "2021-03-01",
            }
        ]
    }
    status, _, accepted = stack.request(
        "POST",
        f"/applications/{app_id}/documents/{second['document_id']}/review",
        {"accept": True, "facts": facts},
        token=official,
    )
    assert status == 200 and accepted["state"] == "accepted", accepted
    # Then the application waits for the official's decision, as the work queue says
    stack.wait_until(
        lambda: any(
            i["id"] == app_id
            for i in stack.request("GET", "/work-queue?waiting_for=official_decision", token=official)[2]["items"]
        ),
        timeout=90,
    )
    status, _, draft = stack.request("GET", f"/applications/{app_id}/decision/draft", token=official)
    assert status == 200, draft
    assert draft["decision"]["outcome"] == "approved"
    # When the official signs the draft with a certificate of the local test CA
    signed = _sign(draft["to_sign"], created["handling_office"], stack.printed("crl_url"))
    status, _, decided = stack.request(
        "POST",
        f"/applications/{app_id}/decision",
        {"draft_id": draft["draft_id"], "signed_xml": signed},
        token=official,
    )
    # Then the application is approved, and the result names the official
    assert status == 200, decided
    assert decided["status"] == "approved"
    status, _, result = stack.request("GET", f"/applications/{app_id}/result", token=citizen)
    assert status == 200, result
    status, _, verified = stack.request(
        "POST", "/results/verify", {k: v for k, v in result.items() if k != "verification_code"}
    )
    assert status == 200 and verified["valid"], verified
    assert verified["signer"]["kind"] == "official" and verified["signer"]["name"] == "САПАРОВА ДИНАРА"
    # And the code printed on the notice checks as valid for anyone
    status, _, public = stack.request("GET", f"/results/{result['verification_code']}")
    assert status == 200 and public["valid"] is True, public
    assert public["outcome"] == "approved" and "*" in public["applicant"]["iin_masked"]
    assert set(public) == {"verification_code", "valid", "service", "outcome", "decided_on", "applicant", "signed_by"}

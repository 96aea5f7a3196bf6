"""The proactive path on the real local stack (`make run` as a process), over HTTP only: a signed registry event
for a seeded child, the parent's signed SMS replies, the assigned benefit, its result SMS read with
`python -m local.outbox`, and the whole conversation in the application's timeline."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from local.api_client import ApiClient
from local.outbox import sent_sms
from tests.e2e.conftest import ROOT, Stack, start_stack

SEED = ROOT / "local" / "seed" / "registries.json"


class ReadStack(Stack):
    """The stack, with webhook calls signed as the gateway and the SMS provider sign theirs."""

    def signed_post(self, path: str, body: dict[str, Any], secret: str) -> tuple[int, Any]:
        return ApiClient(self.base).signed_post(path, body, secret)


@pytest.fixture(scope="module")
def stack() -> Iterator[ReadStack]:
    running = start_stack(ReadStack)
    yield running
    code, output = running.stop()
    assert code == 0, output[-3000:]


def test_a_registry_event_and_sms_replies_lead_to_an_assigned_benefit(stack: ReadStack) -> None:
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    family = next(f for f in seed["families"] if f["scenario"] == "child-disability-proactive-kk")
    mother, child = family["applicant"], family["members"][0]["iin"]
    phone = seed["people"][mother]["mobile"]["phone"]
    aws = stack.printed("aws_endpoint")
    sms_secret, gateway_secret = stack.printed("sms_webhook_secret"), stack.printed("gateway_webhook_secret")

    def to_mother() -> list[str]:
        return [m["message"] for m in sent_sms(aws) if m["phone_number"] == phone]

    def wait_for_sms(count: int) -> list[str]:
        found: list[str] = stack.wait_until(lambda: len(to_mother()) >= count and to_mother(), timeout=60)
        return found

    def answer(text: str, message_id: str) -> None:
        status, ack = stack.signed_post(
            "/webhooks/sms",
            {"message_id": message_id, "from": phone, "text": text, "received_at": "2026-11-24T09:00:00Z"},
            sms_secret,
        )
        assert (status, ack) == (200, {"status": "accepted"})

    # Given the gateway reports the child's disability (signed with the gateway's secret)
    event = {
        "event_id": "e2e-event-1",
        "type": "child_disability_established",
        "subject_iin": child,
        "occurred_at": "2026-11-23T08:00:00Z",
    }
    assert stack.signed_post("/webhooks/registry-events", event, gateway_secret) == (200, {"status": "accepted"})
    # Then the mother gets the offer in Kazakh
    assert "ИӘ/ЖОҚ" in wait_for_sms(1)[0]
    # When she consents and confirms the account proposed
    answer("Иә", "e2e-sms-1")
    assert "Дұрыс болса 1" in wait_for_sms(2)[1]
    answer("1", "e2e-sms-2")
    # Then the benefit is assigned and she is told by SMS
    texts = stack.wait_until(lambda: any("мақұлданды" in t for t in to_mother()) and to_mother(), timeout=90)
    assert any("тіркелді" in t for t in texts)
    # And the result SMS is what `python -m local.outbox` prints
    printed = subprocess.run(
        [sys.executable, "-m", "local.outbox", "--endpoint", aws], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    lines = [json.loads(line) for line in printed.splitlines()]
    assert any(m["to"] == phone and "мақұлданды" in m["text"] and m["sent_at"] for m in lines)
    # And the application, filed on the proactive channel, holds the whole conversation in its timeline
    token = stack.token(mother)
    _, _, history = stack.request("GET", "/applications", token=token)
    (summary,) = history["items"]
    _, _, app = stack.request("GET", f"/applications/{summary['id']}", token=token)
    assert app["channel"] == "proactive" and app["status"] == "approved"
    types = [e["type"] for e in app["timeline"]]
    assert types[:4] == [
        "proactive_offer_made",
        "proactive_sms_received",
        "proactive_consent_given",
        "proactive_sms_sent",
    ]
    assert {"proactive_account_confirmed", "created", "registered"} <= set(types)
    received = [e["detail"]["message_id"] for e in app["timeline"] if e["type"] == "proactive_sms_received"]
    assert received == ["e2e-sms-1", "e2e-sms-2"]
    # And her consent is readable in her personal account
    _, _, consents = stack.request("GET", "/consents", token=token)
    assert [(c["message_id"], c["application_id"]) for c in consents["items"]] == [("e2e-sms-1", app["id"])]

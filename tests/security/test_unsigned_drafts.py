"""An application nobody signed (`awaiting_signature`) is not a filing: it does not stop the state's proactive
offer as `already_applied`, and the deadline sweep withdraws it once `UNSIGNED_DRAFT_TERM` (3 days) has passed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib.domain.application import UNSIGNED_DRAFT_TERM, Status
from chalicelib.domain.webhook_signature import signature_header
from local.gateway_sim import GatewaySimulator
from tests.support.api import JSON, get, post
from tests.support.fakes import FakeClock
from tests.support.pipeline import body_for, drain
from tests.support.sms import sent_sms


def registry_event(api: Any, clock: FakeClock, subject: str, kind: str) -> Any:
    raw = json.dumps(
        {"event_id": f"ev-{subject}", "type": kind, "subject_iin": subject, "occurred_at": clock.now().isoformat()}
    ).encode()
    headers = {**JSON, "X-Signature": signature_header(b"test-gateway-secret", int(clock.now().timestamp()), raw)}
    return api.http.post("/webhooks/registry-events", body=raw, headers=headers)


def file_draft(api: Any, token: Any, family: dict[str, Any]) -> dict[str, Any]:
    created = post(api, "/applications", body_for(family), token(family["applicant"]))
    assert created.status_code == 201, created.body
    assert created.json_body["status"] == "awaiting_signature"
    return dict(created.json_body)


def test_an_unsigned_draft_does_not_stop_the_proactive_offer(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    family = gateway.family("caregiver-eligible")
    cared = family["members"][0]["iin"]
    # Given the carer started a caregiver application for the cared person and never signed it
    file_draft(api, token, family)
    # When the registry reports the first-group disability
    assert registry_event(api, clock, cared, "disability_group1_established").status_code == 200
    drain()
    # Then the carer is offered the allowance all the same
    assert any("пособие по уходу" in text for to, text in sent_sms() if to == family["phone"]), sent_sms()


def test_the_sweep_withdraws_a_draft_left_unsigned_past_its_term(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.deadlines import sweep_deadlines

    family = gateway.family("caregiver-eligible")
    draft = file_draft(api, token, family)
    deps = container().deadlines()
    # Within its term the sweep leaves it alone
    clock.advance(seconds=(UNSIGNED_DRAFT_TERM - timedelta(hours=1)).total_seconds())
    sweep_deadlines(clock.now(), deps)
    assert container().repo.get(draft["id"]).status is Status.AWAITING_SIGNATURE
    # Past it, the sweep withdraws it (once), and the applicant is told
    clock.advance(hours=2)
    report = sweep_deadlines(clock.now(), deps)
    assert report.drafts_expired == 1
    assert sweep_deadlines(clock.now(), deps).drafts_expired == 0
    drain()
    app = container().repo.get(draft["id"])
    assert app.status is Status.WITHDRAWN
    assert app.timeline[-1].detail["reason"] == "draft_expired" and app.timeline[-1].actor == "system"
    notices = get(api, "/notifications", token(family["applicant"])).json_body["items"]
    assert [n["purpose"] for n in notices][:1] == ["draft_expired"]


def test_a_draft_signed_in_time_is_not_withdrawn(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.deadlines import sweep_deadlines
    from chalicelib.services.intake import expire_draft

    family = gateway.family("caregiver-eligible")
    draft = file_draft(api, token, family)
    deps = container().deadlines()

    def sign(app: Any) -> None:
        app.transition(Status.WITHDRAWN, at=clock.now(), actor="citizen", reason="withdrawn_by_applicant")

    # A draft closed another way meanwhile is left as it is
    from chalicelib.services.concurrency import update_application

    update_application(container().repo, draft["id"], sign)
    clock.advance(days=4)
    assert expire_draft(container().repo, container().publisher, draft["id"], clock.now()) == "not_a_draft"
    assert sweep_deadlines(clock.now(), deps).drafts_expired == 0

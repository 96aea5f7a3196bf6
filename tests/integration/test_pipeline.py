"""The pipeline end to end in-process: filing, registry lookups through the gateway simulator, the
decision, the signed result. moto stands in for AWS; the app's own SQS handlers do the work."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.entrypoints.views import application_view
from chalicelib.services.intake import submit_application
from local.gateway_sim import GatewaySimulator
from tests.support.people import STRANGER
from tests.support.pipeline import body_for, drain

OFFICE = "employment-center-aktobe-01"


def file(sim: GatewaySimulator, scenario: str, *, channel: str = "provider_office", role: str = "operator") -> Any:
    from chalicelib.bootstrap import container

    family = sim.family(scenario)
    office = OFFICE if role == "operator" else None
    caller = Caller(family["applicant"] if role == "citizen" else STRANGER, role, org=office)
    filed = submit_application(
        body_for(family, channel=channel, office=office), caller, container().intake(), render=application_view
    )
    assert filed.application is not None
    return filed.application


def reload(app_id: str) -> Any:
    from chalicelib.bootstrap import container

    return container().repo.get(app_id)


def test_an_eligible_tsa_family_is_approved_with_a_signed_result(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.domain.result_document import SignedResult

    # Given a family of five filing at the Employment Center
    app = file(gateway, "tsa-eligible-3-children")
    planned = app.data["lookups_planned"]
    # When every queued message is handled
    drain()
    # Then every lookup of the plan was asked once, and the family was approved with an amount
    done = reload(app.id)
    assert done.status is Status.APPROVED, done.timeline[-1]
    assert done.decision["amount_monthly"] > 0
    from chalicelib.domain.lookups import plan_for

    conditional = [s for s in plan_for(app, app.registered_on) if s.when]
    asked = [
        r["message"]["correlation_id"]
        for r in gateway.requests
        if (r["message"]["correlation_id"] or "").startswith(app.id)
    ]
    assert len(asked) == len(set(asked))
    assert planned - len(conditional) <= len(asked) <= planned
    # And every registry read is in the audit trail, with no IIN in clear
    trail = [e for e in container().audit.for_application(app.id) if e.action == "registry_read"]
    assert len(trail) == len(asked)
    assert app.applicant.iin not in json.dumps([e.to_dict() for e in trail])
    # each with the message log of its signed SOAP exchange, kept with the audit record
    logged = {x["correlation_id"]: x for e in trail for x in e.message_log}
    assert set(logged) == set(asked)
    assert {x["status"] for x in logged.values()} == {"SCSS001"}
    assert all(len(x["request_sha256"]) == 64 and x["response_sha256"] for x in logged.values())
    assert all(r["signed_by"] for r in gateway.requests if (r["message"]["correlation_id"] or "").startswith(app.id))
    # And the signed result verifies, and does not once a field is changed
    stored = container().results.get(app.id)
    signed = SignedResult.from_dict(stored)
    assert container().signer.verify(signed).valid
    tampered = json.loads(json.dumps(stored))
    tampered["document"]["decision"]["amount_monthly"] += 1
    assert not container().signer.verify(SignedResult.from_dict(tampered)).valid


def test_income_above_the_line_is_refused_with_reasons(gateway: GatewaySimulator) -> None:
    app = file(gateway, "tsa-income-just-above-line")
    drain()
    done = reload(app.id)
    assert done.status is Status.REFUSED
    from chalicelib.bootstrap import container

    signed = container().results.get(done.id)
    assert signed is not None
    assert any(r["outcome"] == "not_met" for r in signed["document"]["decision"]["reasons"])


def test_a_missing_bank_record_asks_the_applicant_for_a_document(gateway: GatewaySimulator) -> None:
    app = file(gateway, "tsa-bank-account-not-found")
    drain()
    done = reload(app.id)
    assert done.status is Status.AWAITING_DOCUMENTS
    assert done.timeline[-1].detail["documents"]


def test_no_residence_record_sends_a_written_request_and_extends_the_term(gateway: GatewaySimulator) -> None:
    app = file(gateway, "tsa-no-residence-registration")
    drain()
    done = reload(app.id)
    assert "written_request_sent" in [e.type for e in done.timeline]
    assert done.due_date == date.fromisoformat(
        next(e.detail["due_date"] for e in done.timeline if e.type == "term_extended")
    )
    assert (done.due_date - done.registered_on).days >= 30


def test_a_lookup_delivered_twice_changes_nothing(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.lookups import handle_lookup

    app = file(gateway, "caregiver-eligible", channel="state_corp")
    # Given every lookup message, each kept
    sqs = container().client("sqs")
    url = sqs.get_queue_url(QueueName="sb-lookups")["QueueUrl"]
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        for m in got:
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    deps = container().lookups()
    # When each is handled twice
    outcomes = [handle_lookup(b, deps) for b in bodies] + [handle_lookup(b, deps) for b in bodies]
    # Then the lookups are settled once each, and the decision is asked for by the last of the first round
    settled, expected = container().lookup_store.mark_done(app.id, [], 0)
    assert settled == expected == app.data["lookups_planned"]
    assert outcomes[len(bodies) - 1] == "complete"
    drain()
    assert reload(app.id).status is Status.APPROVED  # the seeded caregiver meets every condition
    assert len([e for e in reload(app.id).timeline if e.detail.get("to") in ("approved", "refused")]) == 1


def test_an_uploaded_document_waits_for_an_official_and_decides_nothing(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services.documents import request_upload

    # Given an application waiting for the bank document the registry did not have
    app = file(gateway, "tsa-bank-account-not-found")
    drain()
    waiting = reload(app.id)
    assert waiting.status is Status.AWAITING_DOCUMENTS
    [kind] = waiting.timeline[-1].detail["documents"]
    owner = Caller(app.applicant.iin, "citizen")
    deps = container().documents()
    # When the applicant asks for a slot: only awaited kinds and allowed types are given one
    with pytest.raises(ValidationFailed) as refused:
        request_upload(app.id, "something_else", "text/html", owner, deps)
    assert {e.code for e in refused.value.errors} == {"documents.kind_not_requested", "documents.content_type"}
    slot = request_upload(app.id, kind, "application/pdf", owner, deps)
    assert slot["upload"]["fields"]["Content-Type"] == "application/pdf"
    # And uploads the file to it (S3 tells the documents queue)
    container().client("s3").put_object(
        Bucket=container().settings.documents_bucket, Key=slot["upload"]["fields"]["key"], Body=b"%PDF-1.7 scan"
    )
    drain()
    # Then the document waits for an official's review: nothing is decided on it
    done = reload(app.id)
    assert "document_received" in [e.type for e in done.timeline]
    assert done.status is Status.AWAITING_DOCUMENTS and done.decision is None
    pending = [r for r in container().lookup_store.for_application(app.id) if r.registry == "bank_accounts"]
    assert [r.status for r in pending] == ["document_received"]


def _make_failed_messages_visible_at_once() -> None:
    from chalicelib.bootstrap import container

    sqs = container().client("sqs")
    url = sqs.get_queue_url(QueueName="sb-lookups")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})


def test_a_lookup_that_exhausts_its_retries_goes_to_the_dlq_and_is_redriven(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container
    from local.redrive import redrive

    _make_failed_messages_visible_at_once()
    gateway.set_down("vehicles", True)
    app = file(gateway, "tsa-eligible-3-children")
    drain()
    # Then the failing lookups are in the DLQ after 5 receives, and the application is still being checked
    sqs = container().client("sqs")
    dlq = sqs.get_queue_url(QueueName="sb-lookups-dlq")["QueueUrl"]
    parked = int(
        sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )
    assert parked == len(app.subjects) + 1  # vehicles is asked about every family member
    assert reload(app.id).status is Status.CHECKING
    # When the registry is back and the DLQ is re-driven, Then the application completes
    gateway.set_down("vehicles", False)
    assert redrive(sqs, "lookups") == parked
    drain()
    assert reload(app.id).status is Status.APPROVED

"""POST /webhooks/sms: HMAC-authenticated delivery receipts and inbound SMS, each message id handled once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.webhook_signature import signature_header
from chalicelib.entrypoints.views import application_view
from chalicelib.services.intake import submit_application
from tests.support.api import JSON, get
from tests.support.fakes import FakeClock
from tests.support.people import MOTHER, child_benefit_body
from tests.support.sms import (
    every_notice_by_sms,  # noqa: F401  (the fixture)
    queued,
    run_queue,
    sent_sms,
    webhook,
)

SECRET = "test-sms-secret"
INBOUND = {"message_id": "in-0001", "from": "+77011234567", "text": "ДА", "received_at": "2026-11-24T09:00:00Z"}

# How SMS are sent, whichever notices the passports send by SMS (test_sms_policy.py checks those)
pytestmark = pytest.mark.usefixtures("every_notice_by_sms")


@pytest.fixture
def clock(api: Any) -> FakeClock:
    from chalicelib.bootstrap import container

    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    container().clock = fake  # type: ignore[misc]
    return fake


def nothing_stored(message_id: str) -> bool:
    from chalicelib.bootstrap import container

    return container().sms_inbox.inbound(message_id) is None and queued("proactive") == []


def sent_notification(aws: Any) -> tuple[str, str]:
    """A registration SMS sent for a new application: (notification key, provider message id)."""
    filed = submit_application(child_benefit_body(), Caller(MOTHER, "citizen"), aws.intake(), render=application_view)
    assert filed.application is not None
    run_queue("notifications")
    key = f"{filed.application.id}:registered"
    record = aws.notification_store.get(key)
    assert record is not None and record.provider_message_id
    return key, record.provider_message_id


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "webhook.signature_missing"),
        ("", "webhook.signature_missing"),
        ("t=abc,v1=00", "webhook.signature_invalid"),
        ("v1=00", "webhook.signature_invalid"),
    ],
)
def test_a_missing_or_malformed_signature_is_refused(api: Any, clock: FakeClock, header: str | None, code: str) -> None:
    headers = dict(JSON)
    if header is not None:
        headers["X-Signature"] = header
    response = api.http.post("/webhooks/sms", body=json.dumps(INBOUND), headers=headers)
    assert response.status_code == 401 and response.json_body["code"] == code
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "WWW-Authenticate" not in response.headers
    assert nothing_stored(INBOUND["message_id"])


def test_a_forged_signature_is_refused_and_changes_nothing(api: Any, clock: FakeClock) -> None:
    # Given a body signed with another secret
    response = webhook(api, INBOUND, secret="not-the-shared-secret", at=clock.now())
    # Then
    assert response.status_code == 401 and response.json_body["code"] == "webhook.signature_invalid"
    assert nothing_stored(INBOUND["message_id"])


def test_a_body_changed_after_signing_is_refused(api: Any, clock: FakeClock) -> None:
    t = int(clock.now().timestamp())
    header = signature_header(SECRET.encode(), t, json.dumps(INBOUND).encode())
    changed = json.dumps({**INBOUND, "text": "НЕТ"}).encode()
    response = webhook(api, changed, header=header)
    assert response.status_code == 401 and response.json_body["code"] == "webhook.signature_invalid"


@pytest.mark.parametrize("offset", [timedelta(minutes=-5, seconds=-1), timedelta(minutes=5, seconds=1)])
def test_a_stale_or_future_timestamp_is_refused(api: Any, clock: FakeClock, offset: timedelta) -> None:
    response = webhook(api, INBOUND, at=clock.now() + offset)
    assert response.status_code == 401 and response.json_body["code"] == "webhook.timestamp_stale"
    assert nothing_stored(INBOUND["message_id"])


def test_a_captured_request_replayed_later_is_refused(api: Any, clock: FakeClock) -> None:
    # Given a genuine request, accepted
    raw = json.dumps(INBOUND).encode()
    header = signature_header(SECRET.encode(), int(clock.now().timestamp()), raw)
    assert webhook(api, raw, header=header).status_code == 200
    # When the same bytes and header are sent again within the window, it is acknowledged and nothing happens twice
    again = webhook(api, raw, header=header)
    assert again.status_code == 200 and again.json_body == {"status": "duplicate"}
    assert len(queued("proactive")) == 1
    # And after the window it is refused outright
    clock.advance(minutes=6)
    assert webhook(api, raw, header=header).status_code == 401


def test_an_inbound_sms_is_acknowledged_stored_and_queued(aws: Any, api: Any, clock: FakeClock) -> None:
    # When the provider posts an inbound SMS
    response = webhook(api, INBOUND, at=clock.now())
    # Then it is acknowledged at once, stored, and queued for routing with no personal data in the message
    assert response.status_code == 200 and response.json_body == {"status": "accepted"}
    stored = aws.sms_inbox.inbound("in-0001")
    assert stored.phone == "+77011234567" and stored.text == "ДА" and stored.routed is None
    assert queued("proactive") == [{"type": "inbound_sms", "message_id": "in-0001", "message_key": "inbound:in-0001"}]
    # When the proactive worker routes it and no conversation waits on that phone
    assert run_queue("proactive", deliveries=2) == 1
    # Then nothing is answered and the message is marked as routed nowhere
    assert aws.sms_inbox.inbound("in-0001").routed == "no_conversation"
    assert sent_sms() == []


def test_a_conversation_waiting_on_the_phone_gets_the_message_and_its_reply_goes_once(
    aws: Any, api: Any, clock: FakeClock
) -> None:
    class Consent:
        def __init__(self) -> None:
            self.seen: list[tuple[str, str, str]] = []

        def handle(self, phone: str, text: str, message_id: str) -> str | None:
            self.seen.append((phone, text, message_id))
            return "Спасибо, согласие получено."

    router = Consent()
    aws.conversations = router
    webhook(api, {**INBOUND, "from": "8 701 123 45 67"}, at=clock.now())
    run_queue("proactive", deliveries=2)
    assert router.seen[0] == ("+77011234567", "ДА", "in-0001")
    assert sent_sms() == [("+77011234567", "Спасибо, согласие получено.")]
    assert aws.sms_inbox.inbound("in-0001").routed == "replied:sent"


def test_a_delivery_receipt_is_recorded_once(aws: Any, api: Any, clock: FakeClock) -> None:
    key, provider_id = sent_notification(aws)
    receipt = {
        "message_id": "dlr-1",
        "provider_message_id": provider_id,
        "status": "delivered",
        "delivered_at": "2026-11-24T09:00:03Z",
    }
    response = webhook(api, receipt, at=clock.now())
    assert response.status_code == 200 and response.json_body == {"status": "accepted"}
    assert aws.notification_store.get(key).status == "delivered"
    # A receipt seen before changes nothing, even if its body now says otherwise
    replay = webhook(api, {**receipt, "status": "failed"}, at=clock.now())
    assert replay.json_body == {"status": "duplicate"}
    assert aws.notification_store.get(key).status == "delivered"


def test_a_failure_receipt_schedules_a_retry(aws: Any, api: Any, clock: FakeClock) -> None:
    key, provider_id = sent_notification(aws)
    webhook(api, {"message_id": "dlr-2", "provider_message_id": provider_id, "status": "failed"}, at=clock.now())
    record = aws.notification_store.get(key)
    assert record.status == "failed" and record.attempts == 1 and record.flag is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "request.malformed_json"),
        (b"[1, 2]", 422, "validation.failed"),
        (
            json.dumps({"message_id": "x", "provider_message_id": "p", "status": "read"}).encode(),
            422,
            "validation.failed",
        ),
        (json.dumps({"message_id": "x", "from": "+77011234567"}).encode(), 422, "validation.failed"),
    ],
)
def test_bad_bodies_with_a_good_signature_get_a_problem(
    api: Any, clock: FakeClock, body: bytes, status: int, code: str
) -> None:
    response = webhook(api, body, at=clock.now())
    assert response.status_code == status and response.json_body["code"] == code


def test_the_notices_a_citizen_got_are_in_their_personal_account(
    aws: Any, api: Any, clock: FakeClock, token: Any
) -> None:
    sent_notification(aws)
    sent_notification(aws)
    first = get(api, "/notifications?limit=1", token(MOTHER), **{"Accept-Language": "en"})
    assert first.status_code == 200, first.body
    assert len(first.json_body["items"]) == 1 and first.json_body["cursor"]
    assert first.json_body["items"][0]["title"].startswith("Application No.")
    second = get(api, f"/notifications?limit=1&cursor={first.json_body['cursor']}", token(MOTHER))
    assert second.json_body["items"][0]["id"] != first.json_body["items"][0]["id"]
    assert second.json_body["items"][0]["title"].startswith("Заявка №")
    assert first.json_body["items"][0]["created_at"] >= second.json_body["items"][0]["created_at"]
    assert get(api, "/notifications", token(MOTHER, "operator", org="gfc-1")).status_code == 403
    assert get(api, "/notifications?cursor=bogus", token(MOTHER)).status_code == 422

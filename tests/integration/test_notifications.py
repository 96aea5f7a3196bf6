"""The notifications worker on moto: notices and SMS from the outbox, at most once per key, per-phone limits,
delivery receipts with retries, and officials' notices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.data import load_json
from chalicelib.domain.access import Caller
from chalicelib.entrypoints.views import application_view
from chalicelib.services.intake import submit_application
from chalicelib.services.notifications import handle_notification, record_delivery_receipt
from tests.support.fakes import FakeClock, FakeRegistries
from tests.support.people import FATHER, MOTHER, STRANGER, child_benefit_body
from tests.support.sms import (
    PHONE,
    caregiver_body,
    every_notice_by_sms,  # noqa: F401  (the fixture)
    queued,
    run_queue,
    sent_sms,
)

# How SMS are sent, whichever notices the passports send by SMS (test_sms_policy.py checks those)
pytestmark = pytest.mark.usefixtures("every_notice_by_sms")


@pytest.fixture
def clock(aws: Any) -> FakeClock:
    fake = FakeClock(datetime.now(UTC))
    aws.clock = fake
    return fake


@pytest.fixture
def quick_retries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """sms_policy.json overridden (SB_DATA_OVERRIDE_DIR) with retries that wait 0 seconds: as many, no waiting."""
    policy = dict(load_json("sms_policy.json"))
    delays = [0] * len(policy["delivery_retry_delays_seconds"])
    policy["delivery_retry_delays_seconds"] = delays
    (tmp_path / "sms_policy.json").write_text(json.dumps(policy))
    from tests.conftest import data_override

    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", data_override(tmp_path))
    load_json.cache_clear()
    yield delays
    load_json.cache_clear()


def file(aws: Any, body: dict[str, Any] | None = None, caller: Caller | None = None) -> str:
    filed = submit_application(
        body or child_benefit_body(), caller or Caller(MOTHER, "citizen"), aws.intake(), render=application_view
    )
    assert filed.application is not None
    return filed.application.id


def notify_body(
    app_id: str, key: str, purpose: str = "registered", audience: str = "applicant", **values: Any
) -> dict[str, Any]:
    values = values or {"application_number": app_id, "due_date": "2026-12-04"}
    return {
        "type": "notify",
        "purpose": purpose,
        "audience": audience,
        "application_id": app_id,
        "values": values,
        "message_key": key,
    }


def test_a_redelivered_notification_sends_nothing_twice(aws: Any, clock: FakeClock) -> None:
    # Given an application whose registration queued its notice
    app_id = file(aws)
    # When the worker gets the message twice (SQS delivers at least once)
    assert run_queue("notifications", deliveries=2) == 1
    # Then one SMS went out, in the application's language, and one notice is in the personal account
    assert len(sent_sms()) == 1
    phone, text = sent_sms()[0]
    assert phone == PHONE and f"№{app_id}" in text and "тіркелді" in text
    notices = aws.notification_store.notices(("person", MOTHER), cursor=None, limit=10).items
    assert [n.key for n in notices] == [f"{app_id}:registered"]
    assert notices[0].texts["ru"]["title"] == f"Заявка №{app_id} зарегистрирована"
    # And the claim records the provider's message id
    record = aws.notification_store.get(f"{app_id}:registered")
    assert record.status == "sent" and record.provider_message_id and record.attempts == 1
    # And a delivery of the same message much later still sends nothing
    clock.advance(days=1)
    body = notify_body(app_id, f"{app_id}:registered")
    assert handle_notification(body, aws.notifications()) == "duplicate:sent"
    assert len(sent_sms()) == 1


def test_a_send_interrupted_by_a_crash_is_never_repeated(aws: Any, clock: FakeClock) -> None:
    # Given a claim a worker moved to `sending` and then died (no provider answer recorded)
    app_id = file(aws)
    deps = aws.notifications()
    body = notify_body(app_id, f"{app_id}:registered")
    from chalicelib.services.ports import NotificationRecord

    record, _ = deps.store.claim(
        NotificationRecord(f"{app_id}:registered", app_id, "registered", "applicant", "kk", body["values"], clock.now())
    )
    assert deps.store.start_sending(record.key, from_status="pending", attempts=0, at=clock.now())
    # When the message is delivered again while that worker might still be sending
    assert handle_notification(body, deps) == "in_progress"
    # And again long after
    clock.advance(minutes=10)
    assert handle_notification(body, deps) == "unknown"
    # Then nothing was sent, the notification is flagged, and the notice is there
    assert sent_sms() == []
    assert deps.store.get(record.key).flag == "unknown"
    assert len(deps.store.notices(("person", MOTHER), cursor=None, limit=10).items) == 1


def test_the_representative_gets_the_notice_too(aws: Any, clock: FakeClock) -> None:
    # Given a caregiver allowance filed at a State Corporation office by a representative whose power of attorney
    # the e-notary registry confirms, for a mother registered in the mobile citizens database
    power = {
        "number": "12-345",
        "principal_iin": MOTHER,
        "agent_iin": FATHER,
        "valid_until": "2030-01-01",
        "revoked": False,
    }
    aws.__dict__["gateway"] = FakeRegistries(
        {
            ("e_notary", FATHER): {"powers_of_attorney": [power]},
            ("mobile", MOTHER): {"phone": "+77015550001", "language": "ru"},
        }
    )
    body = caregiver_body(
        MOTHER,
        channel="state_corp",
        representative={"iin": FATHER, "power_of_attorney": "12-345"},
        accepted_by={"office": "gfc-aktobe-1", "official": "Иванова А.Б."},
    )
    file(aws, body, Caller(STRANGER, "operator", org="gfc-aktobe-1"))
    # When its notices are handled
    run_queue("notifications")
    # Then both the applicant and the representative see the registration; the mother alone is told someone filed
    # on her behalf, by SMS to her registered number (the registration SMS goes to the application's phone)
    purposes = {
        person: sorted(
            n.purpose for n in aws.notification_store.notices(("person", person), cursor=None, limit=10).items
        )
        for person in (MOTHER, FATHER)
    }
    assert purposes == {MOTHER: ["filed_on_your_behalf", "registered"], FATHER: ["registered"]}
    assert sorted(p for p, _ in sent_sms()) == sorted([PHONE, "+77015550001"])


def test_officials_get_an_office_notice_and_no_sms(aws: Any, clock: FakeClock) -> None:
    app_id = file(aws)
    run_queue("notifications")
    office = aws.repo.get(app_id).handling_office
    deps = aws.notifications()
    # When an officials' notification is handled
    outcome = handle_notification(
        notify_body(app_id, f"{app_id}:overdue:1", "overdue", "officials", application_number=app_id, days_overdue=2),
        deps,
    )
    # Then the office can read it, and no SMS went out for it
    assert outcome == "office"
    items = deps.store.notices(("office", office), cursor=None, limit=10).items
    assert [n.purpose for n in items] == ["overdue"]
    assert "2" in items[0].texts["ru"]["body"] and "пособие на ребенка" in items[0].texts["ru"]["body"]
    assert len(sent_sms()) == 1  # the registration SMS only


def test_refusal_reasons_and_documents_are_short_texts_in_the_citizens_language(aws: Any, clock: FakeClock) -> None:
    app_id = file(aws)
    deps = aws.notifications()
    handle_notification(
        notify_body(
            app_id, f"{app_id}:refused", "refused", application_number=app_id, reason="tsa.income_below_poverty_line"
        ),
        deps,
    )
    handle_notification(
        notify_body(
            app_id,
            f"{app_id}:documents_needed:birth_certificate",
            "documents_needed",
            application_number=app_id,
            document="birth_certificate",
        ),
        deps,
    )
    handle_notification(
        notify_body(app_id, f"{app_id}:refused:x", "refused", application_number=app_id, reason="some.future_rule"),
        deps,
    )
    texts = [text for _, text in sent_sms()]
    assert "жан басы табысы кедейлік шегінен аз емес" in texts[0]  # at the line is not "above" it
    assert "туу туралы куәлік" in texts[1]
    assert "қызмет шарты орындалмады" in texts[2]


def test_per_phone_limits_hold_and_the_notice_still_goes(aws: Any, clock: FakeClock) -> None:
    # Given the policy (at most 20 identical SMS a phone an hour) and a text sent one time short of it this hour
    limit = load_json("sms_policy.json")["per_phone_per_hour"]["identical"]
    app_id = file(aws)
    deps = aws.notifications()
    body = notify_body(app_id, f"{app_id}:registered:0")
    assert handle_notification(body, deps) == "sent"
    text = sent_sms()[0][1]
    assert all(aws.sms_limiter.take(PHONE, text, clock.now()) for _ in range(limit - 2))
    # When the same text is to be sent twice more
    outcomes = [handle_notification(notify_body(app_id, f"{app_id}:registered:{i}"), deps) for i in (1, 2)]
    # Then the first of them is the limit's last, and the other is not sent but flagged
    assert outcomes == ["sent", "rate_limited"]
    assert len(sent_sms()) == 2
    last = deps.store.get(f"{app_id}:registered:2")
    assert last.status == "rate_limited" and last.flag == "rate_limited"
    # And its notice is in the personal account all the same
    notices = deps.store.notices(("person", MOTHER), cursor=None, limit=50).items
    assert f"{app_id}:registered:2" in [n.key for n in notices]
    # And another text to the same phone still goes
    assert (
        handle_notification(notify_body(app_id, f"{app_id}:withdrawn", "withdrawn", application_number=app_id), deps)
        == "sent"
    )


def test_the_per_phone_total_holds_across_texts_and_resets_the_next_hour(aws: Any) -> None:
    total = load_json("sms_policy.json")["per_phone_per_hour"]["total"]
    limiter = aws.sms_limiter
    at = datetime(2026, 11, 24, 9, 5, tzinfo=UTC)
    # When as many different texts as the limit allows go to one phone in an hour
    assert all(limiter.take(PHONE, f"text {i}", at) for i in range(total))
    # Then one more is refused, whatever its text; another phone is not affected; the next hour starts afresh
    assert not limiter.take(PHONE, "yet another text", at + timedelta(minutes=50))
    assert limiter.take("+77017654321", "text 0", at)
    assert limiter.take(PHONE, "text 0", at + timedelta(hours=1))


def test_a_failed_delivery_is_retried_then_flagged(aws: Any, clock: FakeClock, quick_retries: list[int]) -> None:
    # Given a sent registration SMS
    app_id = file(aws)
    run_queue("notifications")
    key = f"{app_id}:registered"
    deps = aws.notifications()
    # When every delivery fails
    outcomes = []
    for _ in range(len(quick_retries) + 1):
        outcomes.append(record_delivery_receipt(deps.store.get(key).provider_message_id, "failed", deps))
        run_queue("notifications")
    # Then it was sent again after each failure as many times as the policy allows, then flagged
    assert outcomes == ["retry_scheduled"] * len(quick_retries) + ["undelivered"]
    assert len(sent_sms()) == len(quick_retries) + 1
    record = deps.store.get(key)
    assert record.status == "undelivered" and record.flag == "undelivered"
    assert record.attempts == len(quick_retries) + 1
    # And the notice stays in the personal account, once
    assert len(deps.store.notices(("person", MOTHER), cursor=None, limit=10).items) == 1


def test_receipts_for_an_older_attempt_change_nothing(aws: Any, clock: FakeClock, quick_retries: list[int]) -> None:
    app_id = file(aws)
    run_queue("notifications")
    key = f"{app_id}:registered"
    deps = aws.notifications()
    first = deps.store.get(key).provider_message_id
    assert record_delivery_receipt(first, "failed", deps) == "retry_scheduled"
    # A redelivered failure receipt schedules the same retry again, which the worker sends once
    assert record_delivery_receipt(first, "failed", deps) == "retry_scheduled"
    run_queue("notifications")
    assert len(sent_sms()) == 2
    second = deps.store.get(key).provider_message_id
    assert second != first
    # Then a late receipt for the first attempt is stale, and the second's delivery is recorded
    assert record_delivery_receipt(first, "delivered", deps) == "stale"
    assert record_delivery_receipt(second, "delivered", deps) == "delivered"
    assert deps.store.get(key).status == "delivered"
    assert record_delivery_receipt("no-such-message", "failed", deps) == "unknown_message"


def test_retries_wait_for_their_delay(aws: Any, clock: FakeClock) -> None:
    # Given the shipped policy (the first retry waits a minute)
    assert load_json("sms_policy.json")["delivery_retry_delays_seconds"][0] >= 60
    app_id = file(aws)
    run_queue("notifications")
    deps = aws.notifications()
    # When the delivery fails
    assert (
        record_delivery_receipt(deps.store.get(f"{app_id}:registered").provider_message_id, "failed", deps)
        == "retry_scheduled"
    )
    # Then the retry is queued but not yet visible
    assert queued("notifications") == []


def test_otp_sms_are_never_retried(aws: Any, clock: FakeClock) -> None:
    from chalicelib.services.notifications import send_one_time_code

    app_id = file(aws, caregiver_body())
    deps = aws.notifications()
    from chalicelib.domain.phone import PhoneNumber

    assert send_one_time_code(aws.repo.get(app_id), "123456", clock.now(), deps, PhoneNumber(PHONE)) == "sent"
    assert "123456" in sent_sms()[0][1]
    key = next(k for k in _keys(aws) if ":otp:" in k)
    assert "123456" not in json.dumps(deps.store.get(key).values)
    assert record_delivery_receipt(deps.store.get(key).provider_message_id, "failed", deps) == "undelivered"


def _keys(aws: Any) -> list[str]:
    client = aws.client("dynamodb")
    items = client.scan(TableName=aws.settings.table_name)["Items"]
    return [i["PK"]["S"].removeprefix("NOTIF#") for i in items if i["PK"]["S"].startswith("NOTIF#")]

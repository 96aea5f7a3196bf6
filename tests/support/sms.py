"""Helpers for the SMS, notification and signing tests: what moto's SNS sent, signed webhooks, queue runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.webhook_signature import signature_header
from tests.support.api import JSON
from tests.support.people import CARED, HALYK_IBAN, MOTHER

PHONE = "+77011234567"


def sent_sms() -> list[tuple[str, str]]:
    """(phone, text) of every SMS moto's SNS accepted, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sms_messages.values())


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def caregiver_body(applicant: str = MOTHER, cared: str = CARED, **overrides: Any) -> dict[str, Any]:
    """A caregiver-allowance application: the service needs a signature (EDS or OTP)."""
    body: dict[str, Any] = {
        "service_id": "caregiver-allowance",
        "channel": "portal",
        "applicant": {"iin": applicant, "phone": PHONE, "region": "KZ-AKT"},
        "subjects": [{"iin": cared, "relation": "cared_person"}],
        "bank_account": {"iban": HALYK_IBAN},
        "language": "ru",
    }
    body.update(overrides)
    return body


def webhook(
    api: Any,
    body: dict[str, Any] | bytes,
    *,
    secret: str = "test-sms-secret",
    at: datetime | None = None,
    header: str | None = None,
) -> Any:
    """POST /webhooks/sms signed as the provider signs (or with the header given)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    moment = at or datetime.now(UTC)
    h = dict(JSON)
    h["X-Signature"] = header if header is not None else signature_header(secret.encode(), int(moment.timestamp()), raw)
    return api.http.post("/webhooks/sms", body=raw, headers=h)


def queue_url(purpose: str) -> str:
    from chalicelib.bootstrap import container

    url: str = container().client("sqs").get_queue_url(QueueName=f"sb-{purpose}")["QueueUrl"]
    return url


def queued(purpose: str) -> list[dict[str, Any]]:
    """Bodies of the messages visible on a queue, left there (visibility timeout 0)."""
    from chalicelib.bootstrap import container

    sqs = container().client("sqs")
    received = sqs.receive_message(QueueUrl=queue_url(purpose), MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in received.get("Messages", [])]


def run_queue(purpose: str, *, deliveries: int = 1, rounds: int = 20) -> int:
    """Hand each visible message of the queue to the app's handler for it, `deliveries` times (a redelivery is
    the same message again), then delete the handled ones; until the queue is quiet. Returns messages handled."""
    from chalice.app import SQSEventConfig

    import app as app_module
    from chalicelib.bootstrap import container
    from local.stack import LambdaContext, resolve_handler, sqs_event

    source = next(
        s for s in app_module.app.event_sources if isinstance(s, SQSEventConfig) and s.queue == f"sb-{purpose}"
    )
    handler = resolve_handler(source.handler_string)
    sqs = container().client("sqs")
    url = queue_url(purpose)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    handled = 0
    for _ in range(rounds):
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not received:
            return handled
        failed: set[str] = set()
        for _ in range(deliveries):
            result = handler(sqs_event(received, arn), LambdaContext(source.name))
            failed |= {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        for message in received:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1
        if failed:
            raise AssertionError(f"{len(failed)} message(s) of {purpose} failed")
    raise AssertionError(f"{purpose} did not go quiet")


@pytest.fixture
def every_notice_by_sms(tmp_path: Any, monkeypatch: Any) -> Iterator[None]:
    """services.json overridden (SB_DATA_OVERRIDE_DIR, as an operator would) so that every notice of every channel
    also goes by SMS: for the tests of how SMS are sent (at most once, limits, receipts, retries), whatever the
    passports say about which notices go by SMS (tests/integration/test_sms_policy.py checks those)."""
    from chalicelib.data import load_json
    from chalicelib.domain.catalog import load_catalog
    from chalicelib.domain.notifications import PURPOSES

    catalog = json.loads(json.dumps(load_json("services.json")))
    for service in catalog["services"]:
        service["sms"] = {channel: list(PURPOSES) for channel in service["channels"]}
    (tmp_path / "services.json").write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    from tests.conftest import LOCAL_DATA_DIR, data_override

    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", data_override(tmp_path))
    load_json.cache_clear()
    load_catalog.cache_clear()
    yield
    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", LOCAL_DATA_DIR)
    load_json.cache_clear()
    load_catalog.cache_clear()

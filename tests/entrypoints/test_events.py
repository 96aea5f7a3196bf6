"""events/: the sample Lambda events of every handler, fed to the handlers as Lambda would hand them.

Every handler the app declares (the API, each SQS consumer, each schedule) has a sample, and each sample is
accepted by its handler: the API and both webhooks answer (their tokens and signatures are made here, the files
hold placeholders), each SQS batch comes back as a partial batch response, each schedule runs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from local.stack import LambdaContext, resolve_handler
from tests.support.api import post
from tests.support.people import MOTHER, child_benefit_body

EVENTS = Path(__file__).resolve().parents[2] / "events"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


def _sources() -> list[Any]:
    import app as app_module

    return list(app_module.app.event_sources)


def test_every_handler_has_a_sample_event_and_every_sample_names_a_handler() -> None:
    from chalice.app import SQSEventConfig

    import app as app_module

    files = {p.name for p in EVENTS.glob("*.json")}
    queues = {
        json.loads((EVENTS / f).read_text())["Records"][0]["eventSourceARN"].rsplit(":", 1)[1]
        for f in files
        if f.startswith("sqs-")
    }
    assert queues == {s.queue for s in _sources() if isinstance(s, SQSEventConfig)}
    schedules = {
        f.removeprefix("schedule-").removesuffix(".json").replace("-", "_") for f in files if f.startswith("schedule-")
    }
    assert schedules == {s.name for s in _sources() if not isinstance(s, SQSEventConfig)}
    routes = {
        (json.loads((EVENTS / f).read_text())["resource"], json.loads((EVENTS / f).read_text())["httpMethod"])
        for f in files
        if f.startswith(("api-", "webhook-"))
    }
    declared = {(path, method) for path, methods in app_module.app.routes.items() for method in methods}
    assert routes <= declared, routes - declared
    assert {("/webhooks/sms", "POST"), ("/webhooks/registry-events", "POST")} <= routes


def _invoke_api(sample: dict[str, Any]) -> dict[str, Any]:
    import app as app_module

    response: dict[str, Any] = app_module.app(sample, LambdaContext("api_handler"))
    return response


def test_the_api_samples_are_answered_as_api_gateway_would_get_them(aws: Any, token: Any) -> None:
    assert _invoke_api(event("api-get-health.json"))["statusCode"] == 200
    term = _invoke_api(event("api-get-services-term.json"))
    assert term["statusCode"] == 200 and json.loads(term["body"])["due_date"]
    filing = event("api-post-applications.json")
    unsigned = _invoke_api(filing)  # the file's placeholder is no token: a 401 problem
    assert unsigned["statusCode"] == 401 and unsigned["headers"]["Content-Type"].startswith("application/problem+json")
    filing["headers"]["authorization"] = filing["multiValueHeaders"]["authorization"][0] = f"Bearer {token(MOTHER)}"
    created = _invoke_api(filing)
    assert created["statusCode"] == 201, created["body"]
    read = event("api-get-application.json")
    app_id = json.loads(created["body"])["id"]
    read["pathParameters"] = {"application_id": app_id}
    read["headers"]["authorization"] = read["multiValueHeaders"]["authorization"][0] = f"Bearer {token(MOTHER)}"
    assert _invoke_api(read)["statusCode"] == 200


@pytest.mark.parametrize(
    ("name", "secret"),
    [("webhook-sms.json", "test-sms-secret"), ("webhook-registry-events.json", "test-gateway-secret")],
)
def test_both_webhook_samples_are_taken_once_signed(aws: Any, name: str, secret: str) -> None:
    from chalicelib.domain.webhook_signature import signature_header

    sample = event(name)
    assert _invoke_api(sample)["statusCode"] == 401  # the file's placeholder signature
    header = signature_header(secret.encode(), int(time.time()), sample["body"].encode())
    sample["headers"]["x-signature"] = sample["multiValueHeaders"]["x-signature"][0] = header
    answered = _invoke_api(sample)
    assert answered["statusCode"] in (200, 202), answered["body"]


def _consume(name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    from chalice.app import SQSEventConfig

    sample = event(name)
    if body is not None:
        sample["Records"][0]["body"] = json.dumps(body)
    queue = sample["Records"][0]["eventSourceARN"].rsplit(":", 1)[1]
    source = next(s for s in _sources() if isinstance(s, SQSEventConfig) and s.queue == queue)
    result: dict[str, Any] = resolve_handler(source.handler_string)(sample, LambdaContext(source.name))
    return result


@pytest.mark.parametrize(
    "name",
    [
        "sqs-lookups.json",
        "sqs-decisions.json",
        "sqs-notifications.json",
        "sqs-proactive-inbound-sms.json",
        "sqs-documents-s3-notification.json",
    ],
)
def test_each_sqs_sample_comes_back_as_a_partial_batch_response(aws: Any, name: str) -> None:
    # The samples name an application this empty table does not hold, and the test gateway answers nothing: a
    # record may fail, and a batch whose every record failed is raised for Lambda to retry whole (Powertools)
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    try:
        result = _consume(name)
    except BatchProcessingError:
        return
    assert set(result) == {"batchItemFailures"}
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed <= {r["messageId"] for r in event(name)["Records"]}


def test_the_notification_sample_writes_its_notice_for_a_filed_application(api: Any, aws: Any, token: Any) -> None:
    created = post(api, "/applications", child_benefit_body(), token(MOTHER))
    app_id = created.json_body["id"]
    body = json.loads(event("sqs-notifications.json")["Records"][0]["body"])
    body.update(
        application_id=app_id,
        message_key=f"{app_id}:registered-sample",
        values={"application_number": app_id, "due_date": "2026-12-03"},
    )
    assert _consume("sqs-notifications.json", body) == {"batchItemFailures": []}
    notices = aws.notification_store.notices(("person", MOTHER), cursor=None, limit=10).items
    assert [n.key for n in notices if n.application_id == app_id] == [f"{app_id}:registered-sample"]


@pytest.mark.parametrize(
    "name", ["schedule-deadline-sweep.json", "schedule-proactive-timers.json", "schedule-calendar-changes.json"]
)
def test_each_schedule_sample_runs_its_handler(aws: Any, name: str) -> None:
    rule = name.removeprefix("schedule-").removesuffix(".json").replace("-", "_")
    source = next(s for s in _sources() if s.name == rule)
    resolve_handler(source.handler_string)(event(name), LambdaContext(source.name))

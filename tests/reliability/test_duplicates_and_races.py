"""Duplicates and races: the same request fifty times at once, every message delivered twice, and
concurrent transitions on one application."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.errors import IllegalTransition
from chalicelib.entrypoints.views import application_view
from chalicelib.services.concurrency import update_application
from chalicelib.services.intake import submit_application
from local.gateway_sim import GatewaySimulator
from tests.support.people import MOTHER, child_benefit_body
from tests.support.pipeline import body_for
from tests.support.sms import every_notice_by_sms  # noqa: F401  (the fixture)


@pytest.fixture
def world(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GatewaySimulator, Any]]:
    from chalicelib import bootstrap

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        bootstrap.reset()
        yield sim, bootstrap.container()


def test_fifty_concurrent_submissions_with_one_key_make_one_application(serial_aws: Any) -> None:
    aws = serial_aws
    caller = Caller(MOTHER, "citizen")
    deps = aws.intake()

    def file(_: int) -> Any:
        return submit_application(
            child_benefit_body(), caller, deps, render=application_view, idempotency_key="same-key-50"
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(file, range(50)))
    assert len({r.response["id"] for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert len(aws.repo.history(MOTHER, cursor=None, limit=50).items) == 1


def deliver_everything_twice(app: Any, sqs: Any) -> int:
    """Like the Lambda event source mapping, but every batch is handed to the handler twice before the
    successful messages are deleted: the worst case of at-least-once delivery."""
    from chalice.app import SQSEventConfig

    from local.stack import LambdaContext, resolve_handler, sqs_event

    handled = 0
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig):
            continue
        url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            continue
        handler = resolve_handler(source.handler_string)
        event = sqs_event(got, f"arn:aws:sqs:eu-central-1:123456789012:{source.queue}")
        handler(event, LambdaContext(source.name))
        result = handler(event, LambdaContext(source.name)) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for m in got:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        handled += len(got)
    return handled


def sms_sent(container: Any) -> list[str]:
    import requests

    del requests  # the in-process moto keeps sent SMS in its backend
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID][container.settings.region]
    return [message for _, message, *_ in backend.sms_messages.values()]


@pytest.mark.usefixtures("every_notice_by_sms")  # every notice also an SMS: none may go out twice
def test_every_message_delivered_twice_has_no_second_effect(world: Any) -> None:
    import app as app_module

    sim, container = world
    family = sim.family("child-disability-eligible-father")
    filed = submit_application(
        body_for(family), Caller(family["applicant"], "citizen"), container.intake(), render=application_view
    )
    sqs = container.client("sqs")
    for _ in range(200):
        if deliver_everything_twice(app_module.app, sqs) == 0:
            break
    app = container.repo.get(filed.response["id"])
    assert app.status is Status.APPROVED
    transitions = [e.detail["to"] for e in app.timeline if e.type == "status_changed"]
    assert transitions == ["submitted", "checking", "deciding", "approved"]
    settled, expected = container.lookup_store.mark_done(app.id, [], 0)
    assert settled == expected
    texts = sms_sent(container)
    assert len(texts) == len(set(texts)), "an SMS went out twice"
    assert any(app.id in t for t in texts)


def test_concurrent_transitions_keep_one_consistent_story(serial_aws: Any) -> None:
    aws = serial_aws
    deps = aws.intake()
    app = submit_application(child_benefit_body(), Caller(MOTHER, "citizen"), deps, render=application_view).application
    assert app is not None
    at = aws.clock.now()

    def withdraw(a: Any) -> None:
        a.transition(Status.WITHDRAWN, at=at, actor="citizen")

    def decide(a: Any) -> None:
        a.transition(Status.DECIDING, at=at, actor="system")

    def attempt(i: int) -> str:
        try:
            update_application(aws.repo, app.id, withdraw if i % 2 else decide)
            return "done"
        except IllegalTransition:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    final = aws.repo.get(app.id)
    moves = [e.detail["to"] for e in final.timeline if e.type == "status_changed"][2:]
    # Exactly the transitions that succeeded are in the story, each legal from the one before
    assert outcomes.count("done") == len(moves)
    assert moves in (["withdrawn"], ["deciding"])
    assert json.dumps(moves)

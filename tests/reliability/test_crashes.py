"""A crash after any adapter call, at any step, then redelivery: nothing lost, nothing done twice.

Every adapter the pipeline uses is wrapped so that the N-th call (of all calls, counted across adapters)
completes and then raises, as a Lambda killed right after that call would. The caller retries (the portal
resends its request with the same Idempotency-Key; SQS delivers the message again) and the application must
end exactly as it does with no crash: one decision, one signed result, every lookup settled once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.entrypoints.views import application_view
from local.gateway_sim import GatewaySimulator
from tests.support.pipeline import body_for, drain

WRAPPED = ("repo", "lookup_store", "results", "publisher", "gateway", "signer", "audit")
SCENARIO = "child-disability-eligible-father"


class InjectedCrash(Exception):
    pass


class Faults:
    def __init__(self, crash_at: int | None) -> None:
        self.crash_at = crash_at
        self.calls: list[str] = []

    def after(self, name: str) -> None:
        self.calls.append(name)
        if self.crash_at is not None and len(self.calls) == self.crash_at:
            raise InjectedCrash(f"crash after call {self.crash_at}: {name}")


class CrashAfter:
    """A proxy that lets each call through, then maybe crashes."""

    def __init__(self, target: Any, label: str, faults: Faults) -> None:
        self._target, self._label, self._faults = target, label, faults

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            self._faults.after(f"{self._label}.{name}")
            return result

        return call


@pytest.fixture
def world(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GatewaySimulator, Any]]:
    from chalicelib import bootstrap

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        monkeypatch.setenv("GATEWAY_BACKOFF_CAP_S", "0.01")
        bootstrap.reset()
        sqs = bootstrap.container().client("sqs")
        for url in sqs.list_queues()["QueueUrls"]:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
        yield sim, bootstrap.container()


def run_once(sim: GatewaySimulator, container: Any, faults: Faults) -> str:
    for label in WRAPPED:
        container.__dict__[label] = CrashAfter(getattr(container, label), label, faults)
    from chalicelib.services.intake import submit_application

    family = sim.family(SCENARIO)
    caller = Caller(family["applicant"], "citizen")
    body = body_for(family)
    for _ in range(3):  # the portal retries the same request with the same key
        try:
            filed = submit_application(
                body, caller, container.intake(), render=application_view, idempotency_key="crash-test"
            )
            break
        except InjectedCrash:
            continue
    app_id: str = filed.response["id"]
    drain(limit=2000)
    return app_id


def outcome(container: Any, app_id: str) -> dict[str, Any]:
    app = container.repo.get(app_id)
    transitions = [e.detail["to"] for e in app.timeline if e.type == "status_changed"]
    settled, expected = container.lookup_store.mark_done(app_id, [], 0)
    result = container.results.get(app_id)
    return {
        "status": app.status.value,
        "transitions": transitions,
        "lookups": (settled, expected),
        "result": result is not None,
        "outbox": len(app.outbox),
        "amount": (app.decision or {}).get("amount_monthly"),
    }


def test_baseline_counts_the_calls(world: Any) -> None:
    sim, container = world
    faults = Faults(None)
    app_id = run_once(sim, container, faults)
    base = outcome(container, app_id)
    assert base["status"] == Status.APPROVED.value
    # The crash points below cover every third call of a run: widen them if the pipeline grows
    assert 30 < len(faults.calls) <= LAST_CRASH_POINT, len(faults.calls)


LAST_CRASH_POINT = 76


@pytest.mark.parametrize("crash_at", range(1, LAST_CRASH_POINT + 1, 3))
def test_a_crash_after_any_adapter_call_loses_nothing_and_repeats_nothing(world: Any, crash_at: int) -> None:
    sim, container = world
    faults = Faults(crash_at)
    app_id = run_once(sim, container, faults)
    if len(faults.calls) < crash_at:
        return  # this run made fewer calls than that: nothing crashed, and the outcome must be the same
    got = outcome(container, app_id)
    assert got["status"] == "approved", (faults.calls[crash_at - 1], got)
    assert got["transitions"] == ["submitted", "checking", "deciding", "approved"], faults.calls[crash_at - 1]
    assert got["lookups"][0] == got["lookups"][1]
    assert got["result"] and got["outbox"] == 0 and got["amount"]
    assert json.dumps(got)

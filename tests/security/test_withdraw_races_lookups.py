"""Withdrawal racing the signature: no registry is asked anything about a withdrawn application.

The fan-out is not expanded once the application is withdrawn, and the lookups worker reads the status before each
gateway call. Each test counts the gateway calls made about the application (a counting wrapper around the app's own
gateway client, talking to the simulator) after the withdrawal was saved."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.errors import DomainError
from chalicelib.domain.signing import canonical_application_content
from chalicelib.entrypoints.views import application_view
from chalicelib.services.intake import submit_application, withdraw_application
from chalicelib.services.signing import application_content, sign_application
from local.gateway_sim import GatewaySimulator
from local.test_ca import Credential, create_root_ca, issue_citizen_certificate, sign_xml
from tests.support.pipeline import body_for, drain

DELAYS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.4)
"""How long the withdrawal waits after the signature starts, one run each: from before the signature is saved to
after its lookups are queued (the signature checks the XML first, so a withdrawal with no delay mostly wins)."""


class CountingGateway:
    """The app's gateway client, counting the calls made about each application (by request id)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def fetch(self, registry: str, iin: str, **kwargs: Any) -> Any:
        with self.lock:
            self.calls.append(str(kwargs.get("request_id", "")))
        return self.inner.fetch(registry, iin, **kwargs)

    def about(self, application_id: str) -> int:
        with self.lock:
            return sum(1 for c in self.calls if c.startswith(f"{application_id}:"))


def _world(container: Any, sim: GatewaySimulator, ca: Credential) -> Any:
    container.settings = replace(container.settings, eds_trust_anchors_pem=ca.certificate_pem.decode())
    container.__dict__["gateway"] = CountingGateway(container.gateway)
    return container, sim, ca


@pytest.fixture
def gateway_sim(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewaySimulator]:
    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        yield sim


@pytest.fixture
def racing_world(gateway_sim: GatewaySimulator, serial_aws: Any) -> Any:
    """moto as a single-threaded server (moto's in-process backends are not thread-safe), for the real race."""
    from chalicelib import bootstrap

    bootstrap.reset()
    return _world(bootstrap.container(), gateway_sim, create_root_ca())


@pytest.fixture
def world(gateway_sim: GatewaySimulator, aws: Any) -> Any:
    from chalicelib import bootstrap

    bootstrap.reset()
    return _world(bootstrap.container(), gateway_sim, create_root_ca())


def _filed_draft(container: Any, sim: GatewaySimulator, ca: Credential) -> tuple[str, Caller, str]:
    family = sim.family("caregiver-eligible")
    caller = Caller(family["applicant"], "citizen")
    filed = submit_application(body_for(family), caller, container.intake(), render=application_view)
    assert filed.application is not None and filed.application.status is Status.AWAITING_SIGNATURE
    app_id = filed.application.id
    carer = issue_citizen_certificate(ca, iin=caller.iin, name="КАРЕР ТЕСТ")
    content = canonical_application_content(application_content(container.repo.get(app_id)))
    return app_id, caller, sign_xml(content, carer.key, carer.certificate).decode()


def _race(container: Any, app_id: str, caller: Caller, signed: str, delay: float) -> None:
    """Sign and withdraw at once, the withdrawal `delay` seconds later; the one that loses is refused."""
    start = threading.Barrier(2)

    def sign() -> None:
        start.wait()
        with contextlib.suppress(DomainError):
            sign_application(app_id, caller, "eds", container.signing(), signed_xml=signed)

    def withdraw() -> None:
        start.wait()
        time.sleep(delay)
        with contextlib.suppress(DomainError):
            withdraw_application(app_id, caller, container.intake())

    threads = [threading.Thread(target=sign), threading.Thread(target=withdraw)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_withdrawal_racing_the_signature_leaves_every_registry_unasked(racing_world: Any) -> None:
    container, sim, ca = racing_world
    gateway: CountingGateway = container.gateway
    withdrawn_after_signing = 0
    for delay in DELAYS:
        app_id, caller, signed = _filed_draft(container, sim, ca)
        _race(container, app_id, caller, signed, delay)
        if container.repo.get(app_id).status is not Status.WITHDRAWN:
            continue  # withdrawal was too late (the application was decided first): nothing to check
        signed_first = any(e.type == "registered" for e in container.repo.get(app_id).timeline)
        withdrawn_after_signing += signed_first
        drain()
        assert gateway.about(app_id) == 0, (delay, container.repo.get(app_id).timeline)
    assert withdrawn_after_signing, "the withdrawal never came after the signature: the race was not run"


def test_a_withdrawal_between_the_signature_and_its_fan_out_sends_no_lookup(world: Any) -> None:
    container, sim, ca = world
    app_id, caller, signed = _filed_draft(container, sim, ca)
    deps = container.signing()
    repo = deps.repo
    original_save = repo.save

    def save_then_withdraw(application: Any) -> None:
        original_save(application)
        if application.id == app_id and application.status is Status.SUBMITTED:
            repo.save = original_save  # type: ignore[method-assign]
            withdraw_application(app_id, caller, container.intake())

    repo.save = save_then_withdraw  # type: ignore[method-assign]
    try:
        sign_application(app_id, caller, "eds", deps, signed_xml=signed)
    finally:
        repo.save = original_save  # type: ignore[method-assign]
    drain()
    assert container.repo.get(app_id).status is Status.WITHDRAWN
    assert container.gateway.about(app_id) == 0


def test_a_withdrawal_after_the_fan_out_was_sent_stops_every_lookup_not_yet_made(world: Any) -> None:
    container, sim, ca = world
    app_id, caller, signed = _filed_draft(container, sim, ca)
    sign_application(app_id, caller, "eds", container.signing(), signed_xml=signed)
    # The lookups are queued; before any worker takes them, the applicant withdraws
    withdraw_application(app_id, caller, container.intake())
    drain()
    assert container.gateway.about(app_id) == 0
    assert container.lookup_store.for_application(app_id) == []

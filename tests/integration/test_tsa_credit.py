"""The consumer-credit ground end to end: the credit bureau is asked about every TSA family member (through the
gateway simulator) and a loan other than a mortgage refuses, naming it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.entrypoints.views import application_view
from chalicelib.services.intake import submit_application
from local.families import operator_iin
from local.gateway_sim import GatewaySimulator
from tests.support.pipeline import body_for, drain

OFFICE = "employment-center:KZ-KAR"


@pytest.fixture
def world(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GatewaySimulator, Any]]:
    from chalicelib import bootstrap

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        bootstrap.reset()
        yield sim, bootstrap.container()


@pytest.mark.parametrize(("scenario", "status", "credit"), [
    ("tsa-consumer-credit", Status.REFUSED, "not_met"),
    ("tsa-mortgage-only", Status.APPROVED, "met"),
])
def test_a_consumer_loan_refuses_tsa_and_a_mortgage_does_not(world: Any, scenario: str, status: Status,
                                                             credit: str) -> None:
    sim, container = world
    family = sim.family(scenario)
    operator = Caller(operator_iin(), "operator", org=OFFICE)
    filed = submit_application(body_for(family, channel="provider_office", office=OFFICE), operator,
                               container.intake(), render=application_view)
    drain()
    app = container.repo.get(filed.response["id"])
    assert app.status is status, app.decision
    reasons = container.results.get(app.id)["document"]["decision"]["reasons"]
    [rule] = [r for r in reasons if r["rule_id"] == "tsa.no_consumer_credit"]
    assert rule["outcome"] == credit
    asked = {(f["registry"], f["person_masked_iin"]) for f in rule["facts"]}
    assert len(asked) == 2  # both adults of the family were asked

"""The consumer-credit ground end to end: the credit bureau is asked about every TSA family member (through the
gateway simulator), and, the ground announced in 2025 not being enacted (parameters.json `tsa_credit_ground`,
in_force false), a consumer loan refuses no family."""

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


@pytest.mark.parametrize("scenario", ["tsa-consumer-credit", "tsa-mortgage-only"])
def test_the_credit_bureau_is_asked_and_a_loan_is_no_ground_while_none_is_enacted(world: Any, scenario: str) -> None:
    sim, container = world
    family = sim.family(scenario)
    operator = Caller(operator_iin(), "operator", org=OFFICE)
    filed = submit_application(
        body_for(family, channel="provider_office", office=OFFICE),
        operator,
        container.intake(),
        render=application_view,
    )
    drain()
    app = container.repo.get(filed.response["id"])
    # Per-capita income 25,000 / 26,000 is below the local stack's line: approved, the loan notwithstanding
    assert app.status is Status.APPROVED, app.decision
    reasons = container.results.get(app.id)["document"]["decision"]["reasons"]
    assert not [r for r in reasons if r["rule_id"] == "tsa.no_consumer_credit"]
    asked = {lookup.iin for lookup in container.lookup_store.for_application(app.id) if lookup.registry == "credit"}
    assert len(asked) == 3  # the bureau was asked about each member of the family of three

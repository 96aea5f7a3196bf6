"""One assignment per subject and period under concurrency, on the moto server (DynamoDB's conditional writes):
twenty filings for one child, on the portal and at an office, give one approval. (moto's server keeps its
state for the whole process: each test uses its own seeded family.)"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.assignments import ASSIGNED, AssignmentExists, mask_application_id
from chalicelib.entrypoints.views import application_view
from chalicelib.services.assignments import claim_assigned
from chalicelib.services.concurrency import update_application
from chalicelib.services.intake import submit_application, withdraw_application
from local.families import operator_iin
from local.gateway_sim import GatewaySimulator
from tests.support.pipeline import body_for, drain

OFFICE = "gfc-aktobe-01"


@pytest.fixture
def world(serial_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GatewaySimulator, Any]]:
    from chalicelib import bootstrap

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        bootstrap.reset()
        yield sim, bootstrap.container()


def test_twenty_concurrent_filings_for_one_child_give_one_approval(world: Any) -> None:
    sim, container = world
    family = sim.family("child-disability-eligible-father")
    father = Caller(family["applicant"], "citizen")
    operator = Caller(operator_iin(), "operator", org=OFFICE)
    deps = container.intake()

    def file(i: int) -> Any:
        if i % 4 == 3:  # at an office, by an operator
            body = body_for(family, channel="state_corp", office=OFFICE)
            return submit_application(body, operator, deps, render=application_view, idempotency_key=f"office-{i}")
        # on the portal, each time with another key or none
        key = f"portal-{i}" if i % 2 else None
        return submit_application(body_for(family), father, deps, render=application_view, idempotency_key=key)

    with ThreadPoolExecutor(max_workers=10) as pool:
        filed = list(pool.map(file, range(20)))
    ids = [f.response["id"] for f in filed]
    assert len(set(ids)) == 20
    drain()

    apps = [container.repo.get(i) for i in ids]
    statuses = [a.status for a in apps]
    assert statuses.count(Status.APPROVED) == 1, statuses
    assert statuses.count(Status.REFUSED) == 19, statuses
    winner = next(a for a in apps if a.status is Status.APPROVED)
    for app in apps:
        if app is winner:
            continue
        reasons = container.results.get(app.id)["document"]["decision"]["reasons"]
        failed = [r for r in reasons if r["outcome"] == "not_met"]
        assert [r["rule_id"] for r in failed] == ["assignment.exists"]
        assert mask_application_id(winner.id) in failed[0]["text"]["ru"]
        assert family["members"][0]["iin"] not in str(app.decision)  # the child's IIN only masked
    held = container.assignments.get("child-disability-benefit", family["members"][0]["iin"])
    assert held is not None and held.holder == winner.id and held.state == ASSIGNED

    # A twenty-first filing is now certain to fail: stopped at filing with a problem
    with pytest.raises(AssignmentExists):
        submit_application(body_for(family), father, deps, render=application_view, idempotency_key="late")


def test_concurrent_decisions_take_the_assignment_once(world: Any) -> None:
    """The conditional write itself: twenty applications being decided at once, none holding a claim before."""
    sim, container = world
    family = sim.family("child-disability-eligible-adoptive-parent")
    child = family["members"][0]["iin"]
    deps = container.intake()
    apps = []
    for i in range(20):
        filed = submit_application(
            body_for(family),
            Caller(family["applicant"], "citizen"),
            deps,
            render=application_view,
            idempotency_key=f"d-{i}",
        )
        apps.append(filed.response["id"])
    container.assignments.release("child-disability-benefit", child, apps[0])  # nobody holds a claim now
    at = container.clock.now()
    for app_id in apps:
        update_application(
            container.repo,
            app_id,
            lambda a: a.transition(Status.DECIDING, at=at, actor="system") if a.status is not Status.DECIDING else None,
        )

    def decide(app_id: str) -> str:
        app = container.repo.get(app_id)
        block = claim_assigned(
            container.assignments, container.repo, app, [child], period_from=app.registered_on, period_to=None
        )
        return "won" if block is None else block.kind

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(decide, apps))
    assert outcomes.count("won") == 1
    assert set(outcomes) == {"won", "assigned"}


def test_a_withdrawn_application_gives_the_child_back_to_the_other_parent(world: Any) -> None:
    sim, container = world
    family = sim.family("child-disability-eligible-guardian")
    father = Caller(family["applicant"], "citizen")
    deps = container.intake()
    first = submit_application(body_for(family), father, deps, render=application_view).application
    second = submit_application(body_for(family), father, deps, render=application_view).application
    assert first is not None and second is not None
    held = container.assignments.get("child-disability-benefit", family["members"][0]["iin"])
    assert held.holder == first.id
    withdraw_application(first.id, father, deps)
    assert container.assignments.get("child-disability-benefit", family["members"][0]["iin"]) is None
    drain()
    assert container.repo.get(second.id).status is Status.APPROVED
    assert container.repo.get(first.id).status is Status.WITHDRAWN

"""A TSA application whose region's poverty line inputs are not loaded waits (no decision on a made-up line),
shows `waiting_for: parameters` in the work queue, and is decided by the deadline sweep once an operator loads
the figures (a file in SB_DATA_OVERRIDE_DIR, read again when it changes)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.calendar import local_date
from chalicelib.domain.parameters import Quarter
from chalicelib.entrypoints.views import application_view
from chalicelib.services.deadlines import sweep_deadlines
from chalicelib.services.intake import submit_application
from local.families import operator_iin
from local.gateway_sim import GatewaySimulator
from tests.conftest import LOCAL_DATA_DIR
from tests.support.pipeline import body_for, drain

OFFICE = "employment-center:KZ-AKT"


@pytest.fixture
def world(aws: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[GatewaySimulator, Any, Path]]:
    from chalicelib import bootstrap

    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", str(tmp_path))
    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        bootstrap.reset()
        yield sim, bootstrap.container(), tmp_path


def local_figures() -> dict[str, Any]:
    with open(os.path.join(LOCAL_DATA_DIR, "poverty_line.json"), encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded


def test_a_tsa_application_waits_for_its_regions_figures_and_the_sweep_decides_it_once_loaded(world: Any) -> None:
    sim, container, folder = world
    family = sim.family("tsa-eligible-3-children")
    today = local_date(container.clock.now())
    inputs_quarter = str(Quarter.containing(today).previous())
    # Given the operator's file has every figure except Aktobe region's of the quarter before
    figures = local_figures()
    without = json.loads(json.dumps(figures))
    for name in ("subsistence_minimum", "median_income"):
        del without["regions"]["KZ-AKT"][name][inputs_quarter]
    (folder / "poverty_line.json").write_text(json.dumps(without), encoding="utf-8")

    # When the family files at the Employment Center and every lookup is answered
    operator = Caller(operator_iin(), "operator", org=OFFICE)
    filed = submit_application(
        body_for(family, channel="provider_office", office=OFFICE),
        operator,
        container.intake(),
        render=application_view,
    )
    drain()

    # Then no decision is taken on a made-up line: the application waits, and says what for
    app = container.repo.get(filed.response["id"])
    assert app.status is Status.DECIDING and app.decision is None
    assert app.data["waiting_for"] == "parameters"
    [event] = [e for e in app.timeline if e.type == "waiting_for_parameters"]
    assert event.detail["region"] == "KZ-AKT" and event.detail["inputs_quarter"] == inputs_quarter
    queue = container.work_queue.open_applications("handling", app.handling_office, cursor=None, limit=50)
    assert [a.waiting_for for a in queue.items if a.id == app.id] == ["parameters"]
    # and a sweep before the figure is loaded decides nothing
    tomorrow = container.clock.now() + timedelta(days=1)
    report = sweep_deadlines(tomorrow, container.deadlines())
    assert report.waiting_for_parameters == 1
    drain()
    assert container.repo.get(app.id).status is Status.DECIDING

    # When an operator loads the figures and the sweep runs the next day
    (folder / "poverty_line.json").write_text(json.dumps(figures), encoding="utf-8")
    sweep_deadlines(tomorrow + timedelta(days=1), container.deadlines())
    drain()

    # Then it is decided on the region's line of the quarter before, both inputs shown, their sources cited (the
    # entry of poverty_line.json) and kept out of the sentence a notice prints
    app = container.repo.get(app.id)
    assert app.status is Status.APPROVED, app.decision
    assert "waiting_for" not in app.data
    reasons = container.results.get(app.id)["document"]["decision"]["reasons"]
    [line] = [r for r in reasons if r["rule_id"] == "tsa.poverty_line"]
    pm = figures["regions"]["KZ-AKT"]["subsistence_minimum"][inputs_quarter]["value"]
    assert f"{pm:,}".replace(",", "\u00a0") in line["text"]["en"]
    assert not [t for t in line["text"].values() if "Synthetic figure" in t or "poverty_line.json" in t]
    decision = container.results.get(app.id)["document"]["decision"]
    cited = decision["parameters"]
    assert any(version.startswith("poverty_line.json#KZ-AKT/") for version in cited), cited
    assert inputs_quarter in line["text"]["en"] and "Aktobe Region" in line["text"]["en"]

"""A registry down for a while, then back: every application reaches its decision, nothing is lost (the lookups
that failed come back on their queue and land once the registry answers). The DLQ and its redrive, for an outage
longer than the retries: tests/integration/test_pipeline.py."""

from __future__ import annotations

from chalicelib.domain.application import Status
from local.gateway_sim import GatewaySimulator
from tests.integration.test_pipeline import _make_failed_messages_visible_at_once, file, reload
from tests.support.pipeline import drain


def test_a_registry_down_for_a_while_then_back_loses_nothing(gateway: GatewaySimulator) -> None:
    import app as app_module
    from chalicelib.bootstrap import container
    from local.stack import pump_once

    _make_failed_messages_visible_at_once()
    gateway.set_down("income_wages", True)
    apps = [file(gateway, "tsa-eligible-3-children"), file(gateway, "tsa-eligible-single-mother-kazpost")]
    for _ in range(3):  # three receives while it is down: every other lookup lands
        pump_once(app_module.app, container().client("sqs"))
    assert all(reload(a.id).status is Status.CHECKING for a in apps)
    gateway.set_down("income_wages", False)
    drain()
    assert all(reload(a.id).status is Status.APPROVED for a in apps)

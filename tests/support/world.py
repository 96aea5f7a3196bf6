"""The world the security suite and the proactive integration tests run in: the app on moto with the gateway
simulator (the seeded synthetic registries) behind it, and a clock the test moves.

Import the fixtures where they are used (`from tests.support.world import clock, gateway`); they stand in for the
root conftest's `gateway`, whose breaker cools down quickly for the outage tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from local.gateway_sim import GatewaySimulator
from tests.support.fakes import FakeClock


@pytest.fixture
def gateway(api: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewaySimulator]:
    """The gateway simulator behind the app the `api` client calls."""
    from chalicelib import bootstrap

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        monkeypatch.setenv("GATEWAY_BACKOFF_CAP_S", "0.01")
        bootstrap.reset()
        yield sim


@pytest.fixture
def clock(gateway: GatewaySimulator) -> FakeClock:
    """The container's clock, set to now (whole seconds); the test moves it."""
    from chalicelib.bootstrap import container

    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    container().clock = fake  # type: ignore[misc]
    return fake

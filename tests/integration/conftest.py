"""Fixtures of the in-process pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.gateway_sim import GatewaySimulator


@pytest.fixture
def stack(api: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, GatewaySimulator]]:
    """The API client and the gateway simulator the app asks (moto keeps its resources across the reset)."""
    from chalicelib import bootstrap

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        bootstrap.reset()
        yield api, sim

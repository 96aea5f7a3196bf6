"""Fixtures of the security suite: the API with the gateway simulator behind it, and a clock the test moves
(tests/support/world.py, shared with the proactive integration tests)."""

from tests.support import world

gateway, clock = world.gateway, world.clock

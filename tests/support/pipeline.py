"""Running the whole pipeline in-process: moto, the gateway simulator, and the app's own SQS handlers."""

from __future__ import annotations

from typing import Any

from local.families import application_body


def body_for(family: dict[str, Any], *, channel: str = "portal", office: str | None = None) -> dict[str, Any]:
    """The application a seeded family would file."""
    return application_body(family, channel=channel, office=office)


def drain(limit: int = 500) -> int:
    """Hand queued messages to the app's handlers until the queues are quiet. Returns messages handled."""
    import app as app_module
    from chalicelib.bootstrap import container
    from local.stack import pump_once

    handled = 0
    for _ in range(limit):
        n = pump_once(app_module.app, container().client("sqs"))
        if n == 0:
            return handled
        handled += n
    raise AssertionError("the queues did not go quiet")

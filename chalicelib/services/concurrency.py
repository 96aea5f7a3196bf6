"""Read-modify-write of one application under optimistic locking."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.application import Application
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.services.ports import ApplicationRepository

T = TypeVar("T")


class Unchanged(Exception):
    """Raised by a change that finds nothing to do on fresh state: nothing is saved."""

MAX_ATTEMPTS = 8


def update_application(
    repo: ApplicationRepository, application_id: str, change: Callable[[Application], T]
) -> tuple[Application, T]:
    """Apply `change` to fresh state and save it; a save that loses a race is retried from fresh state.

    `change` must be a pure function of the application it is given (it may run more than once) and
    raise to abort. The saved application and what `change` returned are given back.
    """
    for attempt in range(MAX_ATTEMPTS):
        application = repo.get(application_id)
        try:
            result = change(application)
        except Unchanged:
            return application, None  # type: ignore[return-value]
        try:
            repo.save(application)
        except ConcurrentUpdate:
            if attempt == MAX_ATTEMPTS - 1:
                raise
            continue
        return application, result
    raise AssertionError("unreachable")

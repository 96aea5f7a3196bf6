"""Read-modify-write under optimistic locking: one retry loop (`retry_on_conflict`) for every aggregate saved
conditionally on its version (an application here, a proactive offer in services/proactive.py)."""

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

    def attempt() -> tuple[Application, T]:
        application = repo.get(application_id)
        try:
            result = change(application)
        except Unchanged:
            return application, None  # type: ignore[return-value]
        repo.save(application)
        return application, result

    return retry_on_conflict(attempt)


def retry_on_conflict(attempt: Callable[[], T], *, attempts: int = MAX_ATTEMPTS) -> T:
    """Run `attempt` (read fresh state, change it, save it conditionally) until its save does not lose a race:
    a ConcurrentUpdate runs it again from the start, up to `attempts` times; the last one's ConcurrentUpdate is
    raised (a message handler then fails and is redelivered)."""
    for n in range(attempts):
        try:
            return attempt()
        except ConcurrentUpdate:
            if n == attempts - 1:
                raise
    raise AssertionError("unreachable")

"""Reading applications: one by id, and a person's History of services."""

from __future__ import annotations

from chalicelib.domain.access import Caller, can_view
from chalicelib.domain.application import Application
from chalicelib.domain.errors import ApplicationNotFound, DomainError
from chalicelib.services.ports import ApplicationRepository, HistoryPage

MAX_PAGE = 50


class HistoryNotForRole(DomainError):
    code = "history.citizens_only"
    status = 403


def get_application(repo: ApplicationRepository, application_id: str, caller: Caller) -> Application:
    """The application if the caller may see it; otherwise the same answer as for one that does not exist."""
    application = repo.get(application_id)
    if not can_view(caller, application):
        raise ApplicationNotFound("No such application.")
    return application


def history(repo: ApplicationRepository, caller: Caller, *, cursor: str | None, limit: int) -> HistoryPage:
    if caller.role != "citizen":
        raise HistoryNotForRole("The History of services is a citizen's own list.")
    return repo.history(caller.iin, cursor=cursor, limit=max(1, min(limit, MAX_PAGE)))

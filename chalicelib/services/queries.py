"""Reading applications: one by id, and a person's History of services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.access import Caller, can_view
from chalicelib.domain.application import Application
from chalicelib.domain.errors import ApplicationNotFound, DomainError
from chalicelib.services.ports import ApplicationRepository, Clock, HistoryPage

if TYPE_CHECKING:
    from chalicelib.services.audit import AuditLog

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


def read_application(repo: ApplicationRepository, audit: AuditLog, clock: Clock, application_id: str,
                     caller: Caller) -> Application:
    """`get_application`, and for the staff (operators, officials, administrators) the audit record of their reading
    the application's personal data (purpose: processing of the application)."""
    application = get_application(repo, application_id, caller)
    if caller.role in ("operator", "official", "admin"):
        from chalicelib.services.audit import AuditEntry

        audit.record(AuditEntry.by_caller(caller, at=clock.now(), purpose="processing of the application",
                                          application_id=application_id, action="application_read"))
    return application


def history(repo: ApplicationRepository, caller: Caller, *, cursor: str | None, limit: int) -> HistoryPage:
    if caller.role != "citizen":
        raise HistoryNotForRole("The History of services is a citizen's own list.")
    return repo.history(caller.iin, cursor=cursor, limit=max(1, min(limit, MAX_PAGE)))

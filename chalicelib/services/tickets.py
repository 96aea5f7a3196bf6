"""The tear-off ticket an office hands over when it accepts an application in person.

It carries the registration date, the date the result is due (and, at a State Corporation office, the day
the provider hands it over there) and who accepted it. Issued for the channels the service's passport
names (`ticket_channels`); the applicant (or their representative) and the accepting office's operators
may have it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain.access import Caller, is_accepting_operator, is_owner
from chalicelib.domain.application import Application
from chalicelib.domain.catalog import Service, ServiceCatalog
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.services.ports import ApplicationRepository, LookupStore
from chalicelib.services.queries import get_application


class NoTicketForChannel(NotFound):
    code = "ticket.not_in_person"


class TicketNotYetIssued(Conflict):
    code = "ticket.not_registered"


@dataclass(frozen=True)
class Ticket:
    application: Application
    service: Service
    office: str
    official: str
    registered_on: date
    registered_at: datetime | None
    due_date: date
    due_date_at_state_corp: date | None


def _may_have_ticket(caller: Caller, app: Application) -> bool:
    """The operator of the accepting office (who hands it over), or the applicant (and their representative)."""
    return is_accepting_operator(caller, app) if caller.role == "operator" else is_owner(caller, app)


def ticket_for(repo: ApplicationRepository, catalog: ServiceCatalog, application_id: str, caller: Caller) -> Ticket:
    application = get_application(repo, application_id, caller, may=_may_have_ticket)
    service = catalog.get(application.service_id)
    accepted = application.accepted_by
    if application.channel not in service.ticket_channels or accepted is None:
        raise NoTicketForChannel(
            f"A tear-off ticket is issued for applications accepted in person ({', '.join(service.ticket_channels)}); "
            f"this one was filed through {application.channel}."
        )
    if application.registered_on is None or application.due_date is None:
        raise TicketNotYetIssued("The application is not registered yet: its term has not started.")
    return Ticket(
        application,
        service,
        accepted.office,
        accepted.official,
        application.registered_on,
        application.registered_at,
        application.due_date,
        application.due_date_at_state_corp,
    )


def applicant_name(application: Application, lookups: LookupStore) -> str | None:
    """The applicant's full name as the State Database of Individuals (or an identity document an official reviewed)
    gives it, once that lookup is in; None before (the ticket then prints no name, never a masked IIN)."""
    for record in lookups.for_application(application.id):
        if (
            record.registry == "gbdfl"
            and record.iin == application.applicant.iin
            and record.status in ("found", "provided")
        ):
            parts = [record.data.get(k) for k in ("last_name", "first_name", "middle_name")]
            return " ".join(str(p) for p in parts if p) or None
    return None

"""How domain objects are shown to callers (JSON-ready dicts matching the response schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.domain.application import Application, TimelineEvent
from chalicelib.domain.banking import Iban
from chalicelib.domain.catalog import Service, ServiceCatalog
from chalicelib.domain.identity import mask_iin

if TYPE_CHECKING:
    from chalicelib.services.ports import LookupRecord
    from chalicelib.services.terms import TermQuote
    from chalicelib.services.tickets import Ticket


def _merged(timeline: Sequence[TimelineEvent], kept_apart: Sequence[TimelineEvent]) -> list[TimelineEvent]:
    """The timeline with the events kept beside the application (the deadline sweep's) put in by time."""
    merged = list(timeline)
    for event in sorted(kept_apart, key=lambda e: e.at):
        merged.insert(next((i for i, e in enumerate(merged) if e.at > event.at), len(merged)), event)
    return merged


def lookups_view(records: Sequence[LookupRecord]) -> list[dict[str, Any]]:
    """The registry lookups answered so far (API.md: registry, status, when), in the order they were answered: who was
    asked about (the plan's role and the masked IIN), the registry's answer status (`found`, `not_found`, `failed`,
    `provided` when a document stood in), and, when the registry had nothing, what follows (`fact`, `ask_applicant`
    with the document awaited, `written_request`). Never the values: the caller may not be the person concerned."""
    views = []
    for record in sorted(records, key=lambda r: (r.fetched_at, r.key)):
        view: dict[str, Any] = {
            "registry": record.registry,
            "person": record.person_ref,
            "person_masked_iin": mask_iin(record.iin),
            "status": record.status,
            "source_system": record.source_system,
            "fetched_at": record.fetched_at.isoformat(),
        }
        if record.status != "found":
            view["on_not_found"] = record.on_not_found
            if record.document:
                view["document"] = record.document
        views.append(view)
    return views


def documents_view(app: Application) -> list[dict[str, Any]]:
    """The uploads (API.md): document_id, kind, state, uploaded_at, and a rejection's reason and comment."""
    from chalicelib.domain.documents import documents_of

    views = []
    for document in documents_of(app.data):
        view: dict[str, Any] = document.public_view()
        if document.review is not None and not document.review.accepted:
            view["rejection"] = {"reason": document.review.reason, "comment": document.review.comment}
        views.append(view)
    return views


def term_view(quote: TermQuote) -> dict[str, Any]:
    """`GET /services/{service_id}/term` (API.md): the due dates of an application filed that day."""
    due = quote.due
    return {
        "service_id": quote.service.id,
        "channel": quote.channel,
        "registered_on": quote.registered_on.isoformat(),
        "term": {"working_days": quote.working_days, "calendar_days": quote.calendar_days},
        "due_date": due.due_date.isoformat(),
        "due_date_at_state_corp": due.due_date_at_state_corp.isoformat() if due.due_date_at_state_corp else None,
    }


def application_view(
    app: Application,
    kept_apart: Sequence[TimelineEvent] = (),
    lookups: Sequence[LookupRecord] = (),
    *,
    decision: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The application as API.md shows it. `decision`: the decision with its reasons (services.queries.status_poll);
    without it, what the application item keeps (no reasons: they live in the signed result)."""
    return {
        "id": app.id,
        "service_id": app.service_id,
        "channel": app.channel,
        "status": app.status.value,
        "created_at": app.created_at.isoformat(),
        "registered_at": app.registered_at.isoformat() if app.registered_at else None,
        "due_date": app.due_date.isoformat() if app.due_date else None,
        "due_date_at_state_corp": app.due_date_at_state_corp.isoformat() if app.due_date_at_state_corp else None,
        "language": app.language,
        "handling_office": app.handling_office,
        "applicant": {"iin": app.applicant.iin, "phone": app.applicant.phone, "region": app.applicant.region},
        "subjects": [{"iin": s.iin, "relation": s.relation} for s in app.subjects],
        "representative": (
            {"iin": app.representative.iin, "power_of_attorney": app.representative.power_of_attorney}
            if app.representative
            else None
        ),
        "bank_account": {"iban_masked": Iban(app.bank_iban).masked, "bank_code": app.bank_iban[4:7]}
        if app.bank_iban
        else None,
        "accepted_by": {"office": app.accepted_by.office, "official": app.accepted_by.official}
        if app.accepted_by
        else None,
        "timeline": [e.to_dict() for e in _merged(app.timeline, kept_apart)],
        "lookups": lookups_view(lookups),
        "documents": documents_view(app),
        "decision": decision if decision is not None else app.decision,
    }


def summary_view(app: Application, catalog: ServiceCatalog, language: str) -> dict[str, Any]:
    service = catalog.get(app.service_id)
    return {
        "id": app.id,
        "service_id": app.service_id,
        "service_name": service.name_in(language),
        "status": app.status.value,
        "created_at": app.created_at.isoformat(),
        "registered_at": app.registered_at.isoformat() if app.registered_at else None,
        "due_date": app.due_date.isoformat() if app.due_date else None,
    }


def service_view(service: Service, registries: list[str]) -> dict[str, Any]:
    return {
        "id": service.id,
        "name": dict(service.name),
        "provider": {"office_kind": service.provider_office_kind, "name": dict(service.provider_name)},
        "channels": list(service.channels),
        "terms": {
            c: {"working_days": t.working_days, "calendar_days": t.calendar_days} for c, t in service.terms.items()
        },
        "signing": list(service.signing),
        "required_documents": {c: list(d) for c, d in service.required_documents.items()},
        "registries": registries,
        "bank_account": {
            "required": service.bank_account_required,
            "allowed_banks": list(service.allowed_banks) if service.allowed_banks else None,
        },
        "source": dict(service.source),
    }


def ticket_view(ticket: Ticket, applicant_name: str | None) -> dict[str, Any]:
    """The tear-off ticket as JSON (`GET /applications/{id}/ticket`; the PDF and the console print it).
    `applicant_name`: services.tickets.applicant_name (None before the State Database of Individuals answered)."""
    from chalicelib.adapters.pdf import surname_and_initials
    from chalicelib.domain.offices import office_name

    return {
        "application_id": ticket.application.id,
        "service_id": ticket.service.id,
        "service_name": dict(ticket.service.name),
        "channel": ticket.application.channel,
        "registered_on": ticket.registered_on.isoformat(),
        "registered_at": ticket.registered_at.isoformat() if ticket.registered_at else None,
        "due_date": ticket.due_date.isoformat(),
        "due_date_at_state_corp": ticket.due_date_at_state_corp.isoformat() if ticket.due_date_at_state_corp else None,
        "office": ticket.office,
        "handling_office": ticket.application.handling_office,
        "accepted_by": surname_and_initials(ticket.official),
        "office_name": office_name(ticket.office),
        "documents": list(ticket.service.required_documents.get(ticket.application.channel, ())),
        "applicant_name": applicant_name,
    }


def ticket_print_source(body: dict[str, Any]) -> dict[str, Any]:
    """What the ticket's PDF is rendered from (services.printing): the JSON body with the office's name printed."""
    return {**body, "office": body["office_name"]}

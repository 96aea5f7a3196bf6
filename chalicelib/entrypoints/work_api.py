"""The offices' side of deadlines: the work queue with its flags, and the tear-off ticket."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidValue
from chalicelib.entrypoints.http import Call, endpoint
from chalicelib.observability import logger

work_api = Blueprint(__name__)

PDF = "application/pdf"


@endpoint(
    work_api,
    "/work-queue",
    summary="The office's open applications, soonest deadline first, flagged",
    roles=("official", "operator"),
    response="WorkQueueOut",
    query=(
        ("cursor", "from the previous page"),
        ("limit", "1 to 50, default 20"),
        (
            "waiting_for",
            "only those waiting for: signature, registries, applicant_documents, agency_reply, "
            "document_review, official_decision, parameters",
        ),
    ),
    errors=(401, 403, 422),
)
def read_work_queue(call: Call) -> dict[str, Any]:
    from chalicelib.domain.calendar import local_date
    from chalicelib.domain.documents import WAITING_FOR
    from chalicelib.services.deadlines import work_queue

    wanted = call.query("waiting_for")
    if wanted is not None and wanted not in WAITING_FOR:
        raise InvalidValue("waiting_for.unknown", f"`waiting_for` is one of: {', '.join(WAITING_FOR)}.")
    deps = container()
    today = local_date(deps.clock.now())
    view = work_queue(
        call.who,
        deps.work_queue,
        deps.calendar,
        today,
        cursor=call.query("cursor"),
        limit=call.limit(),
        waiting_for=wanted,
    )
    items = []
    for queued in view.items:
        app, flags = queued.application, queued.flags
        items.append(
            {
                "id": app.id,
                "service_id": app.service_id,
                "service_name": deps.catalog.get(app.service_id).name_in(call.language),
                "status": app.status,
                "registered_at": app.registered_at.isoformat() if app.registered_at else None,
                "due_date": app.due_date.isoformat() if app.due_date else None,
                "due_date_at_state_corp": app.due_date_at_state_corp.isoformat()
                if app.due_date_at_state_corp
                else None,
                "working_days_left": flags.working_days_left,
                "at_risk": flags.at_risk,
                "overdue": flags.overdue,
                "handover_overdue": flags.handover_overdue,
                "waiting_for": app.waiting_for,
            }
        )
    return {"office": call.who.org, "as_of": today.isoformat(), "items": items, "cursor": view.cursor}


@endpoint(
    work_api,
    "/applications/{application_id}/ticket",
    summary="The tear-off ticket of an application accepted in person (`?format=pdf` with Accept: "
    "application/pdf for the printable one)",
    roles=("citizen", "operator"),
    response="TicketOut",
    query=(("format", "json (default) or pdf"),),
    produces=("application/json", PDF),
    errors=(401, 403, 404, 409, 422, 503),
)
def read_ticket(call: Call, application_id: str) -> Any:
    from chalicelib.entrypoints.views import ticket_print_source, ticket_view
    from chalicelib.services.tickets import applicant_name, ticket_for

    fmt = call.document_format()
    deps = container()
    ticket = ticket_for(deps.repo, deps.catalog, application_id, call.who)
    body = ticket_view(ticket, applicant_name(ticket.application, deps.lookup_store))
    logger.info("ticket read", extra={"application_id": application_id, "format": fmt, "role": call.who.role})
    if fmt == "json":
        return body
    from chalicelib.services.printing import stored_pdf

    # rendered by a worker; until then DocumentRendering: a 503 with Retry-After
    pdf = stored_pdf("ticket", application_id, call.language, deps.printing(), ticket_print_source(body))
    return Response(
        body=pdf,
        status_code=200,
        headers={"Content-Type": PDF, "Content-Disposition": f'inline; filename="ticket-{application_id}.pdf"'},
    )

"""How domain objects are shown to callers (JSON-ready dicts matching the response schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.application import Application, TimelineEvent
from chalicelib.domain.banking import Iban
from chalicelib.domain.catalog import Service, ServiceCatalog


def _merged(timeline: Sequence[TimelineEvent], kept_apart: Sequence[TimelineEvent]) -> list[TimelineEvent]:
    """The timeline with the events kept beside the application (the deadline sweep's) put in by time."""
    merged = list(timeline)
    for event in sorted(kept_apart, key=lambda e: e.at):
        merged.insert(next((i for i, e in enumerate(merged) if e.at > event.at), len(merged)), event)
    return merged


def application_view(app: Application, kept_apart: Sequence[TimelineEvent] = ()) -> dict[str, Any]:
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
            if app.representative else None
        ),
        "bank_account": {"iban_masked": Iban(app.bank_iban).masked, "bank_code": app.bank_iban[4:7]}
        if app.bank_iban else None,
        "accepted_by": {"office": app.accepted_by.office, "official": app.accepted_by.official}
        if app.accepted_by else None,
        "timeline": [e.to_dict() for e in _merged(app.timeline, kept_apart)],
        "lookups": list(app.data.get("lookups_view", [])),
        "decision": app.decision,
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
        "terms": {c: {"working_days": t.working_days, "calendar_days": t.calendar_days}
                  for c, t in service.terms.items()},
        "signing": list(service.signing),
        "required_documents": {c: list(d) for c, d in service.required_documents.items()},
        "registries": registries,
        "bank_account": {"required": service.bank_account_required,
                         "allowed_banks": list(service.allowed_banks) if service.allowed_banks else None},
        "source": dict(service.source),
    }

"""What each console page shows, built by calling the same use cases as the API (services/), never the tables.

Each function returns the template's context. Staff read IINs in full (they work the case); registry facts are
shown to officials only (they decide on them), never to operators.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from chalicelib.bootstrap import container
from chalicelib.console.pages import texts
from chalicelib.data import load_json
from chalicelib.domain.access import IN_PERSON_CHANNELS, Caller
from chalicelib.domain.errors import FieldError, ValidationFailed

WAITING_FOR = ("signature", "registries", "applicant_documents", "agency_reply", "document_review",
               "official_decision")
SUBJECT_ROWS_MAX = 8
CONDITIONAL_MARKERS = ("_if_", "_not_in_registr")


def _name(names: Any, language: str) -> str:
    if isinstance(names, dict):
        return str(names.get(language) or names.get("ru") or next(iter(names.values()), ""))
    return str(names)


def registry_name(registry: str, language: str) -> str:
    entry = load_json("registries.json")["registries"].get(registry)
    return _name(entry["name"], language) if entry else registry


def region_name(code: str, language: str) -> str:
    return next((_name(r["name"], language) for r in load_json("regions.json")["regions"] if r["code"] == code), code)


def office_name(org: str | None, language: str) -> str:
    """`employment-center:KZ-AKT` as a clerk says it: «Центр занятости, Актюбинская область»; an id the console has
    no name for is shown as it is."""
    if not org:
        return ""
    kind, _, region = org.partition(":")
    t = texts(language)
    if not region or not t.has(f"office.{kind}"):
        return org
    return f"{t(f'office.{kind}')}, {region_name(region, language)}"


def person_label(person: str, relations: Sequence[str], language: str) -> str:
    """Whom a lookup asked about: `applicant`, or `subject:2` as the third of the application's people."""
    t = texts(language)
    kind, _, index = person.partition(":")
    if kind == "subject" and index.isdigit() and int(index) < len(relations):
        relation = relations[int(index)]
        label = t(f"person.{relation}") if t.has(f"person.{relation}") else relation
        return t("person.subject", relation=label, n=int(index) + 1)
    return t(f"person.{person}") if t.has(f"person.{person}") else person


def region_options(language: str) -> list[tuple[str, str]]:
    return [(r["code"], _name(r["name"], language)) for r in load_json("regions.json")["regions"]]


# --- work queue ------------------------------------------------------------------------------------------------

def queue_page(caller: Caller, language: str, *, waiting_for: str | None, service_id: str | None,
               cursor: str | None) -> dict[str, Any]:
    from chalicelib.domain.calendar import local_date
    from chalicelib.services.deadlines import work_queue

    deps = container()
    today = local_date(deps.clock.now())
    view = work_queue(caller, deps.work_queue, deps.calendar, today, cursor=cursor, limit=50)
    items = []
    for queued in view.items:
        app, flags = queued.application, queued.flags
        if service_id and app.service_id != service_id:
            continue
        items.append({
            "id": app.id,
            "service_name": deps.catalog.get(app.service_id).name_in(language),
            "status": str(app.status),
            "waiting_for": getattr(queued, "waiting_for", None),
            "registered_at": app.registered_at,
            "due_date": app.due_date,
            "days_left": flags.working_days_left,
            "overdue": flags.overdue or flags.handover_overdue,
            "at_risk": flags.at_risk and not flags.overdue,
        })
    return {"items": items, "cursor": view.cursor, "today": today, "office": office_name(caller.org, language),
            "waiting_for": waiting_for or "", "service": service_id or "",
            "waiting_for_options": WAITING_FOR,
            "services": [(s.id, s.name_in(language)) for s in deps.catalog]}


# --- a case ----------------------------------------------------------------------------------------------------

def case_page(caller: Caller, application_id: str, language: str) -> dict[str, Any]:
    from chalicelib.entrypoints.views import lookups_view
    from chalicelib.services.queries import read_application

    deps = container()
    app = read_application(deps.repo, deps.audit, deps.clock, application_id, caller)
    records = deps.lookup_store.for_application(application_id)
    service = deps.catalog.get(app.service_id)
    lookups = []
    facts = {r.key: r.data for r in records}
    for view, record in zip(lookups_view(records), sorted(records, key=lambda r: (r.fetched_at, r.key)), strict=True):
        view["registry_name"] = registry_name(record.registry, language)
        view["person_iin"] = record.iin
        view["person_label"] = person_label(record.person_ref, [s.relation for s in app.subjects], language)
        view["facts"] = facts.get(record.key) if caller.role == "official" else None
        lookups.append(view)
    from chalicelib.entrypoints.views import application_view
    from chalicelib.services.queries import status_poll

    poll = status_poll(app, deps.lookup_store, deps.results)  # the decision's reasons live in the signed result
    shown = application_view(app, deps.deadline_index.events_of(application_id), records, decision=poll.decision)
    return {
        "app": shown,
        "service_name": service.name_in(language),
        "region_name": region_name(app.applicant.region, language),
        "handling_office": office_name(app.handling_office, language),
        "accepted_office": office_name(app.accepted_by.office, language) if app.accepted_by else "",
        "lookups": lookups,
        "timeline": list(reversed(shown["timeline"])),
        "documents": [],
        "draft": None,
        "can_review": caller.role == "official",
    }


# --- in-person filing ------------------------------------------------------------------------------------------

def document_checklist(service: Any, channel: str) -> list[dict[str, Any]]:
    """The documents the passport lists for the channel: those without a condition must be taken."""
    return [{"kind": kind, "required": not any(m in kind for m in CONDITIONAL_MARKERS)}
            for kind in service.required_documents.get(channel, ())]


def filing_page(caller: Caller, language: str, service_id: str, channel: str, *,
                form: dict[str, list[str]] | None = None, errors: Sequence[FieldError] = ()) -> dict[str, Any]:
    deps = container()
    services = [(s.id, s.name_in(language), [c for c in s.channels if c in IN_PERSON_CHANNELS])
                for s in deps.catalog]
    services = [s for s in services if s[2]]
    context: dict[str, Any] = {"services": services, "service_id": service_id, "channel": channel, "form": None,
                               "errors": {}, "error_list": [], "values": {}}
    service = next((s for s in deps.catalog if s.id == service_id), None)
    if service is None or channel not in service.channels or channel not in IN_PERSON_CHANNELS:
        return context
    rule = service.subject_rules[0] if service.subject_rules else None
    t = texts(language)
    values: dict[str, Any] = {k: v[0] for k, v in (form or {}).items() if v}
    values["documents_taken"] = (form or {}).get("documents_taken", [])
    by_field: dict[str, list[str]] = {}
    for error in errors:
        message = t(f"field.{error.code}") if t.has(f"field.{error.code}") else error.message
        shown = by_field.setdefault(_form_field(error.field), [])
        if message not in shown:  # one message per field: two documents not taken are one thing to fix
            shown.append(message)
    context.update({
        "form": {
            "service_name": service.name_in(language),
            "channel_name": t(f"channel.{channel}"),
            "subject_relation": rule.relation if rule else None,
            "subject_rows": min(rule.max, SUBJECT_ROWS_MAX) if rule else 0,
            "subjects_required": rule.min if rule else 0,
            "representative_allowed": service.representative_allowed,
            "bank_required": service.bank_account_required,
            "allowed_banks": service.allowed_banks,
            "documents": document_checklist(service, channel),
            "regions": region_options(language),
            "accepted_by": caller.name or "",
            "office": office_name(caller.org, language),
            "idempotency_key": values.get("idempotency_key") or uuid.uuid4().hex,
        },
        "values": values,
        "errors": by_field,
        "error_list": [(f, m) for f, ms in by_field.items() for m in ms],
    })
    return context


def _form_field(api_field: str) -> str:
    """The form input an API field path names: `subjects[2].iin` -> `subject_2`, `applicant.iin` -> `applicant_iin`."""
    if api_field.startswith("subjects["):
        return "subject_" + api_field[len("subjects["):].split("]", maxsplit=1)[0]
    return {"applicant.iin": "applicant_iin", "applicant.phone": "applicant_phone", "applicant.region":
            "applicant_region", "bank_account.iban": "iban", "bank_account": "iban", "representative.iin":
            "representative_iin", "representative.power_of_attorney": "power_of_attorney",
            "representative": "representative_iin", "language": "language", "subjects": "subject_0",
            "accepted_by": "accepted_by", "accepted_by.official": "accepted_by"}.get(api_field, api_field)


def file_application(caller: Caller, form: dict[str, list[str]]) -> str:
    """File the form's application through `submit_application` (as `POST /applications`): the form's
    `idempotency_key` makes a form sent twice one application. Raises ValidationFailed with the API's codes, and
    `documents.not_taken` for a document the passport requires that was not ticked as taken."""
    from chalicelib.entrypoints.http import validate_schema
    from chalicelib.entrypoints.views import application_view
    from chalicelib.services.intake import submit_application

    def one(name: str) -> str:
        return (form.get(name) or [""])[0].strip()

    deps = container()
    service = next((s for s in deps.catalog if s.id == one("service_id")), None)
    missing: list[FieldError] = []
    if service is not None:
        taken = set(form.get("documents_taken") or [])
        for doc in document_checklist(service, one("channel")):
            if doc["required"] and doc["kind"] not in taken:
                missing.append(FieldError("documents_taken", "documents.not_taken",
                                          f"Take the document: {doc['kind']}."))
    rule = service.subject_rules[0] if service and service.subject_rules else None
    subjects = [{"iin": one(f"subject_{i}"), "relation": rule.relation}
                for i in range(SUBJECT_ROWS_MAX) if rule and one(f"subject_{i}")]
    body: dict[str, Any] = {
        "service_id": one("service_id"),
        "channel": one("channel"),
        "applicant": {"iin": one("applicant_iin"), "region": one("applicant_region"),
                      **({"phone": one("applicant_phone")} if one("applicant_phone") else {})},
        "subjects": subjects,
        "accepted_by": {"office": caller.org or "", "official": caller.name or one("accepted_by")},
        "language": one("language") or "ru",
    }
    if one("iban"):
        body["bank_account"] = {"iban": one("iban")}
    if one("representative_iin"):
        body["representative"] = {"iin": one("representative_iin"), "power_of_attorney": one("power_of_attorney")}
    try:
        _, raw = validate_schema("ApplicationIn", body)
    except ValidationFailed as exc:
        raise ValidationFailed(list(exc.errors) + missing) from None
    if missing:  # every error at once: what the API would say of the rest of the form too
        from chalicelib.services.intake import validate_request

        try:
            validate_request(raw, caller, deps.catalog)
        except ValidationFailed as exc:
            raise ValidationFailed(list(exc.errors) + missing) from None
        raise ValidationFailed(missing)
    key = one("idempotency_key")[:64] or None
    filed = submit_application(raw, caller, deps.intake(), render=application_view, idempotency_key=key)
    return str(filed.response["id"])


def ticket_page(caller: Caller, application_id: str, language: str) -> dict[str, Any]:
    from chalicelib.entrypoints.views import ticket_view
    from chalicelib.services.tickets import applicant_name, ticket_for

    deps = container()
    found = ticket_for(deps.repo, deps.catalog, application_id, caller)
    ticket = ticket_view(found, applicant_name(found.application, deps.lookup_store))
    ticket["service"] = _name(ticket["service_name"], language)
    return {"ticket": ticket, "due": date.fromisoformat(ticket["due_date"])}

"""What each console page shows, built by calling the same use cases as the API (services/), never the tables.

Each function returns the template's context. Staff read IINs in full (they work the case); registry facts are
shown to officials only (they decide on them), never to operators.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from chalicelib.bootstrap import container
from chalicelib.console.pages import day, texts
from chalicelib.data import load_json
from chalicelib.domain.access import IN_PERSON_CHANNELS, Caller
from chalicelib.domain.documents import REJECT_REASONS, WAITING_FOR
from chalicelib.domain.errors import FieldError, ValidationFailed

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
    """`employment-center:KZ-AKT` as a clerk says it (chalicelib/data/offices.json, as the ticket prints it):
    «Центр занятости, Актюбинская область»."""
    from chalicelib.domain.offices import office_name as names

    return _name(names(org), language) if org else ""


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


def queue_page(
    caller: Caller, language: str, *, waiting_for: str | None, service_id: str | None, cursor: str | None
) -> dict[str, Any]:
    from chalicelib.domain.calendar import local_date
    from chalicelib.services.deadlines import work_queue

    deps = container()
    today = local_date(deps.clock.now())
    wanted = waiting_for if waiting_for in WAITING_FOR else None
    view = work_queue(caller, deps.work_queue, deps.calendar, today, cursor=cursor, limit=50, waiting_for=wanted)
    items = []
    for queued in view.items:
        app, flags = queued.application, queued.flags
        if service_id and app.service_id != service_id:
            continue
        items.append(
            {
                "id": app.id,
                "service_name": deps.catalog.get(app.service_id).name_in(language),
                "status": str(app.status),
                "waiting_for": app.waiting_for,
                "registered_at": app.registered_at,
                "due_date": app.due_date,
                "days_left": flags.working_days_left,
                "overdue": flags.overdue or flags.handover_overdue,
                "at_risk": flags.at_risk and not flags.overdue,
            }
        )
    return {
        "items": items,
        "cursor": view.cursor,
        "today": today,
        "office": office_name(caller.org, language),
        "waiting_for": waiting_for or "",
        "service": service_id or "",
        "waiting_for_options": WAITING_FOR,
        "services": [(s.id, s.name_in(language)) for s in deps.catalog],
    }


# --- a case ----------------------------------------------------------------------------------------------------


def case_page(
    caller: Caller,
    application_id: str,
    language: str,
    *,
    draft_made: dict[str, Any] | None = None,
    draft_id: str | None = None,
    review_form: tuple[str, Mapping[str, str], Sequence[FieldError]] | None = None,
) -> dict[str, Any]:
    """The case: summary, uploads (with the review form of one awaiting review), lookups, timeline; the draft
    decision `draft_id` when it is still the application's current draft and this official's (`draft_decision`
    keeps it there), or what a draft could not be made on (`draft_made`); a review form sent back with its errors
    (`review_form`: document id, the form, the errors)."""
    from chalicelib.entrypoints.views import application_view, lookups_view
    from chalicelib.services.queries import poll_application

    deps = container()
    # what `GET /applications/{id}` reads: the application (audited), its decision's reasons, the sweep's events
    poll = poll_application(
        application_id,
        caller,
        repo=deps.repo,
        audit=deps.audit,
        clock=deps.clock,
        lookups=deps.lookup_store,
        results=deps.results,
        events=deps.deadline_index,
    )
    app = poll.application
    records = deps.lookup_store.for_application(application_id)  # the facts themselves: shown to officials
    service = deps.catalog.get(app.service_id)
    lookups = []
    facts = {r.key: r.data for r in records}
    for view, record in zip(lookups_view(records), sorted(records, key=lambda r: (r.fetched_at, r.key)), strict=True):
        view["registry_name"] = registry_name(record.registry, language)
        view["person_iin"] = record.iin
        view["person_label"] = person_label(record.person_ref, [s.relation for s in app.subjects], language)
        view["facts"] = facts.get(record.key) if caller.role == "official" else None
        lookups.append(view)
    shown = application_view(app, poll.kept_apart, records, decision=poll.decision)
    return {
        "app": shown,
        "service_name": service.name_in(language),
        "region_name": region_name(app.applicant.region, language),
        "handling_office": office_name(app.handling_office, language),
        "accepted_office": office_name(app.accepted_by.office, language) if app.accepted_by else "",
        "lookups": lookups,
        # what a clerk acts on: an answer that did not come (nor a reviewed document in its place) and whose absence
        # is not itself the answer (a document, a written request awaited), or a lookup that failed
        "attention": [
            lk for lk in lookups if lk["status"] not in ("found", "provided") and lk.get("on_not_found") != "fact"
        ],
        "timeline": list(reversed(shown["timeline"])),
        "documents": documents_for_page(
            caller,
            app,
            records,
            language,
            form=review_form[1] if review_form else None,
            errors={review_form[0]: review_form[2]} if review_form else None,
        ),
        "draft": draft_made or _kept_draft(app, caller, records, draft_id, language),
        "awaits_official": caller.role == "official"
        and app.status.value == "deciding"
        and bool(app.data.get("official_decision")),
        "can_review": caller.role == "official",
        "reject_reasons": REJECT_REASONS,
        "result": result_summary(caller, app.id, poll.decision) if poll.decision else None,
    }


def _amount(value: Any) -> str | None:
    return f"{value:,} ₸".replace(",", "\u00a0") if isinstance(value, int) and not isinstance(value, bool) else None


def _period(decision: Mapping[str, Any]) -> str:
    return " — ".join(day(d) for d in (decision.get("period_from"), decision.get("period_to")) if d)


def result_summary(caller: Caller, application_id: str, decision: Mapping[str, Any]) -> dict[str, Any] | None:
    """The decision as its signed result says it (`signed_result`, as `GET /applications/{id}/result`): amount,
    period, who signed (the official's name, position and time, or the provider's seal), the verification code."""
    from chalicelib.domain.result_document import verification_code
    from chalicelib.services.results import SIGNED_BY_OFFICIAL, ResultNotReady, signed_result

    deps = container()
    try:
        signed = signed_result(deps.repo, deps.results, application_id, caller)
    except ResultNotReady:
        return None
    official = signed.get("signer") if signed.get("kind") == SIGNED_BY_OFFICIAL else None
    return {
        "amount": _amount(decision.get("amount_monthly")),
        "period": _period(decision),
        "official": official,
        "signed_at": signed.get("signed_at"),
        "code": verification_code(signed["document"]),
    }


# --- in-person filing ------------------------------------------------------------------------------------------


def document_checklist(service: Any, channel: str) -> list[dict[str, Any]]:
    """The documents the passport lists for the channel: those without a condition must be taken."""
    return [
        {"kind": kind, "required": not any(m in kind for m in CONDITIONAL_MARKERS)}
        for kind in service.required_documents.get(channel, ())
    ]


def filing_page(
    caller: Caller,
    language: str,
    service_id: str,
    channel: str,
    *,
    form: dict[str, list[str]] | None = None,
    errors: Sequence[FieldError] = (),
) -> dict[str, Any]:
    deps = container()
    services = [(s.id, s.name_in(language), [c for c in s.channels if c in IN_PERSON_CHANNELS]) for s in deps.catalog]
    services = [s for s in services if s[2]]
    context: dict[str, Any] = {
        "services": services,
        "service_id": service_id,
        "channel": channel,
        "form": None,
        "errors": {},
        "error_list": [],
        "values": {},
    }
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
    context.update(
        {
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
        }
    )
    return context


def _form_field(api_field: str) -> str:
    """The form input an API field path names: `subjects[2].iin` -> `subject_2`, `applicant.iin` -> `applicant_iin`."""
    if api_field.startswith("subjects["):
        return "subject_" + api_field[len("subjects[") :].split("]", maxsplit=1)[0]
    return {
        "applicant.iin": "applicant_iin",
        "applicant.phone": "applicant_phone",
        "applicant.region": "applicant_region",
        "bank_account.iban": "iban",
        "bank_account": "iban",
        "representative.iin": "representative_iin",
        "representative.power_of_attorney": "power_of_attorney",
        "representative": "representative_iin",
        "language": "language",
        "subjects": "subject_0",
        "accepted_by": "accepted_by",
        "accepted_by.official": "accepted_by",
    }.get(api_field, api_field)


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
                missing.append(
                    FieldError("documents_taken", "documents.not_taken", f"Take the document: {doc['kind']}.")
                )
    rule = service.subject_rules[0] if service and service.subject_rules else None
    subjects = [
        {"iin": one(f"subject_{i}"), "relation": rule.relation}
        for i in range(SUBJECT_ROWS_MAX)
        if rule and one(f"subject_{i}")
    ]
    body: dict[str, Any] = {
        "service_id": one("service_id"),
        "channel": one("channel"),
        "applicant": {
            "iin": one("applicant_iin"),
            "region": one("applicant_region"),
            **({"phone": one("applicant_phone")} if one("applicant_phone") else {}),
        },
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
    ticket["office_label"] = _name(ticket["office_name"], language)
    return {"ticket": ticket, "due": date.fromisoformat(ticket["due_date"])}


# --- the official's desk: documents, review, draft, decision -----------------------------------------------------


def _document_registries(document: Any, records: Sequence[Any]) -> list[str]:
    """The registries whose answer a document stands for: those of the lookups it was uploaded for, or the one an
    agency's written reply (`agency_reply:<registry>`) answers."""
    from chalicelib.domain.documents import AGENCY_REPLY

    if document.kind.startswith(AGENCY_REPLY):
        return [document.kind[len(AGENCY_REPLY) :]]
    return list(dict.fromkeys(r.registry for r in records if r.key in document.lookup_keys))


def documents_for_page(
    caller: Caller,
    application: Any,
    records: Sequence[Any],
    language: str,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, Sequence[FieldError]] | None = None,
) -> list[dict[str, Any]]:
    """Each upload with a short-lived download link (for the preview; read through `read_document`, so audited) and,
    for one awaiting review, the review form's fields from the answer shape of the registry it stands for."""
    from chalicelib.console.forms import fields_for
    from chalicelib.domain.documents import RECEIVED, documents_of
    from chalicelib.services.review import read_document

    deps = container()
    t = texts(language)
    shown = []
    for document in documents_of(application.data):
        view = read_document(application.id, document.document_id, caller, deps.review())
        view["url"] = view.get("download_url")
        registries = _document_registries(document, records)
        view["registry"] = registries[0] if registries else None
        view["registry_name"] = ", ".join(registry_name(r, language) for r in registries)
        view["fields"] = []
        view["errors"] = []
        view["people"] = []
        if document.state == RECEIVED and registries:
            view["people"] = _people_of(document, application, records, language)
            view["person"] = (form or {}).get("person_iin", "")
            shape = load_json("registries.json")["registries"][registries[0]]["answer"]
            mine = (errors or {}).get(document.document_id, ())
            by_path = {e.field.removeprefix("facts."): e for e in mine}
            for field in fields_for(shape):
                error = by_path.pop(field.path, None)
                options = [(v, t(f"review.{o}") if o in ("yes", "no") else o) for v, o in field.options]
                view["fields"].append(
                    {
                        "name": field.path,
                        "label": _field_label(field, t),
                        "input": field.input,
                        "options": options,
                        "required": field.required,
                        "hint": t(f"hint.{field.name}") if t.has(f"hint.{field.name}") else "",
                        "value": (form or {}).get(f"fact.{field.path}", ""),
                        "error": _error_text(error, t) if error else None,
                    }
                )
            view["errors"] = [(e.field, _error_text(e, t)) for e in by_path.values()]
        shown.append(view)
    return shown


def _field_label(field: Any, t: Any) -> str:
    """«Счёт 2: IBAN» for a list's row, «Брак: суд» for an optional object's part, «Дата рождения» otherwise: in the
    page's language (a field without a text shows its name)."""

    def label(key: str, name: str) -> str:
        return str(t(key)) if t.has(key) else name.replace("_", " ")

    own = label(f"fact.{field.name}", field.name)
    if field.group is None:
        return own
    if field.row is not None:
        row = f"{label(f'fact_row.{field.group}', label(f'fact.{field.group}', field.group))} {field.row + 1}"
        return row if field.name == field.group else f"{row}: {own}"
    return own if field.name == field.group else f"{label(f'fact.{field.group}', field.group)}: {own}"


def _people_of(document: Any, application: Any, records: Sequence[Any], language: str) -> list[tuple[str, str]]:
    """(IIN, who) of each person whose awaited lookups the document may complete, when there are several: the
    official then says whose document it is (`person_iin`, as the review route asks)."""
    from chalicelib.domain.documents import is_agency_reply
    from chalicelib.services.documents import awaited

    relations = [s.relation for s in application.subjects]
    people: dict[str, str] = {}
    for target in awaited(application, list(records)).get(document.kind, []):
        if target.key in document.lookup_keys or is_agency_reply(document.kind):
            people.setdefault(target.iin, person_label(target.key.split("#", 1)[-1], relations, language))
    return list(people.items()) if len(people) > 1 else []


def _error_text(error: FieldError, t: Any) -> str:
    return str(t(f"field.{error.code}")) if t.has(f"field.{error.code}") else error.message


def review(caller: Caller, application_id: str, document_id: str, form: Mapping[str, str]) -> None:
    """Accept the document with the facts the form records (in the shape of the registry it stands for), or reject
    it with a reason: `review_document`, as `POST /applications/{id}/documents/{document_id}/review`. Raises
    ValidationFailed with the API's field paths (`facts.birth_date`)."""
    from chalicelib.console.forms import facts_from_form
    from chalicelib.domain.documents import documents_of, pick
    from chalicelib.services.review import review_document

    deps = container()
    if form.get("decision") == "reject":
        raw: dict[str, Any] = {
            "accept": False,
            "reason": form.get("reason", ""),
            "comment": form.get("comment") or None,
        }
    else:
        application = deps.repo.get(application_id)
        document = pick(documents_of(application.data), document_id)
        registries = (
            _document_registries(document, deps.lookup_store.for_application(application_id)) if document else []
        )
        shape = load_json("registries.json")["registries"][registries[0]]["answer"] if registries else {}
        raw = {"accept": True, "facts": facts_from_form(shape, form)}
        if form.get("person_iin"):
            raw["person_iin"] = form["person_iin"]
    review_document(application_id, document_id, raw, caller, deps.review())


def draft(caller: Caller, application_id: str, language: str) -> dict[str, Any]:
    """The decision the rules make on the facts held, to sign (`draft_decision`): its `draft_id`; or what is still
    missing (`missing`)."""
    from chalicelib.services.official import DraftFactsMissing, draft_decision

    try:
        made = draft_decision(application_id, caller, container().official())
    except DraftFactsMissing as missing:
        return {"missing": [e.message for e in missing.errors]}
    return {"draft_id": made["draft_id"]}


def _kept_draft(
    app: Any, caller: Caller, records: list[Any], draft_id: str | None, language: str
) -> dict[str, Any] | None:
    """The draft to show: the one the page asks for (`?draft=`), else this official's draft still kept in a deciding
    application on the same facts (opening the case again shows it instead of offering to make another)."""
    from chalicelib.services.official import facts_fingerprint

    kept = app.data.get("draft") or {}
    if draft_id is None:
        if app.status.value != "deciding" or kept.get("facts") != facts_fingerprint(records):
            return None
        draft_id = kept.get("draft_id")
    return current_draft(app, caller, draft_id, language) if draft_id else None


def current_draft(application: Any, caller: Caller, draft_id: str, language: str) -> dict[str, Any] | None:
    """The draft `draft_decision` kept in the application, shown for signing while it is the current one and this
    official's: the decision and `to_sign`, the canonical XML `sign_decision` checks the signature against."""
    from chalicelib.domain.signing import canonical_result_content

    kept = application.data.get("draft") or {}
    if caller.role != "official" or kept.get("draft_id") != draft_id or kept.get("official") != caller.iin:
        return None
    decision = kept["document"]["decision"]
    return {
        "draft_id": draft_id,
        "to_sign": canonical_result_content(kept["document"], draft_id).decode("utf-8"),
        "outcome": decision.get("outcome"),
        "amount": _amount(decision.get("amount_monthly")),
        "period": _period(decision),
        "reasons": [
            {"rule": r.get("rule_id"), "result": r.get("outcome"), "text": _reason_text(r, language)}
            for r in decision.get("reasons", [])
        ],
    }


def _reason_text(reason: Mapping[str, Any], language: str) -> str:
    text = reason.get("text")
    if isinstance(text, Mapping):
        return str(text.get(language) or text.get("ru") or "")
    return str(text or reason.get("message") or "")


def sign(caller: Caller, application_id: str, body: Mapping[str, Any]) -> str:
    """The official's signed XML over the draft: `sign_decision`, as `POST /applications/{id}/decision`."""
    from chalicelib.services.official import sign_decision

    decided = sign_decision(application_id, dict(body), caller, container().official())
    return str(decided.status.value)

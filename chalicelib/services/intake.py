"""Filing an application: validate it against the service passport, register it, start its processing."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.access import IN_PERSON_CHANNELS, Caller, is_owner
from chalicelib.domain.application import (
    UNSIGNED_DRAFT_TERM,
    AcceptedBy,
    Applicant,
    Application,
    Filer,
    Representative,
    Status,
    Subject,
    TimelineEvent,
)
from chalicelib.domain.assignments import AssignmentExists
from chalicelib.domain.banking import Iban
from chalicelib.domain.calendar import WorkingDayCalendar, local_date
from chalicelib.domain.catalog import LANGUAGES, Service, ServiceCatalog, UnknownService
from chalicelib.domain.deadline_watch import first_sweep_day
from chalicelib.domain.deadlines import Term, compute_due_dates
from chalicelib.domain.errors import (
    ApplicationNotFound,
    DomainError,
    DuplicateRequest,
    FieldError,
    IdempotencyKeyReused,
    InvalidValue,
    ValidationFailed,
)
from chalicelib.domain.identity import Iin, mask_iin
from chalicelib.domain.lookups import plan_for
from chalicelib.domain.phone import PhoneNumber
from chalicelib.domain.regions import parse_region
from chalicelib.domain.text import stored_text
from chalicelib.services.assignments import all_subjects, claim_pending, release, stop_if_assigned
from chalicelib.services.audit import AuditLog
from chalicelib.services.concurrency import Unchanged, update_application
from chalicelib.services.lookups import decide_message, fan_out_marker
from chalicelib.services.notify import notify
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import (
    ApplicationRepository,
    AssignmentStore,
    Clock,
    IdempotencyRecord,
    IdGenerator,
    MessagePublisher,
)
from chalicelib.services.registry_port import RegistryGateway
from chalicelib.services.representation import (
    RegistryNotAnswering,
    RegistryReadDeps,
    confirm_power_of_attorney,
    registered_phone,
)


@dataclass(frozen=True)
class IntakeDeps:
    repo: ApplicationRepository
    clock: Clock
    ids: IdGenerator
    publisher: MessagePublisher
    catalog: ServiceCatalog
    calendar: WorkingDayCalendar
    assignments: AssignmentStore
    gateway: RegistryGateway | None = None
    """Asked at filing only when a representative is named (e-notary, then the principal's registered phone)."""
    audit: AuditLog | None = None


@dataclass(frozen=True)
class Filed:
    application: Application | None
    status: int
    response: dict[str, Any]
    replayed: bool


def request_hash(caller: Caller, body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{caller.iin}|{canonical}".encode()).hexdigest()


def _check(errors: list[FieldError], field: str, parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except InvalidValue as exc:
        errors.append(FieldError(field, exc.code, exc.message))
        return None


def validate_request(
    body: Mapping[str, Any], caller: Caller, catalog: ServiceCatalog, *, proactive: bool = False
) -> tuple[Service, dict[str, Any]]:
    """Everything wrong with the request, reported at once; the parsed values when nothing is.

    The `proactive` channel is only for `submit_proactive` (an SMS consent), never for a caller of the API.
    """
    errors: list[FieldError] = []
    try:
        service = catalog.get(body["service_id"])
    except UnknownService as exc:
        raise ValidationFailed([FieldError("service_id", exc.code, exc.message)]) from None

    channel = body["channel"]
    if not service.accepts_channel(channel) or (channel == "proactive") != proactive:
        allowed = [c for c in service.channels if c != "proactive"]
        errors.append(
            FieldError("channel", "channel.not_allowed", f"This service is filed through: {', '.join(allowed)}.")
        )
    if caller.role == "operator" and channel not in IN_PERSON_CHANNELS:
        errors.append(FieldError("channel", "channel.not_in_person", "An operator files at an office."))
    if caller.role == "citizen" and channel != ("proactive" if proactive else "portal"):
        errors.append(FieldError("channel", "channel.not_allowed", "A citizen files through the portal."))

    raw_applicant = body["applicant"]
    applicant_iin = _check(errors, "applicant.iin", lambda: Iin.parse(raw_applicant["iin"]))
    phone = None
    if raw_applicant.get("phone") is not None:
        phone = _check(errors, "applicant.phone", lambda: PhoneNumber.parse(raw_applicant["phone"]))
    region = _check(errors, "applicant.region", lambda: parse_region(raw_applicant["region"]))

    subjects: list[Subject] = []
    allowed_relations = {rule.relation: rule for rule in service.subject_rules}
    for i, raw in enumerate(body.get("subjects") or []):
        iin = _check(errors, f"subjects[{i}].iin", functools.partial(Iin.parse, raw["iin"]))
        if raw["relation"] not in allowed_relations:
            errors.append(
                FieldError(
                    f"subjects[{i}].relation",
                    "subject.relation_not_allowed",
                    f"This service takes subjects of kind: {', '.join(allowed_relations)}.",
                )
            )
        elif iin is not None:
            if applicant_iin is not None and iin.value == applicant_iin.value:
                errors.append(
                    FieldError(
                        f"subjects[{i}].iin", "subject.is_applicant", "A subject is another person than the applicant."
                    )
                )
            subjects.append(Subject(iin.value, raw["relation"]))
    if len({s.iin for s in subjects}) != len(subjects):
        errors.append(FieldError("subjects", "subject.duplicate", "The same person is named twice."))
    for rule in service.subject_rules:
        count = sum(1 for s in subjects if s.relation == rule.relation)
        if not rule.min <= count <= rule.max:
            errors.append(
                FieldError(
                    "subjects", "subject.count", f"Name {rule.min} to {rule.max} subject(s) of kind {rule.relation}."
                )
            )

    representative = None
    raw_rep = body.get("representative")
    if raw_rep is not None:
        if not service.representative_allowed:
            errors.append(
                FieldError(
                    "representative",
                    "representative.not_allowed",
                    "This service is applied for in person by the applicant.",
                )
            )
        rep_iin = _check(errors, "representative.iin", lambda: Iin.parse(raw_rep["iin"]))
        if not str(raw_rep.get("power_of_attorney") or "").strip():
            errors.append(
                FieldError(
                    "representative.power_of_attorney",
                    "representative.power_of_attorney_missing",
                    "A representative acts under a notarised power of attorney: give its number.",
                )
            )
        else:
            number = _check(
                errors,
                "representative.power_of_attorney",
                lambda: stored_text(raw_rep["power_of_attorney"], "power_of_attorney"),
            )
            if rep_iin is not None and number is not None:
                representative = Representative(rep_iin.value, number)
        if rep_iin is not None and applicant_iin is not None and rep_iin.value == applicant_iin.value:
            errors.append(
                FieldError(
                    "representative.iin",
                    "representative.is_applicant",
                    "A representative is another person than the applicant: leave it out to file for yourself.",
                )
            )

    iban = None
    raw_account = body.get("bank_account")
    if raw_account is not None:
        iban = _check(errors, "bank_account.iban", lambda: Iban.parse(raw_account["iban"]))
        if iban is not None and service.allowed_banks is not None and iban.bank_code not in service.allowed_banks:
            errors.append(
                FieldError(
                    "bank_account.iban",
                    "iban.bank_not_allowed",
                    f"This service pays only to banks {', '.join(service.allowed_banks)}.",
                )
            )
    elif service.bank_account_required:
        errors.append(FieldError("bank_account", "bank_account.required", "This service needs a bank account."))

    accepted_by = None
    raw_accepted = body.get("accepted_by")
    if caller.role == "operator":
        if raw_accepted is None:
            errors.append(
                FieldError(
                    "accepted_by",
                    "accepted_by.required",
                    "An operator filing says which office and official accepted it.",
                )
            )
        elif raw_accepted.get("office") not in (None, caller.org):
            errors.append(
                FieldError(
                    "accepted_by.office", "accepted_by.other_office", "An operator files for their own office only."
                )
            )
    elif raw_accepted is not None:
        errors.append(
            FieldError(
                "accepted_by", "accepted_by.not_allowed", "Only an office's operator says who accepted an application."
            )
        )
    if caller.role == "operator" and raw_accepted is not None and caller.org is not None:
        # the office comes from the operator's token, never from the body (the body may only repeat it)
        official = _check(
            errors, "accepted_by.official", lambda: stored_text(raw_accepted["official"], "official_name")
        )
        if official is not None:
            accepted_by = AcceptedBy(caller.org, official)

    if caller.role == "citizen" and applicant_iin is not None:
        acting_for_self = caller.iin == applicant_iin.value
        acting_as_rep = representative is not None and representative.iin == caller.iin
        if not (acting_for_self or acting_as_rep):
            errors.append(
                FieldError(
                    "applicant.iin",
                    "applicant.not_caller",
                    "A citizen files for themself, or as the named representative.",
                )
            )

    language = body.get("language") or "ru"
    if language not in LANGUAGES:
        errors.append(FieldError("language", "language.unknown", "Language is kk, ru or en."))

    if errors:
        raise ValidationFailed(errors)
    assert applicant_iin is not None and region is not None
    return service, {
        "applicant": Applicant(applicant_iin.value, phone.value if phone else None, region),
        "subjects": tuple(subjects),
        "representative": representative,
        "iban": iban.value if iban else None,
        "accepted_by": accepted_by,
        "language": language,
    }


def confirm_representation(
    application_id: str, service_id: str, values: Mapping[str, Any], caller: Caller, deps: IntakeDeps
) -> str | None:
    """Before anything is asked about the principal: the power of attorney confirmed in the e-notary registry
    (`services.representation`, PowerOfAttorneyNotConfirmed otherwise); then the principal's registered phone,
    for the SMS that tells them someone filed on their behalf (None: they registered none, a notice only)."""
    if deps.gateway is None or deps.audit is None:
        raise RegistryNotAnswering("The e-notary registry cannot be asked now: try again later.")
    reads = RegistryReadDeps(deps.gateway, deps.audit, deps.clock)
    actor = (caller.role, caller.iin)
    applicant: Applicant = values["applicant"]
    confirm_power_of_attorney(
        applicant.iin,
        values["representative"],
        on=local_date(deps.clock.now()),
        service_id=service_id,
        reference=application_id,
        actor=actor,
        deps=reads,
    )
    phone = registered_phone(applicant.iin, service_id=service_id, reference=application_id, actor=actor, deps=reads)
    return phone.value if phone else None


def register(application: Application, service: Service, calendar: WorkingDayCalendar, at: datetime) -> None:
    """Start the legal term and queue what follows registration: the registry lookups and the notice."""
    term = service.terms[application.channel]
    on = local_date(at)
    due = compute_due_dates(calendar.as_of(on), Term(term.working_days, term.calendar_days), on, application.channel)
    application.register(at=at, on=on, due_date=due.due_date, due_date_at_state_corp=due.due_date_at_state_corp)
    application.schedule_sweep(first_sweep_day(application, calendar, on))
    plan = plan_for(application, on)
    application.data["lookups_planned"] = len(plan)
    # The outbox keeps one marker, not the lookup messages themselves: they follow from the application and
    # are rebuilt when dispatched (a TSA family's hundred messages would double the item's write cost).
    message = fan_out_marker(application.id) if plan else decide_message(application.id)
    application.send(message.queue, message.key, message.body)
    notify(application, "registered", application_number=application.id, due_date=due.due_date.isoformat())


def submit_application(
    body: Mapping[str, Any],
    caller: Caller,
    deps: IntakeDeps,
    *,
    render: Callable[[Application], dict[str, Any]],
    idempotency_key: str | None = None,
) -> Filed:
    """File an application. With an Idempotency-Key, the same key and body give back the first response."""
    service, values = validate_request(body, caller, deps.catalog)
    now = deps.clock.now()
    application_id = deps.ids.application_id(now)
    principal_phone = None
    if values["representative"] is not None:
        principal_phone = confirm_representation(application_id, service.id, values, caller, deps)
    application = Application(
        id=application_id,
        service_id=service.id,
        channel=body["channel"],
        status=Status.AWAITING_SIGNATURE,
        applicant=values["applicant"],
        subjects=values["subjects"],
        representative=values["representative"],
        bank_iban=values["iban"],
        accepted_by=values["accepted_by"],
        language=values["language"],
        filer=Filer(caller.iin, caller.role, caller.org),
        handling_office=service.handling_office(values["applicant"].region),
        created_at=now,
    )
    application.record(now, "created", caller.actor, channel=application.channel)
    if application.representative is not None:
        application.record(
            now,
            "power_of_attorney_confirmed",
            "system",
            registry="e_notary",
            representative=mask_iin(application.representative.iin),
        )
        if principal_phone is not None:
            application.data["principal_phone"] = principal_phone
        notify(application, "filed_on_your_behalf", audience="principal", application_number=application.id)
    in_person = application.channel in IN_PERSON_CHANNELS
    if not service.needs_signature() or in_person:
        application.transition(
            Status.SUBMITTED,
            at=now,
            actor=caller.actor,
            reason="signed_in_person" if in_person else "no_signature_required",
        )
        register(application, service, deps.calendar, now)
    else:
        # listed for the deadline sweep on the day it expires unsigned (signing lists it again, for its term)
        application.schedule_sweep(local_date(application.draft_expires_at()))

    record = None
    digest = request_hash(caller, body)
    response = render(application)
    if idempotency_key is not None:
        record = IdempotencyRecord(digest, 201, response)
    scoped = _scoped_key(caller, idempotency_key)
    if application.registered_on is not None:
        try:
            stop_if_assigned(deps.assignments, deps.repo, application, application.registered_on)
        except AssignmentExists:
            known = deps.repo.idempotency_record(scoped) if scoped is not None else None
            if known is None:
                raise
            return _replay(deps, known, digest)  # a retry of the request whose application holds it
    try:
        deps.repo.add(application, idempotency_key=scoped, idempotency=record)
    except DuplicateRequest as dup:
        first = dup.record
        assert isinstance(first, IdempotencyRecord)
        return _replay(deps, first, digest)
    claim_pending(deps.assignments, deps.repo, application)
    dispatch_outbox(deps.repo, deps.publisher, application)
    return Filed(application, 201, response, replayed=False)


def submit_proactive(
    body: Mapping[str, Any],
    deps: IntakeDeps,
    *,
    render: Callable[[Application], dict[str, Any]],
    consent_key: str,
    conversation: Sequence[TimelineEvent] = (),
) -> Filed:
    """File the application a citizen consented to by SMS (channel `proactive`): the same validation and
    registration as any other, no signature (the SMS consent stands for it), once per `consent_key` (a retry
    gives back the first application). `conversation` (the SMS dialogue so far) opens the timeline."""
    caller = Caller(str(body["applicant"]["iin"]), "citizen")
    service, values = validate_request(body, caller, deps.catalog, proactive=True)
    now = deps.clock.now()
    application = Application(
        id=deps.ids.application_id(now),
        service_id=service.id,
        channel="proactive",
        status=Status.AWAITING_SIGNATURE,
        applicant=values["applicant"],
        subjects=values["subjects"],
        representative=None,
        bank_iban=values["iban"],
        accepted_by=None,
        language=values["language"],
        filer=Filer(caller.iin, "citizen"),
        handling_office=service.handling_office(values["applicant"].region),
        created_at=now,
        timeline=sorted(conversation, key=lambda e: e.at),
    )
    application.record(now, "created", caller.actor, channel="proactive")
    application.transition(Status.SUBMITTED, at=now, actor=caller.actor, reason="consent_by_sms")
    register(application, service, deps.calendar, now)
    digest = request_hash(caller, body)
    response = render(application)
    try:
        deps.repo.add(
            application,
            idempotency_key=_scoped_key(caller, consent_key),
            idempotency=IdempotencyRecord(digest, 201, response),
        )
    except DuplicateRequest as dup:
        first = dup.record
        assert isinstance(first, IdempotencyRecord)
        _redispatch(deps, str(first.response.get("id", "")))
        return Filed(None, first.status, first.response, replayed=True)
    claim_pending(deps.assignments, deps.repo, application)
    dispatch_outbox(deps.repo, deps.publisher, application)
    return Filed(application, 201, response, replayed=False)


def _replay(deps: IntakeDeps, first: IdempotencyRecord, digest: str) -> Filed:
    if first.request_hash != digest:
        raise IdempotencyKeyReused("This Idempotency-Key was used with another request body.") from None
    _redispatch(deps, str(first.response.get("id", "")))
    return Filed(None, first.status, first.response, replayed=True)


def _scoped_key(caller: Caller, key: str | None) -> str | None:
    if key is None:
        return None
    return hashlib.sha256(f"{caller.iin}|{key}".encode()).hexdigest()


def _redispatch(deps: IntakeDeps, application_id: str) -> None:
    """A retried request may follow a crash after the save: send what the first one left unsent."""
    try:
        application = deps.repo.get(application_id)
    except ApplicationNotFound:
        return
    dispatch_outbox(deps.repo, deps.publisher, application)


def withdraw_application(application_id: str, caller: Caller, deps: IntakeDeps) -> Application:
    now = deps.clock.now()

    def withdraw(app: Application) -> None:
        if not is_owner(caller, app):
            raise ApplicationNotFound("No such application.")
        if app.is_final or not app.can_become(Status.WITHDRAWN):
            raise WithdrawTooLate(f"An application that is {app.status.value} can no longer be withdrawn.")
        app.transition(Status.WITHDRAWN, at=now, actor=caller.actor, reason="withdrawn_by_applicant")
        notify(app, "withdrawn", application_number=app.id)

    application, _ = update_application(deps.repo, application_id, withdraw)
    dispatch_outbox(deps.repo, deps.publisher, application)
    waiters = release(deps.assignments, application.service_id, application.id, all_subjects(application))
    if waiters:  # applications for the same people waited on this one: decide them now
        deps.publisher.publish([decide_message(w) for w in sorted(waiters)])
    return application


class WithdrawTooLate(DomainError):
    code = "application.not_withdrawable"
    status = 409


def expire_draft(repo: ApplicationRepository, publisher: MessagePublisher, application_id: str, now: datetime) -> str:
    """Withdraw an application left unsigned past `UNSIGNED_DRAFT_TERM` (the deadline sweep calls this).

    Returns `expired`, `not_yet` (the term ends later today or after: look again tomorrow) or `not_a_draft`
    (signed or closed meanwhile: nothing to do)."""

    def expire(app: Application) -> str:
        if not app.is_unsigned_draft:
            raise Unchanged
        if now < app.draft_expires_at():
            raise Unchanged
        app.transition(
            Status.WITHDRAWN,
            at=now,
            actor="system",
            reason="draft_expired",
            expired_after_days=UNSIGNED_DRAFT_TERM.days,
        )
        notify(app, "draft_expired", application_number=app.id)
        return "expired"

    try:
        application, outcome = update_application(repo, application_id, expire)
    except ApplicationNotFound:
        return "not_a_draft"
    if outcome is None:
        return "not_yet" if application.is_unsigned_draft else "not_a_draft"
    dispatch_outbox(repo, publisher, application)
    return outcome

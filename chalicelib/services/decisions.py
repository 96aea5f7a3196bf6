"""The decision step: once every lookup is settled, either ask for what is missing or decide, sign and tell.

What is missing is asked for in this order: documents the applicant's Digital Documents wallet may hold are first
asked for by SMS (the application waits for the answer: services/digital_documents.py), then whatever is still
missing is asked for as an upload (awaiting_documents), each time with the agencies' written requests.

It runs once per application in effect, however many `decide` messages arrive: every change is a
versioned transition from fresh state, the signed result is written once, and a final application is left
alone. A crash between steps resumes where it stopped on the next delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.application import Application, Status
from chalicelib.domain.assignments import PENDING, Blocking
from chalicelib.domain.calendar import WorkingDayCalendar, local_date
from chalicelib.domain.catalog import ServiceCatalog
from chalicelib.domain.deadline_watch import first_sweep_day
from chalicelib.domain.deadlines import Term, compute_due_dates
from chalicelib.domain.decision import Decision
from chalicelib.domain.digital_documents import ASKING, DigitalDocumentsPolicy
from chalicelib.domain.facts import Case, FactsMissing, RegistryAnswer
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.poverty_line import PovertyLineInputsMissing
from chalicelib.domain.result_document import ResultDocument, verification_code
from chalicelib.domain.rules import decide
from chalicelib.services.assignments import all_subjects, one_assignment, release, waiters_of
from chalicelib.services.concurrency import Unchanged, update_application
from chalicelib.services.documents import missing_lookups
from chalicelib.services.lookups import decide_message
from chalicelib.services.messages import DigitalDocumentsQuestion
from chalicelib.services.notify import notify
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import (
    ApplicationRepository,
    AssignmentStore,
    Clock,
    LookupRecord,
    LookupState,
    LookupStore,
    MessagePublisher,
    ResultSigner,
    ResultStore,
)
from chalicelib.services.printing import PrintingDeps, render_message

DOCUMENT_SOURCE = "document:"
"""`provided_document` of a lookup an official completed from a reviewed upload or agency reply."""
OPEN_FOR_DECISION = (Status.SUBMITTED, Status.CHECKING, Status.AWAITING_DOCUMENTS, Status.DECIDING)
TSA_WRITTEN_NOTICE_WORKING_DAYS = "notify_applicant_within_working_days"


@dataclass(frozen=True)
class DecisionDeps:
    repo: ApplicationRepository
    lookups: LookupStore
    signer: ResultSigner
    results: ResultStore
    publisher: MessagePublisher
    clock: Clock
    catalog: ServiceCatalog
    calendar: WorkingDayCalendar
    digital_documents: DigitalDocumentsPolicy
    assignments: AssignmentStore
    printing: PrintingDeps | None = None  # renders the result notice once, at the decision


def gaps_of(records: list[LookupRecord]) -> tuple[list[LookupRecord], list[LookupRecord]]:
    """(documents to ask the applicant for, registries to write to) among the settled lookups: those with no data
    yet, including those whose upload waits for an official's review."""
    return missing_lookups(records)


def case_of(application: Application, records: list[LookupRecord]) -> Case:
    answers = []
    for r in records:
        status, data = r.status, r.data
        if status == "provided":  # a document stands in for the registry record it replaces
            status, data = "found", {**r.data, "provided_document": r.provided_document}
        elif status == "document_received":  # read by nobody yet: not a fact
            status = "failed"
        answers.append(RegistryAnswer(r.registry, r.iin, status, data, r.source_system, r.fetched_at))
    assert application.registered_on is not None
    return Case.of(
        service_id=application.service_id,
        applicant_iin=application.applicant.iin,
        region=application.applicant.region,
        registered_on=application.registered_on,
        channel=application.channel,
        subjects=[(s.iin, s.relation) for s in application.subjects],
        representative_iin=application.representative.iin if application.representative else None,
        bank_account=application.bank_iban,
        answers=answers,
    )


def decide_application(application_id: str, deps: DecisionDeps) -> str:
    application = deps.repo.get(application_id)
    if application.outbox:  # a crash after an earlier save left messages unsent: send them first
        dispatch_outbox(deps.repo, deps.publisher, application)
    if application.is_final or application.status not in OPEN_FOR_DECISION:
        return f"skipped:{application.status.value}"
    records = deps.lookups.for_application(application_id)
    ask, write = gaps_of(records)
    if (ask or write) and application.status is not Status.DECIDING:
        return _request_missing(application_id, ask, write, deps)
    return _decide(application_id, records, deps)


def _request_missing(
    application_id: str, ask: list[LookupRecord], write: list[LookupRecord], deps: DecisionDeps
) -> str:
    now = deps.clock.now()

    def change(app: Application) -> None:
        service = deps.catalog.get(app.service_id)
        if write and not app.data.get("written_requests"):
            app.data["written_requests"] = sorted({r.registry for r in write})
            app.record(now, "written_request_sent", "system", registries=app.data["written_requests"])
            days = service.extension_calendar_days
            if days and app.registered_on is not None:
                due = compute_due_dates(
                    deps.calendar.as_of(local_date(now)), Term(calendar_days=days), app.registered_on, app.channel
                )
                previous = app.due_date
                app.due_date, app.due_date_at_state_corp = due.due_date, due.due_date_at_state_corp
                app.schedule_sweep(first_sweep_day(app, deps.calendar, local_date(now)))
                app.record(
                    now,
                    "term_extended",
                    "system",
                    previous_due_date=previous.isoformat() if previous else None,
                    due_date=due.due_date.isoformat(),
                    calendar_days=days,
                )
                notify(app, "written_request_sent", application_number=app.id, new_due_date=due.due_date.isoformat())
        if ask and _ask_the_wallet_first(app, ask, deps.digital_documents):
            return
        if ask:
            documents = sorted({r.document or r.registry for r in ask})
            if app.status is not Status.AWAITING_DOCUMENTS:
                app.transition(
                    Status.AWAITING_DOCUMENTS,
                    at=now,
                    actor="system",
                    reason="registry_has_no_data",
                    documents=documents,
                )
            for document in documents:
                notify(app, "documents_needed", extra=document, application_number=app.id, document=document)

    application, _ = update_application(deps.repo, application_id, change)
    dispatch_outbox(deps.repo, deps.publisher, application)
    if ask and (application.data.get("digital_documents") or {}).get("state") == ASKING:
        return "digital_documents_question"
    return "awaiting_documents" if ask else "written_request"


def _ask_the_wallet_first(app: Application, ask: list[LookupRecord], policy: DigitalDocumentsPolicy) -> bool:
    """Whether the application waits on the Digital Documents question (asked now, once, or still unanswered).
    It is asked only of an applicant with a phone, and only for the documents the wallet may hold."""
    question = app.data.get("digital_documents")
    if question is not None:
        return bool(question.get("state") == ASKING)
    documents = policy.fetchable(r.document for r in ask)
    if not documents or not app.applicant.phone:
        return False
    app.data["digital_documents"] = {"state": ASKING, "documents": documents}
    question = DigitalDocumentsQuestion(application_id=app.id)
    app.send(question.queue, f"{app.id}:digital_documents_question", question.body())
    return True


def needs_official(records: list[LookupRecord]) -> bool:
    """Whether a fact came from paper a person read (an upload or an agency's reply reviewed by an official): then
    an official decides and signs. Digital Documents answers are vouched for by a machine, as registry answers are."""
    return any(r.status == "provided" and (r.provided_document or "").startswith(DOCUMENT_SOURCE) for r in records)


def to_official(
    application_id: str, reason: str, deps: DecisionDeps, missing: list[dict[str, str]] | None = None
) -> None:
    """Hand the application to the deciding office's officials (it stays `deciding`, `waiting_for`
    official_decision, or agency_reply while facts are missing) and tell the office."""
    now = deps.clock.now()

    def change(app: Application) -> None:
        # a machine wait (parameters, assignment) is over once the rules decided and the officials act
        waited = app.data.pop("waiting_for", None)
        current = app.data.get("official_decision") or {}
        wanted = {"reason": reason, "missing": missing or []}
        if {k: current.get(k) for k in wanted} == wanted:
            if waited is None:
                raise Unchanged
            return
        app.data["official_decision"] = {**wanted, "since": now.isoformat()}
        detail: dict[str, Any] = {"reason": reason}
        if missing:
            detail["missing"] = [f"{m['registry']}:{mask_iin(m['iin'])}" for m in missing]
        app.record(now, "official_decision_required", "system", **detail)
        notify(
            app,
            "official_decision_required",
            audience="officials",
            extra=f"{reason}:{len(app.timeline)}",
            application_number=app.id,
            service_id=app.service_id,
        )

    application, _ = update_application(deps.repo, application_id, change)
    dispatch_outbox(deps.repo, deps.publisher, application)


def _missing_facts(records: list[LookupRecord], gap: FactsMissing) -> list[dict[str, str]]:
    keys = {(r.registry, r.iin): r.key for r in records}
    return [
        {"registry": registry, "iin": iin, "key": keys.get((registry, iin)) or f"{registry}#review-{n}"}
        for n, (registry, iin) in enumerate(gap.missing)
    ]


def _decide(application_id: str, records: list[LookupRecord], deps: DecisionDeps) -> str:
    now = deps.clock.now()

    def start(app: Application) -> None:
        if app.status is not Status.DECIDING:
            app.transition(Status.DECIDING, at=now, actor="system", reason="facts_gathered", lookups=len(records))

    application, _ = update_application(deps.repo, application_id, start)
    case = case_of(application, records)
    try:
        decision = decide(case, on=local_date(now))
    except PovertyLineInputsMissing as gap:
        return _wait_for_parameters(application_id, deps, gap)
    except FactsMissing as gap:
        lacking = [f"{registry}:{mask_iin(iin)}" for registry, iin in gap.missing]

        def review(app: Application) -> None:
            if app.data.get("manual_review") != lacking:
                app.data["manual_review"] = lacking
                app.record(now, "manual_review_required", "system", missing=lacking)

        update_application(deps.repo, application_id, review)
        to_official(application_id, "rules_cannot_decide", deps, _missing_facts(records, gap))
        return "manual_review"
    if needs_official(records):
        # an official signs; while another open application holds the claim on a beneficiary, the officials would
        # only draft an approval that cannot be signed: it waits for that one first (and is handed over after)
        _, block = one_assignment(deps.assignments, deps.repo, application, decision, take=False)
        if block is not None and block.kind == PENDING:
            return wait_for_assignment(application_id, block, repo=deps.repo, clock=deps.clock)
        to_official(application_id, "facts_from_documents", deps)
        return "official_decision"

    # one assignment per person and period: the approval takes the claims before it is saved
    decision, block = one_assignment(deps.assignments, deps.repo, application, decision, take=True)
    if block is not None and block.kind == PENDING:
        return wait_for_assignment(application_id, block, repo=deps.repo, clock=deps.clock)

    document = result_document(application, case, decision, now, deps.catalog)
    signed = deps.results.put_once(
        application.id, deps.signer.sign(document).to_dict(), [LookupState.of(r) for r in records]
    )
    application = finish_decision(
        application_id, decision, signed["document"], "system", repo=deps.repo, clock=deps.clock
    )
    dispatch_outbox(deps.repo, deps.publisher, application)
    after_assignment(application, decision, deps.assignments, deps.publisher)
    return decision.outcome


def result_document(
    application: Application, case: Case, decision: Decision, now: datetime, catalog: ServiceCatalog
) -> dict[str, Any]:
    """The result document of a decision (domain.result_document), as it is signed."""
    service = catalog.get(application.service_id)
    return ResultDocument(
        application_id=application.id,
        service_id=service.id,
        service_name=dict(service.name),
        applicant_iin_masked=mask_iin(application.applicant.iin),
        applicant_full_name=_full_name(case, application.applicant.iin),
        decision=decision.to_dict(),
        issued_at=now.replace(microsecond=0),
        issuer_office_id=application.handling_office,
        issuer_name=dict(service.provider_name),
        language=application.language,
    ).to_dict()


def finish_decision(
    application_id: str,
    decision: Decision,
    document: dict[str, Any],
    actor: str,
    *,
    repo: ApplicationRepository,
    clock: Clock,
    **detail: Any,
) -> Application:
    """The application becomes approved or refused on a signed result, and the applicant is told (outbox)."""
    now = clock.now()
    code = verification_code(document)

    def finish(app: Application) -> None:
        if app.is_final:
            return
        app.data.pop("waiting_for", None)
        app.decision = {
            "outcome": decision.outcome,
            "amount_monthly": decision.amount_monthly,
            "period_from": decision.period_from.isoformat() if decision.period_from else None,
            "period_to": decision.period_to.isoformat() if decision.period_to else None,
            "verification_code": code,
        }  # the reasons are kept once: in the signed result
        app.data.pop("draft", None)
        app.transition(
            Status.APPROVED if decision.outcome == "approved" else Status.REFUSED,
            at=now,
            actor=actor,
            reason="decided",
            verification_code=code,
            **detail,
        )
        values: dict[str, Any] = {"application_number": app.id}
        if decision.outcome == "approved":
            purpose, terms = _approval(decision.amount_monthly, decision.period_from, decision.period_to)
            notify(app, purpose, **values, **terms)
        else:
            failed = next((r for r in decision.reasons if r.outcome == "not_met"), None)
            values["reason"] = failed.rule_id if failed else "refused"
            notify(app, "refused", **values)
        # the printable notice, rendered once by this worker (in the application's language; another language on
        # its first request): the API serves the stored PDF and never renders one
        message = render_message("result", app.id, (app.language,))
        app.send(message.queue, message.key, message.body)

    application, _ = update_application(repo, application_id, finish)
    return application


def _wait_for_parameters(application_id: str, deps: DecisionDeps, gap: PovertyLineInputsMissing) -> str:
    """The TSA poverty line of the applicant's region and quarter has inputs nobody loaded yet: no decision on a
    made-up line. The application waits (work queue: `waiting_for: parameters`); the deadline sweep asks for the
    decision again each day, and it is taken once an operator loads the figures."""
    now = deps.clock.now()

    def wait(app: Application) -> None:
        if app.data.get("waiting_for") == "parameters":
            raise Unchanged
        app.data["waiting_for"] = "parameters"
        app.schedule_sweep(local_date(now) + timedelta(days=1))
        app.record(
            now,
            "waiting_for_parameters",
            "system",
            region=gap.region,
            quarter=str(gap.quarter),
            inputs_quarter=str(gap.quarter.previous()),
            missing=list(gap.missing),
        )

    update_application(deps.repo, application_id, wait)
    return "waiting_for_parameters"


def wait_for_assignment(application_id: str, block: Blocking, *, repo: ApplicationRepository, clock: Clock) -> str:
    """Another open application holds the claim on a beneficiary: wait until it is decided (it sends a decide
    message for this one then; the deadline sweep asks again each day too). Work queue: `waiting_for: assignment`."""
    now = clock.now()

    def wait(app: Application) -> None:
        if app.data.get("waiting_for") == "assignment":
            raise Unchanged
        app.data["waiting_for"] = "assignment"
        app.record(
            now, "waiting_for_assignment", "system", subject=block.masked_subject, application=block.masked_holder
        )

    update_application(repo, application_id, wait)
    return "waiting_for_assignment"


def after_assignment(
    application: Application, decision: Decision, store: AssignmentStore, publisher: MessagePublisher
) -> None:
    """Once a decision is saved (machine or official): give back the claims it does not keep (all of them on a
    refusal; TSA's declared people who were not counted) and decide again the applications that waited on them."""
    kept = set(decision.beneficiaries if decision.outcome == "approved" else ())
    others = [iin for iin in all_subjects(application) if iin not in kept]
    waiters = release(store, application.service_id, application.id, others)
    waiters |= waiters_of(store, application.service_id, application.id, kept)
    if waiters:
        publisher.publish([decide_message(w) for w in sorted(waiters)])


def _approval(amount: int | None, start: date | None, end: date | None) -> tuple[str, dict[str, Any]]:
    """The approval message and its values: a monthly payment for a period, a payment from a day on with no end
    (an indefinite disability), or a service with no payment (special social services)."""
    if not amount or start is None:
        return "approved_no_payment", {}
    if end is None:
        return "approved_open_ended", {"amount": amount, "period_from": start.isoformat()}
    return "approved", {"amount": amount, "period": f"{start:%d.%m.%Y}-{end:%d.%m.%Y}"}


def _full_name(case: Case, iin: str) -> str:
    person = case.data("gbdfl", iin) or {}
    parts = [person.get("last_name"), person.get("first_name"), person.get("middle_name")]
    return " ".join(p for p in parts if p) or mask_iin(iin)

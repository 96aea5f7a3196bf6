"""Proactive services: from a registry event to offers by SMS, the SMS dialogue, its timers, the consents.

1. The gateway posts a life event (`POST /webhooks/registry-events`): it is remembered once by its event_id,
   queued on `proactive` (only the event id travels; the subject's IIN stays in the table) and acknowledged.
2. `handle_registry_event` asks the registries who may claim (data/proactive.json `events`), and for each of
   them their registered phone (`mobile`), whether they already receive the benefit (`social_payments`) and
   whether they applied (their History). If anyone already receives it or applied for this subject, nobody is
   offered it. Every read goes to the audit trail. Each remaining claimant gets an offer by SMS.
3. Inbound SMS reach `ProactiveConversations` (the ConversationRouter of services/sms_inbound.py): the offer
   waiting on that phone takes the step of domain/proactive.py; its effects are carried out after it is saved
   (the consent record, closing the other parent's offer, the application filed through `submit_proactive`,
   its withdrawal on STOP, SMS and personal-account notices), each idempotent.
4. `run_proactive_timers` (hourly) sends the one reminder and expires unanswered offers.
5. The Digital Documents question of an application (`ask_digital_documents`, on a `digital_documents_question`
   message from the decision step) is an offer of kind `digital_documents` on the same phone index, dialogue and
   timers; its effects (fetch the documents, or fall back to the upload) are in services/digital_documents.py.

SMS that are not answers (the offer, the reminder, the expiry, "the other parent applied") are sent at most once
per offer and purpose, with a personal-account notice, like every other notification (services/notifications.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, assert_never

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Application, OutboxMessage, Status
from chalicelib.domain.calendar import local_date
from chalicelib.domain.digital_documents import ASKING, DigitalDocumentsPolicy
from chalicelib.domain.errors import (
    DomainError,
    FieldError,
    InvalidValue,
    ValidationFailed,
    required_text,
)
from chalicelib.domain.identity import Iin
from chalicelib.domain.notifications import NotificationStatus, notification_key, render_sms
from chalicelib.domain.phone import PhoneNumber
from chalicelib.domain.proactive import (
    BENEFIT,
    DIGITAL_DOCUMENTS,
    Answer,
    BankAccount,
    Claimant,
    CloseOthers,
    DialoguePolicy,
    DocumentsFallback,
    Effect,
    FetchDocuments,
    FileApplication,
    Offer,
    RecordConsent,
    ReleaseGroup,
    RevokeConsent,
    SendSms,
    UnknownEvent,
    Withdraw,
    WriteNotice,
    accounts_from,
    claimants,
    claims_the_benefit,
    classify,
    close_taken,
    conversation,
    has_applied,
    needs_accounts,
    new_documents_request,
    new_offer,
    next_timer,
    on_timer,
    receives,
    registries_for,
    reopen_taken,
    reply_by,
    respond,
)
from chalicelib.domain.regions import parse_region
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.concurrency import retry_on_conflict, update_application
from chalicelib.services.digital_documents import DigitalDocumentsDeps, fall_back, fetch_documents
from chalicelib.services.intake import IntakeDeps, submit_proactive
from chalicelib.services.messages import (
    DigitalDocumentsQuestion,
    Handlers,
    InboundSmsQueued,
    OfferEffects,
    RegistryEventQueued,
)
from chalicelib.services.notifications import NotificationDeps, notice_texts, send_once, template_values
from chalicelib.services.notify import notify
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import (
    Clock,
    ConsentRecord,
    LookupStore,
    MessagePublisher,
    Notice,
    NotificationRecord,
    ProactiveStore,
    RegistryEvent,
)
from chalicelib.services.registry_port import GatewayRejected, RegistryGateway
from chalicelib.services.sms_inbound import InboundRoutingDeps, route_inbound_sms

MAX_EVENT_ID = 128
CONSENT_SCOPE = "proactive_application"
"""What an SMS consent allows: the back office files the application for the person and asks the registries the
service needs about them (as an application filed on the portal would)."""
DOCUMENTS_CONSENT_SCOPE = "digital_documents_share"
"""What a Digital Documents consent allows: the service reads the documents asked for from the person's wallet."""
HISTORY_READ = 50
WORKER = "proactive-worker"


@dataclass(frozen=True)
class ProactiveDeps:
    store: ProactiveStore
    gateway: RegistryGateway
    audit: AuditLog
    publisher: MessagePublisher
    intake: IntakeDeps
    notifications: NotificationDeps
    clock: Clock
    policy: DialoguePolicy
    lookups: LookupStore
    documents_policy: DigitalDocumentsPolicy

    @property
    def digital_documents(self) -> DigitalDocumentsDeps:
        """The part the Digital Documents effects use (services/digital_documents.py)."""
        return DigitalDocumentsDeps(
            self.intake.repo, self.lookups, self.gateway, self.audit, self.publisher, self.clock, self.documents_policy
        )


class ConsentsNotForRole(DomainError):
    code = "consents.citizens_only"
    status = 403


# --- 1. the webhook ----------------------------------------------------------------------------------------


def receive_registry_event(payload: Mapping[str, Any], deps: ProactiveDeps) -> str:
    """Remember a registry event once and queue it: "queued", or "duplicate" for an event queued before."""
    errors: list[FieldError] = []
    event_id = required_text(payload, "event_id", MAX_EVENT_ID, errors)
    event_type = required_text(payload, "type", 64, errors)
    occurred_at = required_text(payload, "occurred_at", 64, errors)
    subject = required_text(payload, "subject_iin", 12, errors)
    if event_type and event_type not in deps.policy.events:
        errors.append(FieldError("type", "field.not_allowed", f"`type` is one of: {', '.join(deps.policy.events)}."))
    if subject:
        try:
            Iin.parse(subject)
        except InvalidValue as exc:
            errors.append(FieldError("subject_iin", exc.code, exc.message))
    if errors:
        raise ValidationFailed(errors)
    ref = f"PE{uuid.uuid4().hex[:12].upper()}"
    event, seen = deps.store.receive_event(
        RegistryEvent(event_id, event_type, subject, occurred_at, ref), deps.clock.now()
    )
    if seen == "done":
        return "duplicate"
    deps.publisher.publish([RegistryEventQueued(event.event_id).outbox(f"event:{event.ref}")])
    deps.store.event_queued(event.event_id)
    return "queued"


# --- 2. who is offered it ------------------------------------------------------------------------------


class _Reader:
    """Registry reads for one event, each audited (the trail says a read happened, never what it found)."""

    def __init__(self, event: RegistryEvent, service_id: str, deps: ProactiveDeps) -> None:
        self.event, self.service_id, self.deps = event, service_id, deps
        self.count = 0

    def __call__(self, registry: str, iin: str) -> Mapping[str, Any] | None:
        self.count += 1
        deps, on_behalf_of = self.deps, f"proactive-{self.event.ref}"
        purpose = deps.policy.registry_purposes[registry]
        try:
            answer = deps.gateway.fetch(
                registry,
                iin,
                service_id=self.service_id,
                purpose=purpose,
                on_behalf_of=on_behalf_of,
                request_id=f"{on_behalf_of}:{registry}:{self.count}",
            )
            exchanges = answer.exchanges
        except GatewayRejected as rejected:
            answer, exchanges = None, rejected.exchanges
        deps.audit.record(
            AuditEntry.registry_read(
                at=deps.clock.now(),
                actor_role="system",
                actor_id=WORKER,
                on_behalf_of=on_behalf_of,
                purpose=purpose,
                application_id=on_behalf_of,
                registry=registry,
                exchanges=exchanges,
            )
        )
        return answer.data if answer is not None and answer.found else None


def _region(answer: Mapping[str, Any] | None) -> str | None:
    try:
        return parse_region((answer or {}).get("region"))
    except InvalidValue:
        return None


def _phone(answer: Mapping[str, Any] | None) -> str | None:
    try:
        return PhoneNumber.parse((answer or {}).get("phone")).value
    except InvalidValue:
        return None


def handle_registry_event(message: RegistryEventQueued, deps: ProactiveDeps) -> str:
    """Make the offers an event leads to. A redelivered event changes nothing (offers are keyed by the event)."""
    event = deps.store.event(str(message.event_id))
    if event is None:
        return "unknown_event"
    if event.outcome is not None:
        return f"duplicate:{event.outcome}"
    try:
        rule = deps.policy.rule(event.type)
    except UnknownEvent:
        deps.store.event_done(event.event_id, "unknown_type")
        return "unknown_type"
    now = deps.clock.now()
    on = local_date(now)
    read = _Reader(event, rule.service_id, deps)
    people = claimants(rule, event.subject_iin, {r: read(r, event.subject_iin) for r in registries_for(rule)}, on)
    eligible: list[tuple[int, Claimant, str, str | None]] = []
    for index, person in enumerate(people):
        mobile = read("mobile", person.iin)
        phone = _phone(mobile)
        if phone is None:
            continue
        if receives(read("social_payments", person.iin), rule.service_id, event.subject_iin, on):
            return _event_done(event, "already_assigned", deps)
        history = deps.intake.repo.history(person.iin, cursor=None, limit=HISTORY_READ).items
        if has_applied(history, rule.service_id, event.subject_iin):
            return _event_done(event, "already_applied", deps)
        eligible.append((index, person, phone, (mobile or {}).get("language")))
    if rule.one_offer_only:
        eligible = eligible[:1]

    subject_region: list[str | None] = []
    made = 0
    for index, person, phone, language in eligible:
        region = _region(read("address", person.iin))
        if region is None:
            if not subject_region:
                subject_region.append(_region(read("address", event.subject_iin)))
            region = subject_region[0]
        if region is None:
            continue
        offer = new_offer(
            offer_id=f"{event.ref}-{index + 1}",
            group_id=event.ref,
            rule=rule,
            claimant=person,
            subject_iin=event.subject_iin,
            phone=phone,
            language=language,
            region=region,
            now=now,
            policy=deps.policy,
        )
        offer.timer_at = next_timer(offer, deps.policy)
        settle(deps.store.add_offer(offer), deps)
        made += 1
    return _event_done(event, f"offers:{made}" if made else ("no_phone" if people else "no_claimant"), deps)


def _event_done(event: RegistryEvent, outcome: str, deps: ProactiveDeps) -> str:
    deps.store.event_done(event.event_id, outcome)
    return outcome


# --- 3. the SMS dialogue -----------------------------------------------------------------------------------


class ProactiveConversations:
    """The ConversationRouter of the proactive services: an inbound SMS goes to the offer waiting on its phone."""

    def __init__(self, deps: Callable[[], ProactiveDeps]) -> None:
        self._deps = deps

    def handle(self, phone: str, text: str, message_id: str) -> str | None:
        return answer_sms(phone, text, message_id, self._deps())


def answer_sms(phone: str, text: str, message_id: str, deps: ProactiveDeps) -> str | None:
    """Take the dialogue's step for one inbound SMS (once per message id); the text to answer, if any."""
    now, policy = deps.clock.now(), deps.policy
    waiting = conversation(deps.store.offers_on_phone(phone), now, policy)
    if waiting is None:
        return None
    reply = classify(text, policy)

    def step() -> tuple[Offer, Answer | None]:
        offer = deps.store.offer(waiting.id)
        if message_id in offer.answered:
            return offer, respond(offer, reply, message_id, now, policy)
        accounts: list[BankAccount] = []
        if needs_accounts(offer, reply, now):
            accounts = accounts_from(_account_reader(offer, deps)("bank_accounts", offer.person_iin))
        taken = claims_the_benefit(offer, reply, now) and deps.store.claim_group(offer.group_id, offer.id) != offer.id
        answer = respond(offer, reply, message_id, now, policy, accounts=accounts, claimed_by_other=taken)
        deps.store.save_offer(offer, next_timer(offer, policy))
        return offer, answer

    offer, answer = retry_on_conflict(step)
    offer = settle(offer, deps)
    return render_answer(offer, answer) if answer is not None else None


def _account_reader(offer: Offer, deps: ProactiveDeps) -> _Reader:
    event = RegistryEvent("", offer.event_type, offer.subject_iin, "", offer.id)
    return _Reader(event, offer.service_id, deps)


def _values(offer: Offer) -> dict[str, Any]:
    """What every SMS of the offer may name (never personal data)."""
    values: dict[str, Any] = {"service_id": offer.service_id}
    if offer.kind == DIGITAL_DOCUMENTS:
        values.update(application_number=offer.application_id, reply_by=reply_by(offer).isoformat())
    return values


def render_answer(offer: Offer, answer: Answer) -> str:
    """The SMS text in the offer's language, or in Kazakh and Russian (one after the other) when it is unknown."""
    values = {**_values(offer), **answer.values}
    return "\n".join(render_sms(answer.purpose, lang, template_values(None, values, lang)) for lang in offer.languages)


# --- effects -----------------------------------------------------------------------------------------------


def _update_offer(offer_id: str, change: Callable[[Offer], bool], deps: ProactiveDeps) -> Offer:
    """Apply `change` to fresh state and save it with its next timer (retried from fresh state on a race)."""

    def attempt() -> Offer:
        offer = deps.store.offer(offer_id)
        changed = change(offer)
        timer = next_timer(offer, deps.policy)
        if changed or timer != offer.timer_at:
            deps.store.save_offer(offer, timer)
        return offer

    return retry_on_conflict(attempt)


def settle(offer: Offer, deps: ProactiveDeps) -> Offer:
    """Carry out the effects the offer's last steps left (each idempotent), then forget them."""
    if not offer.pending:
        return offer
    done: list[Effect] = []
    application_id = offer.application_id
    for effect in list(offer.pending):
        application_id = _carry_out(effect, offer, application_id, deps)
        done.append(effect)

    def forget(fresh: Offer) -> bool:
        fresh.pending = [e for e in fresh.pending if e not in done]
        if application_id and not fresh.application_id:
            fresh.application_id = application_id
        return True

    return _update_offer(offer.id, forget, deps)


def _carry_out(effect: Effect, offer: Offer, application_id: str | None, deps: ProactiveDeps) -> str | None:
    """One effect of domain/proactive.py's `Effect`, each to its handler; the application's number after it (the
    application filed by `FileApplication` is the one later effects of the same settling name)."""
    match effect:
        case SendSms(purpose=purpose, occasion=occasion):
            _tell(offer, purpose, occasion, deps)
        case WriteNotice(purpose=purpose):
            _notice_only(offer, purpose, deps)
        case RecordConsent():
            deps.store.record_consent(_consent(offer, application_id))
        case CloseOthers():
            _close_others(offer, deps)
        case ReleaseGroup():
            _release_group(offer, deps)
        case FileApplication():
            application_id = _file_application(offer, deps)
            deps.store.record_consent(_consent(offer, application_id))
        case Withdraw():
            _withdraw(offer, application_id, deps)
        case FetchDocuments():
            fetch_documents(offer, deps.digital_documents)
        case DocumentsFallback():
            fall_back(offer, deps.digital_documents)
        case RevokeConsent():
            if offer.revoked_at is None or offer.revoked_message_id is None:
                raise ValueError(f"offer {offer.id} revokes a consent without a revocation")
            deps.store.revoke_consent(offer.person_iin, offer.id, offer.revoked_at, offer.revoked_message_id)
        case _:
            assert_never(effect)
    return application_id


def _consent(offer: Offer, application_id: str | None) -> ConsentRecord:
    assert offer.consent_at is not None and offer.consent_message_id is not None
    scope = CONSENT_SCOPE if offer.kind == BENEFIT else DOCUMENTS_CONSENT_SCOPE
    return ConsentRecord(
        offer.person_iin, offer.id, offer.service_id, scope, offer.consent_at, offer.consent_message_id, application_id
    )


def _claim(
    offer: Offer, key: str, purpose: str, *, language: str, values: dict[str, Any], deps: ProactiveDeps
) -> NotificationRecord:
    record, _ = deps.notifications.store.claim(
        NotificationRecord(
            key=key,
            application_id=offer.application_id,
            purpose=purpose,
            audience="applicant",
            language=language,
            values=values,
            claimed_at=deps.clock.now(),
            retryable=False,
        )
    )
    return record


def _write_notice(
    offer: Offer, key: str, purpose: str, *, values: dict[str, Any], at: datetime, deps: ProactiveDeps
) -> None:
    notice = Notice(key, offer.application_id, purpose, at, notice_texts(None, purpose, values))
    deps.notifications.store.add_notice(("person", offer.person_iin), notice)


def _tell(offer: Offer, purpose: str, occasion: str, deps: ProactiveDeps) -> None:
    """An SMS that is not an answer (offer, reminder, expiry, taken by the other parent), with its notice: at most
    once per offer and purpose (and language); not retried after a failed receipt (no application to hang it on:
    the notice stays, and the next timer or the citizen's reply goes on)."""
    values = _values(offer)
    if purpose in ("proactive_reminder", "proactive_offer_renewed"):
        values["reply_by"] = reply_by(offer).isoformat()
    key = notification_key(offer.id, purpose, occasion)
    ndeps = deps.notifications
    noticed = False
    for language in offer.languages:
        record = _claim(
            offer,
            key if len(offer.languages) == 1 else f"{key}:{language}",
            purpose,
            language=language,
            values=values,
            deps=deps,
        )
        if not noticed:
            _write_notice(offer, key, purpose, values=values, at=record.claimed_at, deps=deps)
            noticed = True
        send_once(record, offer.phone, render_sms(purpose, language, template_values(None, values, language)), ndeps)


def _notice_only(offer: Offer, purpose: str, deps: ProactiveDeps) -> None:
    """A personal-account notice of what the SMS answer told (declined, taken, expired, consent revoked)."""
    values: dict[str, Any] = {"service_id": offer.service_id}
    key = notification_key(offer.id, purpose)
    record = _claim(offer, key, purpose, language=offer.language or "ru", values=values, deps=deps)
    _write_notice(offer, key, purpose, values=values, at=record.claimed_at, deps=deps)
    if record.status is NotificationStatus.PENDING:
        deps.notifications.store.finish(key, NotificationStatus.ANSWERED, deps.clock.now())


def _close_others(offer: Offer, deps: ProactiveDeps) -> None:
    now = deps.clock.now()
    _change_others(offer, lambda other: close_taken(other, now), deps)


def _release_group(offer: Offer, deps: ProactiveDeps) -> None:
    """The claimant who took the benefit let it go before an application was filed: the others closed for that
    reason are offered it again (unless one of them has claimed it since)."""
    if not deps.store.release_group(offer.group_id, offer.id):
        return
    now = deps.clock.now()
    _change_others(offer, lambda other: reopen_taken(other, now, deps.policy), deps)


def _change_others(offer: Offer, change: Callable[[Offer], bool], deps: ProactiveDeps) -> None:
    """Apply `change` to every other offer of the same group, and carry out what it leaves to do."""
    for other_id in deps.store.group(offer.group_id):
        if other_id != offer.id:
            settle(_update_offer(other_id, change, deps), deps)


def _file_application(offer: Offer, deps: ProactiveDeps) -> str:
    if offer.application_id:
        return offer.application_id
    assert offer.iban is not None
    body = {
        "service_id": offer.service_id,
        "channel": "proactive",
        "applicant": {"iin": offer.person_iin, "phone": offer.phone, "region": offer.region},
        "subjects": [{"iin": offer.subject_iin, "relation": offer.subject_relation}],
        "bank_account": {"iban": offer.iban},
        "language": offer.language or "ru",
    }
    filed = submit_proactive(
        body,
        deps.intake,
        render=lambda app: {"id": app.id, "status": app.status.value},
        consent_key=f"proactive:{offer.id}",
        conversation=offer.events,
    )
    return filed.application.id if filed.application is not None else str(filed.response["id"])


def _withdraw(offer: Offer, application_id: str | None, deps: ProactiveDeps) -> None:
    """STOP after the application was filed: the revocation goes into its timeline, and it is withdrawn if it can be
    (a decided application stays decided: stopping a benefit already assigned is another procedure)."""
    if not application_id:
        return
    at = offer.revoked_at or deps.clock.now()

    def change(app: Application) -> None:
        if any(e.type == "proactive_consent_revoked" for e in app.timeline):
            return
        app.record(at, "proactive_consent_revoked", "citizen", offer_id=offer.id, message_id=offer.revoked_message_id)
        if not app.is_final and app.can_become(Status.WITHDRAWN):
            app.transition(Status.WITHDRAWN, at=at, actor="citizen", reason="consent_revoked")
            notify(app, "withdrawn", application_number=app.id)

    application, _ = update_application(deps.intake.repo, application_id, change)
    dispatch_outbox(deps.intake.repo, deps.publisher, application)


# --- 5. the Digital Documents question of an application -----------------------------------------------


def ask_digital_documents(message: DigitalDocumentsQuestion, deps: ProactiveDeps) -> str:
    """A `digital_documents_question` message: ask the applicant by SMS (once: the offer is keyed by the
    application). The documents are fetched only after their answer (services/digital_documents.py)."""
    application = deps.intake.repo.get(str(message.application_id))
    question = application.data.get("digital_documents") or {}
    phone = application.applicant.phone
    if question.get("state") != ASKING or application.is_final or not phone:
        return "skipped"
    offer = new_documents_request(
        offer_id=f"DD-{application.id}",
        application_id=application.id,
        service_id=application.service_id,
        person_iin=application.applicant.iin,
        phone=phone,
        language=application.language,
        region=application.applicant.region or "",
        documents=list(question["documents"]),
        now=deps.clock.now(),
        valid=deps.documents_policy.consent_valid,
    )
    offer.timer_at = next_timer(offer, deps.policy)
    settle(deps.store.add_offer(offer), deps)
    return "asked"


# --- 4. timers -----------------------------------------------------------------------------------------


def run_proactive_timers(deps: ProactiveDeps) -> dict[str, int]:
    """Take the reminders and expiries that are due. Their SMS are not sent here: each offer with something to
    send is queued on `proactive` (`offer_effects`), whose worker sends SMS; an offer whose effects a crash left
    undone stays due, so the next sweep queues it again (its effects are idempotent)."""
    now, policy = deps.clock.now(), deps.policy
    counts = {"due": 0, "reminders": 0, "expired": 0}
    queued: list[OutboxMessage] = []
    for offer_id in deps.store.due_offers(now, policy.sweep_batch):
        counts["due"] += 1
        before = deps.store.offer(offer_id)
        offer = _update_offer(offer_id, lambda fresh: on_timer(fresh, now, policy), deps)
        if offer.state is not before.state:
            counts["expired"] += 1
        elif offer.reminders_sent != before.reminders_sent:
            counts["reminders"] += 1
        if offer.pending:
            queued.append(OfferEffects(offer.id).outbox(f"effects:{offer.id}:{offer.version}"))
    if queued:
        deps.publisher.publish(queued)
    return counts


def settle_offer(message: OfferEffects, deps: ProactiveDeps) -> str:
    """An `offer_effects` message: carry out what the offer's last steps left to do."""
    try:
        offer = deps.store.offer(str(message.offer_id))
    except KeyError:
        return "unknown_offer"
    left = len(offer.pending)
    settle(offer, deps)
    return f"settled:{left}"


# --- the proactive queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProactiveQueueDeps:
    """What the proactive queue's use cases need, each built on first use (an inbound SMS with no conversation
    waiting needs no gateway)."""

    routing: Callable[[], InboundRoutingDeps]
    offers: Callable[[], ProactiveDeps]


PROACTIVE_QUEUE: Handlers[ProactiveQueueDeps] = Handlers(
    "proactive",
    {
        InboundSmsQueued: lambda message, deps: route_inbound_sms(message, deps.routing()),
        RegistryEventQueued: lambda message, deps: handle_registry_event(message, deps.offers()),
        OfferEffects: lambda message, deps: settle_offer(message, deps.offers()),
        DigitalDocumentsQuestion: lambda message, deps: ask_digital_documents(message, deps.offers()),
    },
)
"""Every message of the `proactive` queue, each to its use case (the proactive worker dispatches here)."""


def handle_proactive_message(body: Mapping[str, Any], deps: ProactiveQueueDeps) -> str:
    """One message of the proactive queue: an inbound SMS, a registry event, an offer's effects, a Digital
    Documents question. A type nobody handles raises UnknownMessageType (services/messages.py)."""
    return PROACTIVE_QUEUE.dispatch(body, deps)


# --- reading -------------------------------------------------------------------------------------------


def list_consents(store: ProactiveStore, caller: Caller) -> list[ConsentRecord]:
    """A citizen's SMS consents (and their revocations), newest first."""
    if caller.role != "citizen":
        raise ConsentsNotForRole("Consents are read by the citizen who gave them.")
    return store.consents(caller.iin)

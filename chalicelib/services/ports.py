"""Ports: what the use cases need from the outside world, as small Protocols.

Adapters implement them for AWS (chalicelib/adapters); tests implement them in memory (tests/support/fakes.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.application import Application, OutboxMessage, Status
from chalicelib.domain.assignments import Claim
from chalicelib.domain.notifications import NotificationStatus


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def application_id(self, now: datetime) -> str: ...


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a first request with an Idempotency-Key produced, kept 24 hours."""

    request_hash: str
    status: int
    response: dict[str, Any]


@dataclass(frozen=True)
class HistoryPage:
    items: list[Application]
    cursor: str | None


class ApplicationRepository(Protocol):
    def add(
        self,
        application: Application,
        *,
        idempotency_key: str | None = None,
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        """Store a new application. With an idempotency key, atomically claim it too.

        Raises DuplicateRequest (carrying the first record) when the key is already claimed.
        """
        ...

    def get(self, application_id: str) -> Application:
        """Raises ApplicationNotFound."""
        ...

    def status_of(self, application_id: str) -> Status:
        """The application's status as last saved (a strongly consistent read of the status alone).
        Raises ApplicationNotFound."""
        ...

    def idempotency_record(self, idempotency_key: str) -> IdempotencyRecord | None:
        """What the first request with this (scoped) key produced, if it is still kept."""
        ...

    def save(self, application: Application) -> None:
        """Conditional on the version read: raises ConcurrentUpdate when someone else saved first."""
        ...

    def history(self, person_iin: str, *, cursor: str | None, limit: int) -> HistoryPage: ...

    def open_application_ids(self) -> Iterator[str]:
        """Every application not yet final (a full pass: for the rare recomputation of every term)."""
        ...


class CalendarState(Protocol):
    """Which working-day calendar the stored terms were last computed on (services/calendar_changes.py)."""

    def applied_calendar(self) -> str | None: ...

    def mark_applied_calendar(self, fingerprint: str, at: datetime) -> None: ...


class AssignmentStore(Protocol):
    """The one claim per (service, subject) of domain/assignments.py, written only under a condition."""

    def get(self, service_id: str, subject_iin: str) -> Claim | None:
        """The stored claim (strongly consistent read), or None."""
        ...

    def put(self, claims: Sequence[Claim]) -> bool:
        """Write every claim or none, each conditional on its `version` (0: the record must not exist).
        False when any changed since it was read (the caller re-reads and decides again)."""
        ...

    def add_waiter(self, claim: Claim, application_id: str) -> bool:
        """Note that `application_id` waits for this claim's holder; False when the claim changed since read."""
        ...

    def release(self, service_id: str, subject_iin: str, holder: str) -> frozenset[str] | None:
        """Delete the claim if `holder` holds it: the applications that waited on it (None when not held)."""
        ...


class MessagePublisher(Protocol):
    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Send every message (batched per queue). Raises on any message not accepted."""
        ...


@dataclass(frozen=True)
class LookupRecord:
    """One registry's answer about one person for one application (never logged: `data` is personal)."""

    key: str
    registry: str
    person_ref: str
    iin: str
    status: str  # found | not_found | failed | provided
    data: dict[str, Any]
    source_system: str
    fetched_at: datetime
    on_not_found: str
    document: str | None = None
    provided_document: str | None = None


@dataclass(frozen=True)
class LookupState:
    """What a status poll shows of one lookup, kept beside the count of settled lookups (one small item per
    application, so a poll never reads the answers themselves): its key (`<registry>#<person ref>`), the status of
    the first answer kept (`found`, `not_found`, `failed`, `provided` once a document stood in) or `skipped` (a
    lookup that waited on the address and was not needed), and when the registry answered (None when skipped)."""

    key: str
    status: str
    fetched_at: datetime | None = None

    @classmethod
    def of(cls, record: LookupRecord) -> LookupState:
        return cls(record.key, record.status, record.fetched_at)


class LookupStore(Protocol):
    def record(self, application_id: str, record: LookupRecord, read: Any = None) -> LookupRecord:
        """Keep the first answer and, always, the audit record of this read (an `AuditEntry`: the same write, so a
        lookup costs no extra write for its audit trail). Returns the answer kept (the first one, on a redelivery)."""
        ...

    def mark_done(self, application_id: str, states: Sequence[LookupState], expected: int) -> tuple[int, int]:
        """Count lookups as settled (idempotent per key: a redelivery brings the same state again) and keep what
        the status poll shows of them. Returns (settled so far, expected)."""
        ...

    def states(self, application_id: str) -> list[LookupState]:
        """What the status poll shows of every settled lookup, from one item (strongly consistent read)."""
        ...

    def for_application(self, application_id: str) -> list[LookupRecord]: ...

    def provide_document(
        self,
        application_id: str,
        key: str,
        document_key: str,
        data: Mapping[str, Any] | None = None,
        source_system: str | None = None,
    ) -> None:
        """The applicant (or the agency, by a written answer, or Digital Documents on the applicant's consent)
        supplied what the registry lacked; `data`, when the document is structured, in the registry's answer shape;
        `source_system` names who vouches for it (e.g. the document and the official who read it)."""
        ...

    def document_pending(self, application_id: str, key: str, document_key: str | None) -> None:
        """An upload waits for review (`document_received`, with the document it waits on), or, with None, the
        lookup is missing again (`not_found`: the document was rejected). Never changes a `provided` lookup."""
        ...


@dataclass(frozen=True)
class StoredObject:
    """An uploaded object as the bucket holds it: its size in bytes and its first bytes (never more is read)."""

    size: int
    head: bytes


class UploadStore(Protocol):
    """The documents bucket (S3 in production)."""

    def upload_slot(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
        """A pre-signed upload (URL and form fields) for exactly this key, type and size limit."""
        ...

    def inspect(self, key: str, head_bytes: int) -> StoredObject | None:
        """Size and first bytes of an object; None when there is no such object."""
        ...

    def quarantine(self, key: str, reason: str) -> None:
        """Move an object the app does not accept out of the uploads (kept for the security team, never served)."""
        ...

    def keep(self, key: str, document_id: str) -> str:
        """Move an accepted upload where its upload slot cannot overwrite it; its new key."""
        ...

    def download_url(self, key: str, expires_in: int) -> str:
        """A short-lived GET link to an object."""
        ...


class RenderedDocuments(Protocol):
    """Printable PDFs rendered once (by the decisions worker) and served as stored, by name."""

    def get(self, name: str) -> bytes | None: ...

    def put(self, name: str, pdf: bytes) -> None: ...


class DocumentPrinter(Protocol):
    """Renders the printable documents (fpdf2 in production): only the decisions worker carries one."""

    def result_notice(self, signed_result: Mapping[str, Any], language: str) -> bytes:
        """`signed_result`: the stored signed result (`document`, and `signer`/`signed_at` of who signed it)."""
        ...

    def ticket(self, body: Mapping[str, Any], language: str) -> bytes: ...


class ResultSigner(Protocol):
    """Signs result documents with the provider's key and checks signed ones (KMS adapter in production)."""

    def sign(self, document: Mapping[str, Any]) -> Any: ...

    def verify(self, signed: Any) -> Any: ...


@dataclass(frozen=True)
class DecidedResult:
    signed: dict[str, Any] | None
    lookups: list[LookupState] | None  # the lookups' states the decision saw (None: not kept with this result)


class ResultStore(Protocol):
    def put_once(
        self, application_id: str, signed: dict[str, Any], lookups: Sequence[LookupState] = ()
    ) -> dict[str, Any]:
        """Keep the first signed result of an application, with the states of the lookups it was decided on (what
        a status poll lists once decided); give back whichever result is kept."""
        ...

    def get(self, application_id: str) -> dict[str, Any] | None: ...

    def decided(self, application_id: str) -> DecidedResult:
        """The signed result and the lookups' states kept with it, in one read."""
        ...

    def by_code(self, verification_code: str) -> dict[str, Any] | None:
        """The signed result whose document has this verification code (the printed form), if any."""
        ...


# --- deadlines: the sweep's index, the timeline events it writes, the work queues ------------------------

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.domain.application import TimelineEvent
    from chalicelib.domain.deadline_watch import WatchedApplication


@dataclass(frozen=True)
class DueEntry:
    """An application the deadlines index lists for a day, as the index projects it, and the index partition
    it was found under (moving it on is conditional on it still being there)."""

    application: WatchedApplication
    partition: str


class DeadlineIndex(Protocol):
    def swept_through(self) -> date | None:
        """The last day a sweep completed (the cursor), None before the first sweep."""
        ...

    def due_on(self, day: date) -> list[DueEntry]:
        """Every application scheduled for a check on `day` (every shard), read from the index alone."""
        ...

    def move(self, entry: DueEntry, *, check_on: date | None, risk: str | None) -> bool:
        """Schedule the next check (None: drop it from the index) and set the risk flag, in one write that
        reads nothing and leaves the version alone; only if the entry is still where it was found.
        False (and nothing changed) when it is not: a deadline change or a closing came first."""
        ...

    def record_event(self, application_id: str, event: TimelineEvent) -> bool:
        """Add an event to the application's timeline once: False if that event is already there."""
        ...

    def mark_swept(self, day: date, at: datetime) -> None:
        """Move the cursor forward to `day` (never back)."""
        ...


class TimelineEvents(Protocol):
    def events_of(self, application_id: str) -> list[TimelineEvent]:
        """Timeline events kept beside the application (e.g. the deadline sweep's), oldest first."""
        ...


@dataclass(frozen=True)
class WorkQueuePage:
    items: list[WatchedApplication]
    cursor: str | None


class WorkQueue(Protocol):
    def open_applications(
        self, queue: str, office: str, *, cursor: str | None, limit: int, waiting_for: str | None = None
    ) -> WorkQueuePage:
        """An office's open applications, soonest due date first. `queue` is `handling` (the office decides
        them) or `accepted` (the office accepted them in person); `waiting_for` keeps those waiting for that
        (domain.documents.waiting_for; a page may then hold fewer than `limit`: follow the cursor)."""
        ...


# --- notifications, SMS and signing ---------------------------------------------------------------------


class SmsRejected(Exception):
    """The SMS provider definitively refused a message (nothing was sent): it is safe to try again later.

    Any other exception from `SmsSender.send` leaves it unknown whether the SMS went out.
    """


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send one SMS now; the provider's message id. Raises SmsRejected when it was not accepted."""
        ...


@dataclass(frozen=True)
class NotificationRecord:
    """The claim of one notification (`NOTIF#<key>`): written before anything is sent, so a key sends at most once.

    `values` are the template values (never personal data); `retryable` is False for one-time codes and replies,
    whose text cannot (or must not) be rebuilt for a second delivery attempt.
    `status` is a NotificationStatus (domain/notifications.py, which says what each means).
    """

    key: str
    application_id: str | None
    purpose: str
    audience: str
    language: str
    values: dict[str, Any]
    claimed_at: datetime
    retryable: bool = True
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    provider_message_id: str | None = None
    flag: str | None = None
    sending_at: datetime | None = None


@dataclass(frozen=True)
class Notice:
    """One personal-account (or office) notice: its texts in every language, so the reader's language is served."""

    key: str
    application_id: str | None
    purpose: str
    created_at: datetime
    texts: dict[str, dict[str, str]]  # language -> {"title", "body"}


@dataclass(frozen=True)
class NoticePage:
    items: list[Notice]
    cursor: str | None


class NotificationStore(Protocol):
    def claim(self, record: NotificationRecord) -> tuple[NotificationRecord, bool]:
        """Write the claim unless the key has one: (the stored record, whether this call created it)."""
        ...

    def get(self, key: str) -> NotificationRecord | None: ...

    def start_sending(self, key: str, *, from_status: NotificationStatus, attempts: int, at: datetime) -> bool:
        """from_status -> sending, attempts + 1, only if both still hold: True for the one caller that wins."""
        ...

    def sent(self, key: str, provider_message_id: str, at: datetime) -> None:
        """Record the provider's message id (and index it, for delivery receipts)."""
        ...

    def release(self, key: str, *, to_status: NotificationStatus) -> None:
        """The provider refused a send (nothing went out): back to `to_status`, attempts - 1, to be tried again."""
        ...

    def finish(self, key: str, status: NotificationStatus, at: datetime, *, flag: str | None = None) -> None:
        """A final status; a flag also lists the notification among those the support desk looks at."""
        ...

    def key_for_provider_message(self, provider_message_id: str) -> str | None: ...

    def delivery(self, key: str, provider_message_id: str, status: str, at: datetime) -> NotificationRecord | None:
        """Record a receipt (delivered | failed) for the current send; None when it is not the current send."""
        ...

    def add_notice(self, owner: tuple[str, str], notice: Notice) -> None:
        """Store a notice for ("person", iin) or ("office", office id); storing the same key again changes nothing."""
        ...

    def notices(self, owner: tuple[str, str], *, cursor: str | None, limit: int) -> NoticePage:
        """Newest first."""
        ...


class SmsRateLimiter(Protocol):
    def take(self, phone: str, text: str, at: datetime) -> bool:
        """Count one SMS to this phone if it stays within the per-phone limits; False (nothing counted) if not."""
        ...


class DelayedPublisher(Protocol):
    def publish_later(self, message: OutboxMessage, delay_seconds: int) -> None:
        """Send one message to its queue, visible after the delay (at most 900 s)."""
        ...


@dataclass(frozen=True)
class InboundSms:
    message_id: str
    phone: str
    text: str
    received_at: str
    routed: str | None = None


class SmsInbox(Protocol):
    """What the SMS webhook received, by the provider's message id: the dedupe of webhooks and the inbound store."""

    def receive(self, message_id: str, kind: str, at: datetime, inbound: InboundSms | None = None) -> str:
        """Remember a webhook message: "new", "pending" (seen, its effect not finished) or "done"."""
        ...

    def done(self, message_id: str) -> None: ...

    def inbound(self, message_id: str) -> InboundSms | None: ...

    def mark_routed(self, message_id: str, outcome: str) -> bool:
        """Record where an inbound SMS went, once: False if it was routed before."""
        ...


class ConversationRouter(Protocol):
    """Whatever conversation waits on a phone (proactive services, account confirmation, Digital Documents consent).

    The proactive-services work implements it. `handle` may be called more than once for one message_id (queues
    deliver at least once) and must act once per message_id. It returns the text to send back, or None when no
    conversation waits on that phone or there is nothing to answer.
    """

    def handle(self, phone: str, text: str, message_id: str) -> str | None: ...


class EdsVerifier(Protocol):
    def verify(self, signed_xml: str, expected_content: bytes, allowed_iins: set[str], on: datetime) -> Any:
        """The EdsSignature (chalicelib.domain.signing) of a valid signature; SignatureRefused otherwise."""
        ...

    def verify_any(self, signed_xml: str, on: datetime) -> tuple[Any, bytes]:
        """(EdsSignature, the C14N bytes the signature covers) of a valid signature from a trusted certificate valid
        at `on`, whoever signed what; SignatureRefused otherwise."""
        ...


class RevocationChecker(Protocol):
    def status(self, certificate_der: bytes, on: datetime) -> str:
        """`good`, `revoked` or `unknown` (no revocation source answered) for a certificate on a day: the issuing
        CA's OCSP responder or CRL (adapters/revocation.py reads the CRL the certificate names)."""
        ...


# --- proactive services: registry events, offers and their SMS dialogue, consents -------------------------

if TYPE_CHECKING:
    from chalicelib.domain.proactive import Offer


@dataclass(frozen=True)
class RegistryEvent:
    """A life event from the e-government gateway (`subject_iin` is personal data: never logged).

    `ref` is this back office's own id for it (random, no personal data): offers and their SMS are keyed by it.
    """

    event_id: str
    type: str
    subject_iin: str = field(repr=False)
    occurred_at: str
    ref: str
    outcome: str | None = None


@dataclass(frozen=True)
class ConsentRecord:
    """Who consented to what, when and by which SMS, and its revocation (the legal record of an SMS consent)."""

    person_iin: str = field(repr=False)
    offer_id: str
    service_id: str
    scope: str
    given_at: datetime
    message_id: str
    application_id: str | None = None
    revoked_at: datetime | None = None
    revoked_message_id: str | None = None


class ProactiveStore(Protocol):
    def receive_event(self, event: RegistryEvent, at: datetime) -> tuple[RegistryEvent, str]:
        """Remember an event once by its event_id: (the stored event, "new" | "pending" | "done"), where "done"
        means it was queued before (`event_queued`) and "pending" that it was seen but maybe not queued."""
        ...

    def event_queued(self, event_id: str) -> None: ...

    def event(self, event_id: str) -> RegistryEvent | None: ...

    def event_done(self, event_id: str, outcome: str) -> None:
        """What handling the event led to (its offers are made): a redelivered event then changes nothing."""
        ...

    def add_offer(self, offer: Offer) -> Offer:
        """Store a new offer (and index it by phone, group and timer); an offer with that id already stored is
        given back unchanged instead."""
        ...

    def offer(self, offer_id: str) -> Offer:
        """Raises KeyError when there is no such offer."""
        ...

    def save_offer(self, offer: Offer, timer_at: datetime | None) -> None:
        """Conditional on the version read (ConcurrentUpdate otherwise); the timer index follows `timer_at`."""
        ...

    def offers_on_phone(self, phone: str) -> list[Offer]: ...

    def group(self, group_id: str) -> list[str]:
        """The ids of the offers made on one event (the claimants of one benefit)."""
        ...

    def claim_group(self, group_id: str, offer_id: str) -> str:
        """The first offer to claim the group's benefit keeps it: returns the id of the offer that holds it."""
        ...

    def release_group(self, group_id: str, offer_id: str) -> bool:
        """Give the benefit up if this offer holds it. True when nobody holds it now (released now or before)."""
        ...

    def due_offers(self, now: datetime, limit: int) -> list[str]:
        """Ids of offers whose timer is due at `now`, soonest first."""
        ...

    def record_consent(self, record: ConsentRecord) -> None:
        """Keep a consent (once per offer: a second call changes nothing but a missing application id)."""
        ...

    def revoke_consent(self, person_iin: str, offer_id: str, at: datetime, message_id: str) -> None: ...

    def consents(self, person_iin: str) -> list[ConsentRecord]:
        """A person's consents, newest first."""
        ...

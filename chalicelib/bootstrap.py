"""The one place that chooses and builds adapters: lazily, on first use, never at import.

Entrypoints ask `container()` for what a use case needs. Tests call `reset()` to drop every cached
client and adapter (e.g. after moto starts, or to change settings).
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings, get_settings, secret

if TYPE_CHECKING:
    from chalicelib.adapters.assignments import DynamoAssignmentStore
    from chalicelib.adapters.calendar_state import DynamoCalendarState
    from chalicelib.adapters.deadline_index import DynamoDeadlineIndex, DynamoWorkQueue
    from chalicelib.adapters.dynamodb import DynamoApplicationRepository
    from chalicelib.adapters.kms_signer import KmsResultSigner
    from chalicelib.adapters.lookup_store import DynamoLookupStore
    from chalicelib.adapters.rendered import S3RenderedDocuments
    from chalicelib.adapters.results import DynamoResultStore
    from chalicelib.adapters.sqs import SqsPublisher
    from chalicelib.adapters.uploads import S3UploadStore
    from chalicelib.domain.calendar import WorkingDayCalendar
    from chalicelib.domain.catalog import ServiceCatalog
    from chalicelib.services.audit import AuditLog
    from chalicelib.services.calendar_changes import CalendarChangeDeps
    from chalicelib.services.deadlines import DeadlineDeps
    from chalicelib.services.decisions import DecisionDeps
    from chalicelib.services.documents import DocumentDeps
    from chalicelib.services.eligibility import EligibilityDeps
    from chalicelib.services.intake import IntakeDeps
    from chalicelib.services.lookups import LookupDeps
    from chalicelib.services.notifications import NotificationDeps
    from chalicelib.services.official import OfficialDeps
    from chalicelib.services.ports import (
        Clock,
        ConversationRouter,
        DelayedPublisher,
        EdsVerifier,
        IdGenerator,
        NotificationStore,
        ProactiveStore,
        RevocationChecker,
        SmsInbox,
        SmsRateLimiter,
        SmsSender,
    )
    from chalicelib.services.printing import PrintingDeps
    from chalicelib.services.proactive import ProactiveDeps, ProactiveQueueDeps
    from chalicelib.services.registry_port import RegistryGateway
    from chalicelib.services.review import ReviewDeps
    from chalicelib.services.signing import SigningDeps
    from chalicelib.services.sms_inbound import InboundRoutingDeps, SmsWebhookDeps


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """A boto3 client, created on first use (moto must be active before, in tests)."""
        if service not in self._clients:
            session: Any = _boto3_session()
            self._clients[service] = session.client(
                service, region_name=self.settings.region, endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None
            )
        return self._clients[service]

    def bind_table(self) -> None:
        """Point every PynamoDB model at the configured table (a class-level setting of PynamoDB's, so it is a step
        of its own): every adapter on the table calls this before it is built. Raises ValueError when no table
        is configured; binding again to the same table does nothing."""
        from chalicelib.adapters.dynamodb import bind_models

        if not self.settings.table_name:
            raise ValueError("TABLE_NAME must be set: every adapter on the table needs it.")
        bind_models(self.settings.table_name, self.settings.region, os.environ.get("AWS_ENDPOINT_URL") or None)

    @cached_property
    def repo(self) -> DynamoApplicationRepository:
        from chalicelib.adapters.dynamodb import DynamoApplicationRepository

        self.bind_table()
        return DynamoApplicationRepository(self.settings.person_key_secret)

    @cached_property
    def lookup_store(self) -> DynamoLookupStore:
        from chalicelib.adapters.lookup_store import DynamoLookupStore

        self.bind_table()
        return DynamoLookupStore()

    @cached_property
    def calendar_state(self) -> DynamoCalendarState:
        from chalicelib.adapters.calendar_state import DynamoCalendarState

        self.bind_table()
        return DynamoCalendarState()

    def calendar_changes(self) -> CalendarChangeDeps:
        from chalicelib.services.calendar_changes import CalendarChangeDeps

        return CalendarChangeDeps(self.repo, self.calendar_state, self.publisher, self.catalog, self.calendar)

    @cached_property
    def assignments(self) -> DynamoAssignmentStore:
        from chalicelib.adapters.assignments import DynamoAssignmentStore

        self.bind_table()
        return DynamoAssignmentStore(self.settings.person_key_secret)

    @cached_property
    def results(self) -> DynamoResultStore:
        from chalicelib.adapters.results import DynamoResultStore

        self.bind_table()
        return DynamoResultStore()

    @cached_property
    def audit(self) -> AuditLog:
        from chalicelib.adapters.audit import DynamoAuditLog

        self.bind_table()
        return DynamoAuditLog()

    @cached_property
    def deadline_index(self) -> DynamoDeadlineIndex:
        from chalicelib.adapters.deadline_index import DynamoDeadlineIndex

        self.bind_table()
        return DynamoDeadlineIndex()

    @cached_property
    def work_queue(self) -> DynamoWorkQueue:
        from chalicelib.adapters.deadline_index import DynamoWorkQueue

        self.bind_table()
        return DynamoWorkQueue(self.settings.person_key_secret)

    @cached_property
    def publisher(self) -> SqsPublisher:
        from chalicelib.adapters.sqs import SqsPublisher

        return SqsPublisher(lambda: self.client("sqs"), self.settings.queue_name)

    @cached_property
    def signer(self) -> KmsResultSigner:
        from chalicelib.adapters.kms_signer import KmsResultSigner

        return KmsResultSigner(lambda: self.client("kms"), self.settings.signing_key_id)

    @cached_property
    def gateway(self) -> RegistryGateway:
        from chalicelib.adapters.gateway import GatewayClient
        from chalicelib.adapters.shep_wss import EnvelopeSigner, KmsEnvelopeSigner, PemEnvelopeSigner

        settings = self.settings
        signer: EnvelopeSigner
        if settings.gateway_signing_kms_key_id:  # the key in KMS's HSMs; else the key PEM from a secret
            signer = KmsEnvelopeSigner(
                lambda: self.client("kms"), settings.gateway_signing_kms_key_id, settings.gateway_signing_cert_pem
            )
        else:
            signer = PemEnvelopeSigner(settings.gateway_signing_key_pem, settings.gateway_signing_cert_pem)
        return GatewayClient(
            settings.gateway_url,
            settings.gateway_sender_id,
            settings.gateway_sender_password,
            signer,
            breaker_cooldown_s=self.settings.gateway_breaker_cooldown_s,
            backoff_cap_s=self.settings.gateway_backoff_cap_s,
            backoff_base_s=min(0.2, self.settings.gateway_backoff_cap_s),
        )

    @cached_property
    def clock(self) -> Clock:
        from chalicelib.adapters.system import SystemClock

        return SystemClock()

    @cached_property
    def ids(self) -> IdGenerator:
        from chalicelib.adapters.system import RandomIds

        return RandomIds()

    @cached_property
    def catalog(self) -> ServiceCatalog:
        from chalicelib.domain.catalog import load_catalog

        return load_catalog()

    @cached_property
    def calendar(self) -> WorkingDayCalendar:
        from chalicelib.domain.calendar import default_calendar

        return default_calendar()

    @cached_property
    def sms(self) -> SmsSender:
        from chalicelib.adapters.sms import SnsSmsSender
        from chalicelib.services.notifications import SmsPolicy

        policy = SmsPolicy.from_data()
        return SnsSmsSender(lambda: self.client("sns"), sender_id=policy.sender_id, sms_type=policy.sms_type)

    @cached_property
    def notification_store(self) -> NotificationStore:
        from chalicelib.adapters.notification_store import DynamoNotificationStore

        self.bind_table()
        return DynamoNotificationStore(self.settings.person_key_secret)

    @cached_property
    def sms_limiter(self) -> SmsRateLimiter:
        from chalicelib.adapters.notification_store import DynamoSmsRateLimiter
        from chalicelib.services.notifications import SmsPolicy

        self.bind_table()
        policy = SmsPolicy.from_data()
        return DynamoSmsRateLimiter(
            self.settings.person_key_secret,
            identical_per_hour=policy.identical_per_hour,
            total_per_hour=policy.total_per_hour,
        )

    @cached_property
    def sms_inbox(self) -> SmsInbox:
        from chalicelib.adapters.notification_store import DynamoSmsInbox

        self.bind_table()
        return DynamoSmsInbox()

    @cached_property
    def delayed_publisher(self) -> DelayedPublisher:
        from chalicelib.adapters.delayed_queue import SqsDelayedPublisher

        return SqsDelayedPublisher(lambda: self.client("sqs"), self.settings.queue_name)

    @cached_property
    def conversations(self) -> ConversationRouter:
        """The proactive services' SMS dialogues (an offer waiting on the phone; services/proactive.py)."""
        from chalicelib.services.proactive import ProactiveConversations

        return ProactiveConversations(self.proactive)

    @cached_property
    def proactive_store(self) -> ProactiveStore:
        from chalicelib.adapters.proactive_store import DynamoProactiveStore

        self.bind_table()
        return DynamoProactiveStore(self.settings.person_key_secret)

    @cached_property
    def trust_anchors_pem(self) -> str:
        """The CAs an EDS must chain to (an applicant's signature, an official's decision), chosen here only:
        `EDS_TRUST_STORE=nca` (dev, prod) the National Certification Centre's store in data/nca, checked
        (adapters/trust_store.py); otherwise `EDS_TRUST_ANCHORS_PEM` (the local stack's development CA, tests)."""
        store = self.settings.eds_trust_store
        if store == "nca":
            if self.settings.eds_trust_anchors_pem:
                raise ValueError("EDS_TRUST_STORE=nca takes its CAs from data/nca: unset EDS_TRUST_ANCHORS_PEM.")
            from chalicelib.adapters.trust_store import nca_trust_anchors_pem

            return nca_trust_anchors_pem()
        if store != "pem":
            raise ValueError(f"EDS_TRUST_STORE is `nca` or `pem`, not {store!r}.")
        return self.settings.eds_trust_anchors_pem

    @cached_property
    def eds_verifier(self) -> EdsVerifier:
        from chalicelib.adapters.trusted_eds import TrustedEdsVerifier

        return TrustedEdsVerifier(self.trust_anchors_pem)

    # --- dependencies of each use case -------------------------------------------------------------------

    def intake(self) -> IntakeDeps:
        from chalicelib.services.intake import IntakeDeps

        return IntakeDeps(
            self.repo,
            self.clock,
            self.ids,
            self.publisher,
            self.catalog,
            self.calendar,
            self.assignments,
            self.gateway,
            self.audit,
        )

    def lookups(self) -> LookupDeps:
        from chalicelib.services.lookups import LookupDeps

        return LookupDeps(self.gateway, self.lookup_store, self.audit, self.publisher, self.clock, self.repo)

    @cached_property
    def uploads(self) -> S3UploadStore:
        from chalicelib.adapters.uploads import S3UploadStore

        return S3UploadStore(lambda: self.client("s3"), self.settings.documents_bucket)

    @cached_property
    def rendered(self) -> S3RenderedDocuments:
        from chalicelib.adapters.rendered import S3RenderedDocuments

        return S3RenderedDocuments(lambda: self.client("s3"), self.settings.documents_bucket)

    def printing(self, *, with_printer: bool = False) -> PrintingDeps:
        """What serves the stored PDFs (the API) and, `with_printer`, renders them (the decisions worker only)."""
        from chalicelib.services.printing import PrintingDeps

        printer = None
        if with_printer:
            from chalicelib.adapters.rendered import FpdfPrinter

            printer = FpdfPrinter(self.settings.public_base_url)
        return PrintingDeps(self.rendered, self.publisher, printer)

    def documents(self) -> DocumentDeps:
        from chalicelib.services.documents import DocumentDeps

        return DocumentDeps(self.repo, self.lookup_store, self.uploads, self.publisher, self.clock)

    @cached_property
    def revocation(self) -> RevocationChecker:
        from chalicelib.adapters.revocation import CrlRevocationChecker

        return CrlRevocationChecker(self.trust_anchors_pem)

    def review(self) -> ReviewDeps:
        """An official's review of uploaded documents (services/review.py)."""
        from chalicelib.services.review import ReviewDeps

        return ReviewDeps(self.repo, self.lookup_store, self.uploads, self.publisher, self.audit, self.clock)

    def official(self) -> OfficialDeps:
        """Drafts and EDS-signed decisions of officials (services/official.py)."""
        from chalicelib.services.official import OfficialDeps

        return OfficialDeps(
            self.repo,
            self.lookup_store,
            self.results,
            self.publisher,
            self.clock,
            self.catalog,
            self.eds_verifier,
            self.revocation,
            self.audit,
            self.assignments,
        )

    def eligibility(self) -> EligibilityDeps:
        from chalicelib.services.eligibility import EligibilityDeps

        return EligibilityDeps(self.gateway, self.audit, self.clock, self.catalog)

    def deadlines(self) -> DeadlineDeps:
        from chalicelib.services.deadlines import DeadlineDeps

        return DeadlineDeps(self.deadline_index, self.publisher, self.calendar, self.repo)

    def decisions(self) -> DecisionDeps:
        from chalicelib.domain.digital_documents import DigitalDocumentsPolicy
        from chalicelib.services.decisions import DecisionDeps

        return DecisionDeps(
            self.repo,
            self.lookup_store,
            self.signer,
            self.results,
            self.publisher,
            self.clock,
            self.catalog,
            self.calendar,
            DigitalDocumentsPolicy.from_data(),
            self.assignments,
            self.printing(with_printer=True),
        )

    def notifications(self) -> NotificationDeps:
        from chalicelib.services.notifications import NotificationDeps

        return NotificationDeps(
            self.repo, self.notification_store, self.sms, self.sms_limiter, self.delayed_publisher, self.clock
        )

    def signing(self) -> SigningDeps:
        from chalicelib.services.signing import SigningDeps

        return SigningDeps(
            self.repo,
            self.clock,
            self.publisher,
            self.catalog,
            self.calendar,
            self.notifications(),
            self.eds_verifier,
            self.settings.otp_secret.encode(),
            self.assignments,
            self.gateway,
            self.audit,
        )

    def sms_webhooks(self) -> SmsWebhookDeps:
        from chalicelib.services.sms_inbound import SmsWebhookDeps

        return SmsWebhookDeps(self.sms_inbox, self.publisher, self.notifications(), self.clock)

    def proactive(self) -> ProactiveDeps:
        from chalicelib.domain.digital_documents import DigitalDocumentsPolicy
        from chalicelib.domain.proactive import DialoguePolicy
        from chalicelib.services.proactive import ProactiveDeps

        return ProactiveDeps(
            self.proactive_store,
            self.gateway,
            self.audit,
            self.publisher,
            self.intake(),
            self.notifications(),
            self.clock,
            DialoguePolicy.from_data(),
            self.lookup_store,
            DigitalDocumentsPolicy.from_data(),
        )

    def proactive_queue(self) -> ProactiveQueueDeps:
        from chalicelib.services.proactive import ProactiveQueueDeps

        return ProactiveQueueDeps(routing=self.inbound_routing, offers=self.proactive)

    def inbound_routing(self) -> InboundRoutingDeps:
        from chalicelib.services.sms_inbound import InboundRoutingDeps

        return InboundRoutingDeps(self.sms_inbox, self.conversations, self.notifications())


_container: Container | None = None
_session: Any = None


def _boto3_session() -> Any:
    """One boto3 session for the process, so each service model loads once (clients are still per container)."""
    global _session  # noqa: PLW0603
    import boto3

    if _session is None:
        _session = boto3.session.Session()
    return _session


def container() -> Container:
    global _container  # noqa: PLW0603
    if _container is None:
        _container = Container(get_settings())
    return _container


def reset() -> None:
    """Forget every built adapter and the settings (tests; a changed environment)."""
    global _container  # noqa: PLW0603
    _container = None
    get_settings.cache_clear()
    secret.cache_clear()

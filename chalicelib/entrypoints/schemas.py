"""Request and response schemas of the HTTP API, defined once; the OpenAPI document is generated from them.

Imported lazily (on first request), so pydantic stays off the cold-start path.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

Channel = Literal["portal", "state_corp", "provider_office", "akimat", "proactive"]
Language = Literal["kk", "ru", "en"]
StatusName = Literal[
    "awaiting_signature", "submitted", "checking", "awaiting_documents", "deciding", "approved", "refused", "withdrawn"
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApplicantIn(Strict):
    iin: str = Field(max_length=32, description="12-digit IIN")
    phone: str | None = Field(default=None, max_length=32, description="mobile number, +77XXXXXXXXX")
    region: str = Field(max_length=16, description="ISO 3166-2:KZ region code, e.g. KZ-AKT")


class SubjectIn(Strict):
    iin: str = Field(max_length=32)
    relation: str = Field(max_length=32, description="kind of subject the service takes, e.g. child")


class RepresentativeIn(Strict):
    iin: str = Field(max_length=32)
    power_of_attorney: str = Field(
        max_length=512,
        description="number of the notarised power of attorney; stored "
        "NFC-normalised, at most 64 characters, printable (domain/text.py)",
    )


class BankAccountIn(Strict):
    iban: str = Field(max_length=40)


class AcceptedByIn(Strict):
    office: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the operator's office; taken from the token's `org`, may only repeat it",
    )
    official: str = Field(
        min_length=1,
        max_length=512,
        description="surname and initials; stored NFC-normalised, at most 128 characters, printable (domain/text.py)",
    )


class ApplicationIn(Strict):
    service_id: str = Field(max_length=64)
    channel: Channel
    applicant: ApplicantIn
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=20)
    representative: RepresentativeIn | None = None
    bank_account: BankAccountIn | None = None
    accepted_by: AcceptedByIn | None = None
    language: Language = "ru"


class TimelineEventOut(BaseModel):
    at: datetime
    type: str
    actor: str
    detail: dict[str, Any]


class DocumentListed(BaseModel):
    document_id: str
    kind: str = Field(description="the document kind (lookup_plans.json `document`) or agency_reply:<registry>")
    state: Literal["document_received", "accepted", "rejected"]
    uploaded_at: datetime
    rejection: dict[str, Any] | None = Field(default=None, description="reason and comment, once rejected")


class ApplicationOut(BaseModel):
    id: str
    service_id: str
    channel: Channel
    status: StatusName
    created_at: datetime
    registered_at: datetime | None
    due_date: date | None
    due_date_at_state_corp: date | None = None
    language: Language
    handling_office: str
    applicant: dict[str, Any]
    subjects: list[dict[str, Any]]
    representative: dict[str, Any] | None = None
    bank_account: dict[str, Any] | None = None
    accepted_by: dict[str, Any] | None = None
    timeline: list[TimelineEventOut]
    lookups: list[dict[str, Any]] = Field(default_factory=list)
    documents: list[DocumentListed] = Field(default_factory=list, description="uploads, oldest first")
    decision: dict[str, Any] | None = None


class ApplicationSummary(BaseModel):
    id: str
    service_id: str
    service_name: str
    status: StatusName
    created_at: datetime
    registered_at: datetime | None
    due_date: date | None


class HistoryOut(BaseModel):
    items: list[ApplicationSummary]
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class TermOut(BaseModel):
    service_id: str
    channel: Channel
    registered_on: date
    term: dict[str, int | None]
    due_date: date
    due_date_at_state_corp: date | None = None


class ServiceOut(BaseModel):
    id: str
    name: dict[str, str]
    provider: dict[str, Any]
    channels: list[str]
    terms: dict[str, dict[str, int | None]]
    signing: list[str]
    required_documents: dict[str, list[str]]
    registries: list[str]
    bank_account: dict[str, Any]
    source: dict[str, str]


class ServicesOut(BaseModel):
    version: str
    services: list[ServiceOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    stage: str
    data: dict[str, str]


class FieldProblem(BaseModel):
    field: str
    code: str
    message: str


class AssignmentHeld(BaseModel):
    """The assignment or claim that stops an application (`assignment.exists`, `assignment.pending`): masked."""

    state: Literal["assigned", "pending"]
    subject: str = Field(description="The person's IIN, masked (8801****1234).")
    application: str = Field(description="The application holding it, masked.")
    period_from: str | None = None
    period_to: str | None = Field(default=None, description="None: no end date.")


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldProblem] = Field(default_factory=list)
    assignment: AssignmentHeld | None = Field(
        default=None, description="Only with `assignment.exists` / `assignment.pending`."
    )


class EligibilityIn(Strict):
    applicant: ApplicantIn
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=20)
    representative: RepresentativeIn | None = None
    bank_account: BankAccountIn | None = None
    language: Language = "ru"


class EligibilityOut(BaseModel):
    service_id: str
    checked_on: date
    would_be: Literal["approved", "refused", "needs_documents", "cannot_tell"]
    lookups: int
    missing: list[dict[str, Any]]
    decision: dict[str, Any] | None = None


class DocumentSlotIn(Strict):
    kind: str = Field(min_length=1, max_length=64, description="a document kind the application awaits")
    content_type: str = Field(max_length=64, description="application/pdf, image/jpeg or image/png")


class SignatureIn(Strict):
    """`{"method": "otp", "code": "123456"}` or `{"method": "eds", "signed_xml": "<SignedApplication ...>"}`."""

    method: Literal["otp", "eds"]
    code: str | None = Field(default=None, max_length=16, description="the code from the SMS (method otp)")
    signed_xml: str | None = Field(
        default=None,
        max_length=60000,
        description="the application's canonical content with an enveloped XMLDSig (method eds)",
    )


class OtpOut(BaseModel):
    application_id: str
    sent_to: str = Field(description="the masked mobile number the code went to")
    expires_at: datetime
    resend_after: datetime


class NoticeOut(BaseModel):
    id: str
    application_id: str | None
    purpose: str
    created_at: datetime
    title: str
    body: str


class NotificationsOut(BaseModel):
    items: list[NoticeOut]
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class WebhookAck(BaseModel):
    status: Literal["accepted", "duplicate"]


class ConsentOut(BaseModel):
    offer_id: str = Field(description="the proactive offer the consent answered")
    service_id: str
    scope: str = Field(description="what the consent allows: proactive_application (file it and ask the registries)")
    given_at: datetime
    message_id: str = Field(description="the SMS provider's id of the consenting SMS")
    application_id: str | None
    revoked_at: datetime | None
    revoked_message_id: str | None = Field(description="the SMS provider's id of the STOP message")


class ConsentsOut(BaseModel):
    items: list[ConsentOut]


class WorkQueueItem(BaseModel):
    id: str
    service_id: str
    service_name: str = Field(description="in the caller's language")
    status: StatusName
    registered_at: datetime | None
    due_date: date | None
    due_date_at_state_corp: date | None
    working_days_left: int = Field(description="negative once overdue")
    at_risk: bool
    overdue: bool
    handover_overdue: bool = Field(description="the State Corporation's result date has passed")
    waiting_for: WaitingFor | None = Field(default=None, description="who must act next")


class WaitingFor(StrEnum):
    signature = "signature"
    registries = "registries"
    applicant_documents = "applicant_documents"
    agency_reply = "agency_reply"
    document_review = "document_review"
    official_decision = "official_decision"
    parameters = "parameters"  # the TSA poverty line's inputs for the region and quarter are not loaded yet
    assignment = "assignment"  # another application for the same person is being decided


class WorkQueueOut(BaseModel):
    office: str = Field(description="the caller's office (the token's `org`)")
    as_of: date
    items: list[WorkQueueItem]
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class TicketOut(BaseModel):
    application_id: str
    service_id: str
    service_name: dict[str, str] = Field(description="kk, ru and en")
    channel: Channel
    registered_on: date
    registered_at: datetime | None
    due_date: date
    due_date_at_state_corp: date | None
    office: str = Field(description="the office that accepted it")
    handling_office: str
    accepted_by: str = Field(description="the accepting official's surname and initials")
    office_name: dict[str, str] = Field(description="the accepting office's name (kk, ru, en)")
    documents: list[str] = Field(description="the documents taken (services.json required_documents of the channel)")
    applicant_name: str | None = Field(description="from the State Database of Individuals, once answered")


class MessageLogOut(BaseModel):
    """One exchange with the e-government gateway behind a registry read (hashes, never the messages)."""

    message_id: str
    correlation_id: str
    session_id: str
    service_id: str = Field(description="the gateway service id of the registry")
    registry: str
    sent_at: datetime
    duration_ms: int
    status: str = Field(description="SCSS001, the gateway's fault code, or timeout / connection / http.<status>")
    http_status: int | None
    request_sha256: str
    response_sha256: str | None
    request_bytes: int
    response_bytes: int


class AuditEntryOut(BaseModel):
    at: datetime
    action: str
    actor_role: str
    actor_id_masked: str | None
    on_behalf_of_masked: str | None
    purpose: str
    application_id: str | None
    registry: str | None
    message_log: list[MessageLogOut] | None = Field(
        default=None, description="registry reads: the gateway exchanges behind the read (X-Road-style message log)"
    )


class AuditTrailOut(BaseModel):
    application_id: str
    entries: list[AuditEntryOut]


class UploadForm(BaseModel):
    method: Literal["POST"]
    url: str
    fields: dict[str, str] = Field(description="form fields to send with the file (pre-signed S3 POST)")


class DocumentSlotOut(BaseModel):
    kind: str
    content_type: str
    max_bytes: int
    expires_at: datetime
    upload: UploadForm


class SignedResultIn(BaseModel):
    """A result document with its signature, as `GET /applications/{id}/result` gives it: sealed with the provider's
    key (`signature_b64`, `key_id`, `algorithm`, `signed_at`), or signed by an official (`kind: official_eds`,
    `signed_xml`: the enveloped XMLDSig over the draft's `to_sign`, `draft_id`, `signed_at`)."""

    document: dict[str, Any]
    kind: Literal["official_eds"] | None = None
    signature_b64: str | None = None
    key_id: str | None = None
    algorithm: str | None = None
    signed_at: str
    signed_xml: str | None = None
    draft_id: str | None = None
    signer: dict[str, Any] | None = None


class ResultOut(SignedResultIn):
    verification_code: str = Field(description="the short code printed on the notice")


class SignerOut(BaseModel):
    kind: Literal["provider_seal", "official"]
    key_id: str | None = Field(default=None, description="the provider's key (provider_seal)")
    issuer: dict[str, Any]
    name: str | None = Field(default=None, description="the official's name from the certificate (official)")
    position: str | None = Field(default=None, description="the official's position from the certificate")
    organization: str | None = None
    iin_masked: str | None = None
    certificate_serial: str | None = None


class VerifyOut(BaseModel):
    valid: bool
    reason: Literal[
        "valid",
        "signature.mismatch",
        "signature.malformed",
        "key.unknown",
        "algorithm.unsupported",
        "document.malformed",
        "eds.malformed",
        "eds.untrusted",
        "eds.expired",
        "eds.tampered",
        "eds.algorithm_unsupported",
    ]
    signer: SignerOut | None = Field(description="who signed; only when valid")
    verification_code: str | None


class PublicResultOut(BaseModel):
    """What a code printed on a notice tells anyone: nothing but these."""

    verification_code: str
    valid: bool
    service: dict[str, Any] = Field(description="id and name (kk, ru, en)")
    outcome: Literal["approved", "refused"] | None
    decided_on: date | None
    applicant: dict[str, str] = Field(description="iin_masked only")
    signed_by: Literal["provider_seal", "official"] | None


class DocumentOut(BaseModel):
    document_id: str
    kind: str
    state: Literal["document_received", "accepted", "rejected"]
    uploaded_at: datetime
    content_type: str
    size: int = Field(description="bytes")
    review: dict[str, Any] | None = None
    download_url: str | None = Field(default=None, description="a short-lived link to the file (GET only)")
    download_expires_in: int | None = Field(default=None, description="seconds")


class ReviewIn(Strict):
    """`{"accept": true, "facts": {...}}` (the registry's answer shape; `person_iin` when the document stands for
    several people) or `{"accept": false, "reason": "...", "comment": "..."}`."""

    accept: bool
    facts: dict[str, Any] | None = None
    person_iin: str | None = Field(default=None, max_length=12)
    reason: Literal["unreadable", "wrong_document", "other_person", "expired", "incomplete"] | None = None
    comment: str | None = Field(default=None, max_length=500)


class DraftOut(BaseModel):
    draft_id: str
    decision: dict[str, Any] = Field(description="outcome, amount, period, reasons: as an automatic decision has them")
    document: dict[str, Any] = Field(description="the result document the official signs")
    to_sign: str = Field(description="the canonical XML to sign (enveloped XMLDSig)")


class DecisionIn(Strict):
    draft_id: str = Field(min_length=1, max_length=64)
    signed_xml: str = Field(min_length=1, max_length=200000)


class InboundSmsIn(BaseModel):
    message_id: str = Field(max_length=128, description="the SMS provider's id of the message")
    from_: str = Field(alias="from", max_length=32, description="the sender's number")
    text: str = Field(max_length=1600)
    received_at: str = Field(max_length=64)


class DeliveryReceiptIn(BaseModel):
    message_id: str = Field(max_length=128, description="the receipt's own id")
    provider_message_id: str = Field(max_length=128, description="the id the provider gave the SMS we sent")
    status: Literal["delivered", "failed"]


class SmsWebhookIn(RootModel[InboundSmsIn | DeliveryReceiptIn]):
    """An inbound SMS or a delivery receipt (a body with `status` or `provider_message_id` is a receipt)."""


class RegistryEventIn(BaseModel):
    event_id: str = Field(max_length=128)
    type: str = Field(
        max_length=64,
        description="a registry event that starts a proactive service "
        "(chalicelib/data/proactive.json), e.g. child_disability_established",
    )
    subject_iin: str = Field(max_length=12, description="12-digit IIN of the person the event is about")
    occurred_at: str = Field(max_length=64)

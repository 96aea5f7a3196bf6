"""Proactive services: who is offered a benefit after a registry event, and the SMS dialogue of one offer.

Pure: no AWS, no framework, no clock (instants come in). Words, limits and periods are in data/proactive.json.

One offer is one person, one phone, one subject (the child, the person cared for). Its dialogue:

    offered ──consent──> awaiting_account ──"1" (the account on file) or an IBAN in their name──> applied
       │ └──refusal──> declined
       ├──consent, but another claimant consented first──> taken_by_other
       ├──the other parent consented first──> taken_by_other      (they are told by SMS)
       │      └──that parent then let the account question expire or sent STOP──> offered again (told by SMS)
       └──no answer: one reminder, then──> expired                (so is awaiting_account, without a reminder)
    offered, awaiting_account or applied ──STOP/СТОП──> revoked  (an application not yet decided is withdrawn)

An offer of kind `digital_documents` asks an applicant whether their documents may be fetched from Digital
Documents (domain/digital_documents.py); it has no account step and no reminder:

    offered ──consent──> consented   (the wallet is read, the lookups completed)
       ├──refusal──> declined        ┐
       ├──no answer──> expired       ├ the applicant is asked to upload instead
       └──STOP/СТОП──> revoked       ┘   (STOP after consenting revokes the consent record)

Anything that is not a reply word gets the help text, and a wrong account number its own text, each at most
`limits` times; then silence (an auto-responder cannot make us send SMS without end). A closed offer still answers
a late consent for a while (declined, expired, taken: each its own text).

A step returns the SMS answer (a template purpose and its values, rendered by the caller in the offer's language,
or in Kazakh and Russian when the language is unknown) and leaves effects in `pending` (record the consent, close
the other parents' offers, file the application, withdraw it, send an SMS, write a notice). The caller saves the
offer with its effects, then carries them out: they are idempotent, so a crash repeats them and never loses them.
Each inbound message is answered once: `answered` keeps what each message id got.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from chalicelib.data import load_json
from chalicelib.domain.application import Application, Status, TimelineEvent
from chalicelib.domain.banking import Iban
from chalicelib.domain.confusables import readings
from chalicelib.domain.digits import fold_digits
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.identity import Iin
from chalicelib.domain.local_time import ALMATY

POLICY_FILE = "proactive.json"
LOCAL_TZ = ALMATY
UNKNOWN_LANGUAGE_TEXTS = ("kk", "ru")
"""The languages an SMS is sent in when the mobile-citizens database does not know the person's."""


class OfferState(StrEnum):
    OFFERED = "offered"
    AWAITING_ACCOUNT = "awaiting_account"
    APPLIED = "applied"
    DECLINED = "declined"
    EXPIRED = "expired"
    TAKEN_BY_OTHER = "taken_by_other"
    REVOKED = "revoked"
    CONSENTED = "consented"
    """A Digital Documents question answered yes (closed: the documents are fetched)."""


OPEN_STATES = frozenset({OfferState.OFFERED, OfferState.AWAITING_ACCOUNT})

CLOSED_ANSWER = {
    OfferState.DECLINED: "proactive_declined",
    OfferState.EXPIRED: "proactive_expired",
    OfferState.TAKEN_BY_OTHER: "proactive_taken_by_other_parent",
}
"""What a late consent to a closed offer is told."""


class OfferKind(StrEnum):
    """What an offer asks."""

    BENEFIT = "benefit"
    """An offer of a benefit after a registry event."""
    DIGITAL_DOCUMENTS = "digital_documents"
    """A question to an applicant: may the service fetch their documents from Digital Documents?"""


BENEFIT = OfferKind.BENEFIT
DIGITAL_DOCUMENTS = OfferKind.DIGITAL_DOCUMENTS


class ReplyKind(StrEnum):
    CONSENT = "consent"
    REFUSAL = "refusal"
    STOP = "stop"
    ACCOUNT = "account"
    OTHER = "other"


class UnknownEvent(InvalidValue):
    def __init__(self, event_type: str) -> None:
        super().__init__("event.type_unknown", f"No proactive service starts on event {event_type!r}.")


# --- policy ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRule:
    event_type: str
    service_id: str
    subject_relation: str
    claimants: tuple[str, ...]
    one_offer_only: bool
    min_claimant_age: int


@dataclass(frozen=True)
class DialoguePolicy:
    consent: Mapping[str, str]
    refusal: Mapping[str, str]
    stop: frozenset[str]
    help_replies: int
    account_replies: int
    reminders: int
    reminder_after: timedelta
    offer_valid: timedelta
    account_valid: timedelta
    closed_answers: timedelta
    sweep_batch: int
    events: Mapping[str, EventRule]
    registry_purposes: Mapping[str, str]

    @classmethod
    def from_data(cls) -> DialoguePolicy:
        data = load_json(POLICY_FILE)
        words, limits, timers = data["reply_words"], data["limits"], data["timers"]
        events = {
            name: EventRule(
                name,
                raw["service_id"],
                raw["subject_relation"],
                tuple(raw["claimants"]),
                bool(raw["one_offer_only"]),
                int(raw.get("min_claimant_age", 0)),
            )
            for name, raw in data["events"].items()
        }
        return cls(
            consent={normalize(w): lang for w, lang in words["consent"].items()},
            refusal={normalize(w): lang for w, lang in words["refusal"].items()},
            stop=frozenset(normalize(w) for w in words["stop"]),
            help_replies=int(limits["help_replies"]),
            account_replies=int(limits["account_replies"]),
            reminders=int(limits["reminders"]),
            reminder_after=timedelta(hours=int(timers["reminder_after_hours"])),
            offer_valid=timedelta(hours=int(timers["offer_valid_hours"])),
            account_valid=timedelta(hours=int(timers["account_valid_hours"])),
            closed_answers=timedelta(days=int(timers["closed_offer_answers_days"])),
            sweep_batch=int(timers["sweep_batch"]),
            events=events,
            registry_purposes=dict(data["registry_purposes"]),
        )

    def rule(self, event_type: str) -> EventRule:
        if event_type not in self.events:
            raise UnknownEvent(event_type)
        return self.events[event_type]


# --- reading a reply ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    language: str | None = None
    """The language the word is in, when it tells (ИӘ: kk, ДА: ru); None for 1/0 and everything else."""
    account: str = field(default="", repr=False)
    """The text as an account number (kind ACCOUNT): personal data, never logged."""


def normalize(text: str) -> str:
    """Letters and digits only, upper case: case, spacing and punctuation are forgiven (`иә.` is `ИӘ`); full-width
    forms are their plain letters (NFKC) and any script's decimal digits ASCII ones (`١` is `1`: free text typed on
    a phone, chalicelib/domain/digits.py)."""
    folded = fold_digits(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in folded if ch.isalnum()).upper()


def _lookup(word: str, vocabulary: Mapping[str, Any] | frozenset[str]) -> str | None:
    """The vocabulary word `word` reads as, Latin/Cyrillic look-alikes folded (`CTOП` is `СТОП`, `ИƏ` is `ИӘ`)."""
    for reading in readings(word):
        if reading in vocabulary:
            return reading
    return None


def _looks_like_account(word: str) -> bool:
    """An attempt at an account number, however mistyped: starts with KZ, or is mostly a long run of digits."""
    return (word.startswith("KZ") and len(word) > 2) or sum(c.isdigit() for c in word) >= 8


def classify(text: str, policy: DialoguePolicy) -> Reply:
    word = normalize(text)
    if _lookup(word, policy.stop) is not None:
        return Reply(ReplyKind.STOP)
    if (consent := _lookup(word, policy.consent)) is not None:
        return Reply(ReplyKind.CONSENT, policy.consent[consent] or None)
    if (refusal := _lookup(word, policy.refusal)) is not None:
        return Reply(ReplyKind.REFUSAL, policy.refusal[refusal] or None)
    if _looks_like_account(word):
        return Reply(ReplyKind.ACCOUNT, account=word)
    return Reply(ReplyKind.OTHER)


# --- bank accounts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankAccount:
    iban: str = field(repr=False)
    owner_iin: str = field(repr=False)
    opened_on: str


def accounts_from(answer: Mapping[str, Any] | None) -> list[BankAccount]:
    """The accounts of a `bank_accounts` registry answer (none when the registry has no record)."""
    if not answer:
        return []
    return [
        BankAccount(str(a.get("iban", "")), str(a.get("owner_iin", "")), str(a.get("opened_on") or ""))
        for a in answer.get("accounts") or []
    ]


def own_accounts(accounts: Iterable[BankAccount], iin: str) -> list[BankAccount]:
    """The accounts in this person's name, the most recently opened first."""
    return sorted((a for a in accounts if a.owner_iin == iin), key=lambda a: a.opened_on, reverse=True)


# --- the offer and its dialogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """An SMS to send: a template purpose (data/templates/sms.json) and its values (never personal data)."""

    purpose: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"purpose": self.purpose, "values": dict(self.values)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Answer:
        return cls(str(raw["purpose"]), dict(raw.get("values") or {}))


# --- what a step leaves to do ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Effect:
    """Something a step leaves to do once the offer is saved (services/proactive.py:settle carries it out).

    An offer keeps its effects in `pending` as text (`str(effect)`: `sms:proactive_reminder:2`, `consent`), and an
    effect equals its text, so the stored form and the value are one: `"consent" in offer.pending` holds."""

    name: ClassVar[str]

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Effect | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


@dataclass(frozen=True, eq=False)
class SendSms(_Effect):
    """An SMS that is not an answer (the offer, the reminder, the expiry, "taken by the other parent", the renewal),
    with its personal-account notice; `occasion` tells apart SMS of one purpose (the 2nd reminder, the 1st renewal)."""

    name = "sms"
    purpose: str
    occasion: str = ""

    def __str__(self) -> str:
        return ":".join(part for part in (self.name, self.purpose, self.occasion) if part)


@dataclass(frozen=True, eq=False)
class WriteNotice(_Effect):
    """A personal-account notice of what the SMS answer told (declined, taken, expired, consent revoked)."""

    name = "notice"
    purpose: str

    def __str__(self) -> str:
        return f"{self.name}:{self.purpose}"


@dataclass(frozen=True, eq=False)
class RecordConsent(_Effect):
    """The consent record (`consent_at`, `consent_message_id`) for the person's list of consents."""

    name = "consent"


@dataclass(frozen=True, eq=False)
class CloseOthers(_Effect):
    """The other claimants of the group are told the benefit was taken (close_taken)."""

    name = "close_others"


@dataclass(frozen=True, eq=False)
class ReleaseGroup(_Effect):
    """The claimant who took the benefit let it go: the others closed for that reason are offered it again."""

    name = "release_group"


@dataclass(frozen=True, eq=False)
class FileApplication(_Effect):
    """File the application with the account confirmed (then record the consent with its number)."""

    name = "apply"


@dataclass(frozen=True, eq=False)
class Withdraw(_Effect):
    """STOP after filing: the revocation goes into the application's timeline; withdrawn if it still can be."""

    name = "withdraw"


@dataclass(frozen=True, eq=False)
class FetchDocuments(_Effect):
    """Digital Documents consented: read the documents from the wallet and complete the lookups."""

    name = "fetch_documents"


@dataclass(frozen=True, eq=False)
class DocumentsFallback(_Effect):
    """Digital Documents not consented (declined, expired, STOP): ask the applicant to upload instead."""

    name = "documents_fallback"


@dataclass(frozen=True, eq=False)
class RevokeConsent(_Effect):
    """STOP after consenting: the consent record is marked revoked."""

    name = "revoke_consent"


Effect = (
    SendSms
    | WriteNotice
    | RecordConsent
    | CloseOthers
    | ReleaseGroup
    | FileApplication
    | Withdraw
    | FetchDocuments
    | DocumentsFallback
    | RevokeConsent
)
"""Every effect a step may leave (services/proactive.py has one handler for each)."""

_PLAIN: dict[str, Effect] = {
    e.name: e
    for e in (
        RecordConsent(),
        CloseOthers(),
        ReleaseGroup(),
        FileApplication(),
        Withdraw(),
        FetchDocuments(),
        DocumentsFallback(),
        RevokeConsent(),
    )
}


def parse_effect(text: str) -> Effect:
    """The effect an offer's stored `pending` text names. ValueError for a text no step leaves."""
    name, _, argument = text.partition(":")
    if name == SendSms.name and argument:
        purpose, _, occasion = argument.partition(":")
        return SendSms(purpose, occasion)
    if name == WriteNotice.name and argument:
        return WriteNotice(argument)
    if name in _PLAIN and not argument:
        return _PLAIN[name]
    raise ValueError(f"unknown proactive effect {text!r}")


def _instant(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


@dataclass
class Offer:
    id: str
    group_id: str
    event_type: str
    service_id: str
    subject_relation: str
    person_iin: str = field(repr=False)
    subject_iin: str = field(repr=False)
    kinship: str
    phone: str = field(repr=False)
    language: str | None
    region: str
    offered_at: datetime
    expires_at: datetime
    state: OfferState = OfferState.OFFERED
    reminders_sent: int = 0
    help_replies: int = 0
    account_replies: int = 0
    proposed_iban: str | None = field(default=None, repr=False)
    iban: str | None = field(default=None, repr=False)
    consent_at: datetime | None = None
    consent_message_id: str | None = None
    revoked_at: datetime | None = None
    revoked_message_id: str | None = None
    closed_at: datetime | None = None
    application_id: str | None = None
    answered: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    pending: list[Effect] = field(default_factory=list)
    """What the last steps left to do after the save (carried out and forgotten by services/proactive.py)."""
    events: list[TimelineEvent] = field(default_factory=list)
    kind: OfferKind = OfferKind.BENEFIT
    documents: list[str] = field(default_factory=list)
    """Digital Documents questions: the kinds of document asked for."""
    version: int = 0
    timer_at: datetime | None = None
    """The instant the store has this offer's timer indexed at (kept by the store, not by the dialogue)."""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def prefix(self) -> str:
        """Of its timeline events' types: `proactive_sms_received`, `digital_documents_sms_received`."""
        return "proactive" if self.kind == BENEFIT else self.kind

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language,) if self.language else UNKNOWN_LANGUAGE_TEXTS

    def record(self, at: datetime, type_: str, actor: str, **detail: Any) -> None:
        self.events.append(TimelineEvent(at, type_, actor, {"offer_id": self.id, **detail}))

    def effect(self, effect: Effect) -> None:
        """Leave `effect` to do after the save (once: an effect already pending is not added again)."""
        if effect not in self.pending:
            self.pending.append(effect)

    def close(self, state: OfferState, at: datetime) -> None:
        self.state = state
        self.closed_at = at

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in (
            "id",
            "group_id",
            "event_type",
            "service_id",
            "subject_relation",
            "person_iin",
            "subject_iin",
            "kinship",
            "phone",
            "language",
            "region",
            "reminders_sent",
            "help_replies",
            "account_replies",
            "proposed_iban",
            "iban",
            "consent_message_id",
            "revoked_message_id",
            "application_id",
        ):
            out[name] = getattr(self, name)
        for name in ("offered_at", "expires_at", "consent_at", "revoked_at", "closed_at"):
            value = getattr(self, name)
            out[name] = value.isoformat() if value else None
        out["state"] = self.state.value
        out["kind"] = self.kind.value
        out["documents"] = list(self.documents)
        out["answered"] = dict(self.answered)
        out["pending"] = [str(e) for e in self.pending]
        out["events"] = [e.to_dict() for e in self.events]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, version: int = 0, timer_at: datetime | None = None) -> Offer:
        offered_at, expires_at = _instant(raw["offered_at"]), _instant(raw["expires_at"])
        assert offered_at is not None and expires_at is not None
        return cls(
            id=raw["id"],
            group_id=raw["group_id"],
            event_type=raw["event_type"],
            service_id=raw["service_id"],
            subject_relation=raw["subject_relation"],
            person_iin=raw["person_iin"],
            subject_iin=raw["subject_iin"],
            kinship=raw["kinship"],
            phone=raw["phone"],
            language=raw.get("language"),
            region=raw["region"],
            offered_at=offered_at,
            expires_at=expires_at,
            state=OfferState(raw["state"]),
            reminders_sent=int(raw.get("reminders_sent", 0)),
            help_replies=int(raw.get("help_replies", 0)),
            account_replies=int(raw.get("account_replies", 0)),
            proposed_iban=raw.get("proposed_iban"),
            iban=raw.get("iban"),
            consent_at=_instant(raw.get("consent_at")),
            consent_message_id=raw.get("consent_message_id"),
            revoked_at=_instant(raw.get("revoked_at")),
            revoked_message_id=raw.get("revoked_message_id"),
            closed_at=_instant(raw.get("closed_at")),
            application_id=raw.get("application_id"),
            answered=dict(raw.get("answered") or {}),
            pending=[parse_effect(e) for e in raw.get("pending") or []],
            events=[TimelineEvent.from_dict(e) for e in raw.get("events") or []],
            kind=OfferKind(raw.get("kind") or BENEFIT),
            documents=list(raw.get("documents") or []),
            version=version,
            timer_at=timer_at,
        )


def new_offer(
    *,
    offer_id: str,
    group_id: str,
    rule: EventRule,
    claimant: Claimant,
    subject_iin: str,
    phone: str,
    language: str | None,
    region: str,
    now: datetime,
    policy: DialoguePolicy,
) -> Offer:
    offer = Offer(
        id=offer_id,
        group_id=group_id,
        event_type=rule.event_type,
        service_id=rule.service_id,
        subject_relation=rule.subject_relation,
        person_iin=claimant.iin,
        subject_iin=subject_iin,
        kinship=claimant.kinship,
        phone=phone,
        language=language if language in ("kk", "ru") else None,
        region=region,
        offered_at=now,
        expires_at=now + policy.offer_valid,
    )
    offer.record(
        now,
        "proactive_offer_made",
        "system",
        event_type=rule.event_type,
        kinship=claimant.kinship,
        reply_by=reply_by(offer).isoformat(),
    )
    offer.effect(SendSms("proactive_offer"))
    return offer


def new_documents_request(
    *,
    offer_id: str,
    application_id: str,
    service_id: str,
    person_iin: str,
    phone: str,
    language: str | None,
    region: str,
    documents: Sequence[str],
    now: datetime,
    valid: timedelta,
) -> Offer:
    """The Digital Documents question to an application's applicant (one per application: `offer_id` is keyed by it)."""
    offer = Offer(
        id=offer_id,
        group_id=offer_id,
        event_type=DIGITAL_DOCUMENTS,
        service_id=service_id,
        subject_relation="",
        person_iin=person_iin,
        subject_iin=person_iin,
        kinship="applicant",
        phone=phone,
        language=language if language in ("kk", "ru") else None,
        region=region,
        offered_at=now,
        expires_at=now + valid,
        application_id=application_id,
        kind=DIGITAL_DOCUMENTS,
        documents=sorted(documents),
    )
    offer.record(
        now,
        "digital_documents_consent_requested",
        "system",
        documents=offer.documents,
        reply_by=reply_by(offer).isoformat(),
    )
    offer.effect(SendSms("digital_documents_consent"))
    return offer


def reply_by(offer: Offer) -> date:
    """The last day to answer, as the citizen reads it (Asia/Almaty)."""
    return offer.expires_at.astimezone(LOCAL_TZ).date()


def needs_accounts(offer: Offer, reply: Reply, now: datetime) -> bool:
    """Whether answering this reply needs the person's accounts (from the bank_accounts registry)."""
    if offer.kind != BENEFIT:
        return False
    if offer.state is OfferState.OFFERED:
        return reply.kind is ReplyKind.CONSENT and now < offer.expires_at
    if offer.state is OfferState.AWAITING_ACCOUNT:
        return reply.kind is ReplyKind.ACCOUNT and now < offer.expires_at
    return False


def claims_the_benefit(offer: Offer, reply: Reply, now: datetime) -> bool:
    """Whether this reply is a consent that takes the benefit for this offer (the first of its group wins)."""
    return (
        offer.kind == BENEFIT
        and offer.state is OfferState.OFFERED
        and reply.kind is ReplyKind.CONSENT
        and now < offer.expires_at
    )


def respond(
    offer: Offer,
    reply: Reply,
    message_id: str,
    now: datetime,
    policy: DialoguePolicy,
    *,
    accounts: Sequence[BankAccount] = (),
    claimed_by_other: bool = False,
) -> Answer | None:
    """One inbound SMS. The same message id again gives back the first answer and changes nothing."""
    if message_id in offer.answered:
        stored = offer.answered[message_id]
        return Answer.from_dict(stored) if stored else None
    read_as = reply.kind.value
    if offer.state is OfferState.AWAITING_ACCOUNT and reply.kind is ReplyKind.CONSENT:
        read_as = "confirm_account"  # "1" (or ДА) to the account question confirms the account proposed
    offer.record(now, f"{offer.prefix}_sms_received", "citizen", message_id=message_id, reply=read_as)
    if offer.language is None and reply.language in UNKNOWN_LANGUAGE_TEXTS:
        offer.language = reply.language
    answer = _step(offer, reply, message_id, now, policy=policy, accounts=accounts, claimed_by_other=claimed_by_other)
    if answer is not None:
        offer.record(now, f"{offer.prefix}_sms_sent", "system", purpose=answer.purpose, in_reply_to=message_id)
    offer.answered[message_id] = answer.to_dict() if answer else None
    return answer


def _step(
    offer: Offer,
    reply: Reply,
    message_id: str,
    now: datetime,
    *,
    policy: DialoguePolicy,
    accounts: Sequence[BankAccount],
    claimed_by_other: bool,
) -> Answer | None:
    if reply.kind is ReplyKind.STOP:
        return _revoke(offer, message_id, now)
    if offer.kind == DIGITAL_DOCUMENTS:
        return _on_documents_question(offer, reply, message_id, now, policy)
    if offer.is_open and now >= offer.expires_at:  # the timer has not run yet: the offer is over all the same
        _expire(offer, now, tell=False)
        offer.effect(WriteNotice("proactive_expired"))
        return Answer("proactive_expired")
    if offer.state is OfferState.OFFERED:
        return _on_offer(
            offer, reply, message_id, now, policy=policy, accounts=accounts, claimed_by_other=claimed_by_other
        )
    if offer.state is OfferState.AWAITING_ACCOUNT:
        return _on_account(offer, reply, now, policy, accounts)
    if offer.state in CLOSED_ANSWER and reply.kind is ReplyKind.CONSENT and offer.help_replies < policy.help_replies:
        offer.help_replies += 1
        return Answer(CLOSED_ANSWER[offer.state])
    return None


def _help(offer: Offer, policy: DialoguePolicy, purpose: str = "proactive_help") -> Answer | None:
    if offer.help_replies >= policy.help_replies:
        return None
    offer.help_replies += 1
    return Answer(purpose)


def _on_documents_question(
    offer: Offer, reply: Reply, message_id: str, now: datetime, policy: DialoguePolicy
) -> Answer | None:
    if offer.is_open and now >= offer.expires_at:  # the timer has not run yet: too late all the same
        _expire(offer, now, tell=False)
    if not offer.is_open:
        # A late answer (declined, expired: the upload was asked for; consented: already fetched) is told once
        # per help allowance what happens now.
        if reply.kind in (ReplyKind.CONSENT, ReplyKind.REFUSAL) and offer.state is not OfferState.CONSENTED:
            return _help(offer, policy, "digital_documents_not_used")
        return None
    if reply.kind is ReplyKind.CONSENT:
        offer.close(OfferState.CONSENTED, now)
        offer.consent_at, offer.consent_message_id = now, message_id
        offer.record(
            now, "digital_documents_consent_given", "citizen", message_id=message_id, documents=offer.documents
        )
        offer.effect(RecordConsent())
        offer.effect(FetchDocuments())
        return Answer("digital_documents_consented")
    if reply.kind is ReplyKind.REFUSAL:
        return _decline(offer, message_id, now, effect=DocumentsFallback(), answer="digital_documents_not_used")
    return _help(offer, policy, "digital_documents_help")


def _decline(offer: Offer, message_id: str, now: datetime, *, effect: Effect, answer: str) -> Answer:
    offer.close(OfferState.DECLINED, now)
    offer.record(now, f"{offer.prefix}_declined", "citizen", message_id=message_id)
    offer.effect(effect)
    return Answer(answer)


def _on_offer(
    offer: Offer,
    reply: Reply,
    message_id: str,
    now: datetime,
    *,
    policy: DialoguePolicy,
    accounts: Sequence[BankAccount],
    claimed_by_other: bool,
) -> Answer | None:
    if reply.kind is ReplyKind.CONSENT:
        if claimed_by_other:
            offer.close(OfferState.TAKEN_BY_OTHER, now)
            offer.record(now, "proactive_taken_by_other", "system")
            offer.effect(WriteNotice("proactive_taken_by_other_parent"))
            return Answer("proactive_taken_by_other_parent")
        offer.state = OfferState.AWAITING_ACCOUNT
        offer.consent_at, offer.consent_message_id = now, message_id
        offer.expires_at = now + policy.account_valid
        offer.record(now, "proactive_consent_given", "citizen", message_id=message_id, service_id=offer.service_id)
        offer.effect(RecordConsent())
        offer.effect(CloseOthers())
        own = own_accounts(accounts, offer.person_iin)
        if own:
            offer.proposed_iban = own[0].iban
            return Answer("proactive_ask_account", {"masked_iban": Iban(own[0].iban).masked})
        return Answer("proactive_ask_iban")
    if reply.kind is ReplyKind.REFUSAL:
        return _decline(offer, message_id, now, effect=WriteNotice("proactive_declined"), answer="proactive_declined")
    return _help(offer, policy)


def _account_error(offer: Offer, policy: DialoguePolicy, answer: Answer) -> Answer | None:
    if offer.account_replies >= policy.account_replies:
        return None
    offer.account_replies += 1
    return answer


def _ask_again(offer: Offer) -> Answer:
    if offer.proposed_iban:
        return Answer("proactive_ask_account", {"masked_iban": Iban(offer.proposed_iban).masked})
    return Answer("proactive_ask_iban")


def _on_account(
    offer: Offer, reply: Reply, now: datetime, policy: DialoguePolicy, accounts: Sequence[BankAccount]
) -> Answer | None:
    if reply.kind is ReplyKind.CONSENT:
        if offer.proposed_iban is None:
            return _account_error(offer, policy, Answer("proactive_ask_iban"))
        _apply(offer, offer.proposed_iban, "registry", now)
        return None  # the application's own "registered" SMS is the answer
    if reply.kind is ReplyKind.ACCOUNT:
        try:
            iban = Iban.parse(reply.account)
        except InvalidValue:
            return _account_error(offer, policy, Answer("proactive_iban_invalid"))
        if iban.value not in {a.iban for a in own_accounts(accounts, offer.person_iin)}:
            return _account_error(offer, policy, Answer("proactive_iban_not_owner", {"masked_iban": iban.masked}))
        _apply(offer, iban.value, "sms", now)
        return None
    return _account_error(offer, policy, _ask_again(offer))


def _apply(offer: Offer, iban: str, source: str, now: datetime) -> None:
    offer.iban = iban
    offer.close(OfferState.APPLIED, now)
    offer.record(now, "proactive_account_confirmed", "citizen", masked_iban=Iban(iban).masked, source=source)
    offer.effect(FileApplication())


def _revoke(offer: Offer, message_id: str, now: datetime) -> Answer | None:
    if offer.state not in (*OPEN_STATES, OfferState.APPLIED, OfferState.CONSENTED):
        return None
    applied, was_open = offer.state is OfferState.APPLIED, offer.is_open
    if offer.state is OfferState.AWAITING_ACCOUNT:
        offer.effect(ReleaseGroup())
    offer.close(OfferState.REVOKED, now)
    offer.revoked_at, offer.revoked_message_id = now, message_id
    offer.record(now, f"{offer.prefix}_consent_revoked", "citizen", message_id=message_id)
    if offer.consent_at is not None:
        offer.effect(RevokeConsent())
    if applied:
        offer.effect(Withdraw())
    if offer.kind == DIGITAL_DOCUMENTS and was_open:
        offer.effect(DocumentsFallback())
    offer.effect(WriteNotice("consent_revoked"))
    return Answer("consent_revoked")


def _expire(offer: Offer, now: datetime, *, tell: bool) -> None:
    if offer.state is OfferState.AWAITING_ACCOUNT:
        offer.effect(ReleaseGroup())  # consented, never confirmed: the other claimants may take it after all
    offer.close(OfferState.EXPIRED, now)
    offer.record(now, f"{offer.prefix}_expired", "system")
    if offer.kind == DIGITAL_DOCUMENTS:  # silence: the upload is asked for, whose SMS tells what to do
        offer.effect(DocumentsFallback())
    elif tell:
        offer.effect(SendSms("proactive_expired"))


def on_timer(offer: Offer, now: datetime, policy: DialoguePolicy) -> bool:
    """The reminder or the expiry that is due now, if any (its SMS is left in `pending`). True if it changed."""
    if offer.is_open and now >= offer.expires_at:
        _expire(offer, now, tell=True)
        return True
    if (
        offer.kind == BENEFIT
        and offer.state is OfferState.OFFERED
        and offer.reminders_sent < policy.reminders
        and now >= offer.offered_at + policy.reminder_after
    ):
        offer.reminders_sent += 1
        offer.record(now, "proactive_reminder_sent", "system", reminder=offer.reminders_sent)
        offer.effect(SendSms("proactive_reminder", str(offer.reminders_sent)))
        return True
    return False


def next_timer(offer: Offer, policy: DialoguePolicy) -> datetime | None:
    """When the timers sweep must look at this offer next (None: never again)."""
    if offer.pending:
        return offer.offered_at  # effects left undone by a crash: the next sweep finishes them
    if offer.kind == BENEFIT and offer.state is OfferState.OFFERED and offer.reminders_sent < policy.reminders:
        return min(offer.offered_at + policy.reminder_after, offer.expires_at)
    if offer.is_open:
        return offer.expires_at
    return None


def close_taken(offer: Offer, now: datetime) -> bool:
    """Another claimant of the same group consented first: an offer still waiting is closed and its person told."""
    if offer.state is not OfferState.OFFERED:
        return False
    offer.close(OfferState.TAKEN_BY_OTHER, now)
    offer.record(now, "proactive_taken_by_other", "system")
    offer.effect(SendSms("proactive_taken_by_other_parent"))
    return True


def reopen_taken(offer: Offer, now: datetime, policy: DialoguePolicy) -> bool:
    """The claimant who took the benefit first let it go (no account confirmed in time, or STOP before filing): an
    offer closed for that reason is made again, with a fresh period, and its person is told by SMS."""
    if offer.state is not OfferState.TAKEN_BY_OTHER or offer.consent_at is not None:
        return False
    offer.state, offer.closed_at = OfferState.OFFERED, None
    offer.offered_at, offer.expires_at = now, now + policy.offer_valid
    offer.reminders_sent = 0
    offer.record(now, "proactive_offer_renewed", "system", reply_by=reply_by(offer).isoformat())
    renewals = sum(1 for e in offer.events if e.type == "proactive_offer_renewed")
    offer.effect(SendSms("proactive_offer_renewed", str(renewals)))
    return True


def conversation(offers: Iterable[Offer], now: datetime, policy: DialoguePolicy) -> Offer | None:
    """The offer an SMS from a phone answers: the newest open one; else the newest closed one within the window."""
    ordered = sorted(offers, key=lambda o: o.offered_at, reverse=True)
    for offer in ordered:
        if offer.is_open:
            return offer
    recent = [o for o in ordered if o.closed_at is not None and now < o.closed_at + policy.closed_answers]
    return max(recent, key=lambda o: o.closed_at or o.offered_at, default=None)


# --- who may claim -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimant:
    iin: str = field(repr=False)
    kinship: str


REGISTRY_OF_KINSHIP = {
    "mother": "civil_births",
    "father": "civil_births",
    "parent": "civil_births",
    "adult_child": "civil_births",
    "adoptive_parent": "adoption",
    "guardian": "guardianship",
    "spouse": "civil_marriages",
}


def registries_for(rule: EventRule) -> tuple[str, ...]:
    """The registries to ask about the event's subject to find who may claim (each once, in a stable order)."""
    return tuple(dict.fromkeys(REGISTRY_OF_KINSHIP[k] for k in rule.claimants))


def _valid_iin(raw: object) -> str | None:
    try:
        return Iin.parse(raw).value
    except InvalidValue:
        return None


def claimants(
    rule: EventRule, subject_iin: str, answers: Mapping[str, Mapping[str, Any] | None], on: date
) -> list[Claimant]:
    """Who may claim, in the rule's order of precedence, each person once; the subject and minors (where the rule
    has an age limit) never. `answers` are the subject's answers from `registries_for(rule)` (None: not found)."""
    found: dict[str, list[str]] = {k: [] for k in rule.claimants}

    def add(kinship: str, raw: object) -> None:
        iin = _valid_iin(raw)
        if kinship in found and iin is not None and iin != subject_iin:
            found[kinship].append(iin)

    births = answers.get("civil_births") or {}
    for parent in births.get("parents") or []:
        relation = str(parent.get("relation"))
        add(relation if "mother" in found or "father" in found else "parent", parent.get("iin"))
    children = sorted(
        (c for c in births.get("children") or [] if _valid_iin(c.get("iin"))),
        key=lambda c: Iin(str(c["iin"])).birth_date,
    )
    for child in children:
        add("adult_child", child.get("iin"))
    for iin in (answers.get("adoption") or {}).get("adoptive_parents") or []:
        add("adoptive_parent", iin)
    for iin in (answers.get("guardianship") or {}).get("guardians") or []:
        add("guardian", iin)
    marriage = answers.get("civil_marriages") or {}
    if marriage.get("married"):
        add("spouse", marriage.get("spouse_iin"))
    if found.get("adoptive_parent"):  # an adoption ends the birth parents' rights and duties
        for kinship in ("mother", "father", "parent"):
            found.pop(kinship, None)

    out: list[Claimant] = []
    seen: set[str] = set()
    for kinship in rule.claimants:
        for iin in found.get(kinship, []):
            if iin in seen or (rule.min_claimant_age and Iin(iin).age_on(on) < rule.min_claimant_age):
                continue
            seen.add(iin)
            out.append(Claimant(iin, kinship))
    return out


def receives(answer: Mapping[str, Any] | None, service_id: str, subject_iin: str, on: date) -> bool:
    """Whether a `social_payments` answer shows this benefit assigned for this subject and still running."""
    for assignment in (answer or {}).get("assignments") or []:
        if assignment.get("service_id") != service_id or assignment.get("subject_iin") != subject_iin:
            continue
        ends = assignment.get("to")
        if not ends or date.fromisoformat(str(ends)) >= on:
            return True
    return False


def has_applied(applications: Iterable[Application], service_id: str, subject_iin: str) -> bool:
    """Whether the person's History holds an application for this benefit and subject that is not closed without it.

    An unsigned draft (`awaiting_signature`) is not an application yet: anyone may start one for anybody, and it
    must not stop the state's offer (it expires, `application.UNSIGNED_DRAFT_TERM`)."""
    return any(
        app.service_id == service_id
        and any(s.iin == subject_iin for s in app.subjects)
        and app.status not in (Status.REFUSED, Status.WITHDRAWN, Status.AWAITING_SIGNATURE)
        for app in applications
    )

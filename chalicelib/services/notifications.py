"""Telling people: personal-account notices, SMS, delivery receipts and their retries, and the notices list.

The outbox (services/notify.py) queues `{"type": "notify", ...}` messages; SQS delivers them at least once, so:

- an SMS is sent **at most once** per notification key. A claim item is written before anything is sent, and only
  the caller that moves it from `pending` to `sending` (a conditional write) may send. A worker that dies between
  that write and the provider's answer leaves it `sending`: a later delivery does not send again, it marks the
  notification `unknown` and flags it. A duplicate SMS is worse than a late one: a citizen told twice that they
  were refused, or sent two codes, calls 1414; a missing SMS is covered by the notice and by the flag.
- an SMS goes only where the service passport asks for one (services.json `sms`, per filing channel): a notice that
  the personal account already shows is not repeated by SMS otherwise (`notice_only`);
- a notice is written **at least once** and keyed by the notification key (and the claim's time), so writing it
  again changes nothing: in effect exactly once.
- a failed delivery receipt sends the SMS again after each delay of `sms_policy.json` (a new attempt is again at
  most once: `failed -> sending` is conditional on the attempt count), then flags it `undelivered`; the notice
  stays in the personal account. One-time codes are never resent (a stale code is useless; the citizen asks again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.data import load_json
from chalicelib.domain.access import Caller
from chalicelib.domain.application import Application
from chalicelib.domain.catalog import load_catalog
from chalicelib.domain.errors import DomainError
from chalicelib.domain.notifications import (
    LANGUAGES,
    NotificationStatus,
    notification_key,
    render_notice,
    render_sms,
    resolve_language,
)
from chalicelib.domain.otp import OtpPolicy
from chalicelib.domain.phone import PhoneNumber
from chalicelib.services.messages import Handlers, Notify, SmsRetry
from chalicelib.services.ports import (
    ApplicationRepository,
    Clock,
    DelayedPublisher,
    Notice,
    NoticePage,
    NotificationRecord,
    NotificationStore,
    SmsRateLimiter,
    SmsRejected,
    SmsSender,
)

TERMS_FILE = "templates/notification_terms.json"
DATE_VALUES = ("due_date", "new_due_date", "reply_by", "period_from")
MAX_PAGE = 50
STALE_SENDING_SECONDS = 120
"""A claim left `sending` longer than this (the worker's timeout is 30 s) was abandoned by a worker that died."""


@dataclass(frozen=True)
class SmsPolicy:
    sender_id: str
    sms_type: str
    identical_per_hour: int
    total_per_hour: int
    retry_delays: tuple[int, ...]

    @classmethod
    def from_data(cls) -> SmsPolicy:
        data = load_json("sms_policy.json")
        return cls(
            sender_id=str(data["sender_id"]),
            sms_type=str(data["sms_type"]),
            identical_per_hour=int(data["per_phone_per_hour"]["identical"]),
            total_per_hour=int(data["per_phone_per_hour"]["total"]),
            retry_delays=tuple(int(d) for d in data["delivery_retry_delays_seconds"]),
        )


@dataclass(frozen=True)
class NotificationDeps:
    repo: ApplicationRepository
    store: NotificationStore
    sms: SmsSender
    limiter: SmsRateLimiter
    later: DelayedPublisher
    clock: Clock


class NoticesNotForRole(DomainError):
    code = "notifications.not_for_role"
    status = 403


# --- texts ---------------------------------------------------------------------------------------------


def short_term(section: str, name: str, language: str) -> str:
    """A short text for a value (a refusal's rule id, a document kind) in the language; the generic one if unknown."""
    terms: Mapping[str, Mapping[str, str]] = load_json(TERMS_FILE)[section]
    entry = terms.get(name) or terms["_generic"]
    return entry[resolve_language(language)]


def template_values(application: Application | None, values: Mapping[str, Any], language: str) -> dict[str, object]:
    """The message's values made ready for the templates of one language (no personal data comes in or goes out)."""
    out: dict[str, object] = {"service_id": application.service_id} if application is not None else {}
    out.update(values)
    for name in DATE_VALUES:
        raw = out.get(name)
        if isinstance(raw, str):
            out[name] = date.fromisoformat(raw)
    if out.get("reason") is not None:
        out["reason"] = short_term("refusal_reasons", str(out["reason"]), language)
    if out.get("document") is not None:
        out["document"] = short_term("documents", str(out["document"]), language)
    if out.get("rejection") is not None:
        out["rejection"] = short_term("document_rejections", str(out["rejection"]), language)
    return out


def notice_texts(application: Application | None, purpose: str, values: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        title, body = render_notice(purpose, language, template_values(application, values, language))
        texts[language] = {"title": title, "body": body}
    return texts


def _readers(application: Application) -> list[str]:
    people = [application.applicant.iin]
    if application.representative is not None and application.representative.iin not in people:
        people.append(application.representative.iin)
    return people


def sms_phone(application: Application, audience: str) -> str | None:
    """Where an SMS of this audience goes. The principal of a representative is reached only at their number in the
    mobile citizens database (read at filing), never at a number the representative typed."""
    if audience == "principal":
        phone = application.data.get("principal_phone")
        return phone if isinstance(phone, str) else None
    return application.applicant.phone


def _write_notices(application: Application, record: NotificationRecord, deps: NotificationDeps) -> None:
    notice = Notice(
        record.key,
        application.id,
        record.purpose,
        record.claimed_at,
        notice_texts(application, record.purpose, record.values),
    )
    if record.audience == "officials":
        deps.store.add_notice(("office", application.handling_office), notice)
        return
    if record.audience == "principal":  # told that someone filed on their behalf: the representative knows
        deps.store.add_notice(("person", application.applicant.iin), notice)
        return
    for iin in _readers(application):
        deps.store.add_notice(("person", iin), notice)


# --- sending -------------------------------------------------------------------------------------------


def _deliver(
    record: NotificationRecord,
    phone: str,
    text: str,
    deps: NotificationDeps,
    now: datetime,
    *,
    from_status: NotificationStatus,
) -> str:
    """Send one attempt, at most once: only the caller whose conditional `from_status -> sending` wins sends."""
    if not deps.store.start_sending(record.key, from_status=from_status, attempts=record.attempts, at=now):
        return "duplicate"
    if not deps.limiter.take(phone, text, now):
        deps.store.finish(record.key, NotificationStatus.RATE_LIMITED, now, flag="rate_limited")
        return "rate_limited"
    try:
        provider_message_id = deps.sms.send(phone, text)
    except SmsRejected:
        deps.store.release(record.key, to_status=from_status)
        raise
    deps.store.sent(record.key, provider_message_id, deps.clock.now())
    return "sent"


def _resume(record: NotificationRecord, now: datetime, deps: NotificationDeps) -> str | None:
    """What a redelivered message finds: None to go on sending, else the outcome (nothing is sent again)."""
    if record.status is NotificationStatus.PENDING:
        return None
    if record.status is NotificationStatus.SENDING:
        started = record.sending_at or record.claimed_at
        if (now - started).total_seconds() < STALE_SENDING_SECONDS:
            return "in_progress"
        deps.store.finish(record.key, NotificationStatus.UNKNOWN, now, flag="unknown")
        return "unknown"
    return f"duplicate:{record.status}"


def handle_notification(body: Mapping[str, Any], deps: NotificationDeps) -> str:
    """One message of the notifications queue: `notify` (from the outbox) or `sms_retry` (after a failed receipt)."""
    return NOTIFICATIONS_QUEUE.dispatch(body, deps)


def write_and_send(message: Notify, deps: NotificationDeps) -> str:
    """A `notify` message: the notices, then the SMS where the passport asks for one (at most once)."""
    now = deps.clock.now()
    application = deps.repo.get(str(message.application_id))
    audience = str(message.audience or "applicant")
    record, _ = deps.store.claim(
        NotificationRecord(
            key=str(message.message_key),
            application_id=application.id,
            purpose=str(message.purpose),
            audience=audience,
            language=application.language,
            values=dict(message.values or {}),
            claimed_at=now,
        )
    )
    _write_notices(application, record, deps)
    if audience == "officials":
        if record.status is NotificationStatus.PENDING:
            deps.store.finish(record.key, NotificationStatus.OFFICE, now)
        return "office"
    outcome = _resume(record, now, deps)
    if outcome is not None:
        return outcome
    # The principal's "filed on your behalf" is a security alert, not a passport notice: it always goes by SMS too
    if audience != "principal" and not load_catalog().get(application.service_id).sends_sms(
        application.channel, record.purpose
    ):
        # the passport asks for no SMS here: the notice tells it
        deps.store.finish(record.key, NotificationStatus.NOTICE_ONLY, now)
        return "notice_only"
    phone = sms_phone(application, audience)
    if not phone:
        deps.store.finish(record.key, NotificationStatus.NO_PHONE, now)
        return "no_phone"
    text = render_sms(record.purpose, record.language, template_values(application, record.values, record.language))
    return _deliver(record, phone, text, deps, now, from_status=NotificationStatus.PENDING)


def retry_sms(message: SmsRetry, deps: NotificationDeps) -> str:
    """An `sms_retry` message: the SMS of a notification whose delivery failed, sent again (at most once)."""
    key, attempt = str(message.notification_key), int(message.attempt)
    record = deps.store.get(key)
    if record is None or record.status is not NotificationStatus.FAILED or record.attempts != attempt - 1:
        return "duplicate"
    assert record.application_id is not None
    application = deps.repo.get(record.application_id)
    phone = sms_phone(application, record.audience)
    if not phone:
        deps.store.finish(key, NotificationStatus.UNDELIVERED, deps.clock.now(), flag="undelivered")
        return "undelivered"
    text = render_sms(record.purpose, record.language, template_values(application, record.values, record.language))
    return _deliver(record, phone, text, deps, deps.clock.now(), from_status=NotificationStatus.FAILED)


def send_one_time_code(
    application: Application, code: str, issued_at: datetime, deps: NotificationDeps, phone: PhoneNumber
) -> str:
    """The OTP SMS to the signer's registered `phone`, sent now (the caller waits for it), at most once per issued
    code; the notice says where it went.

    The code goes into the SMS and nowhere else: the claim keeps only the notice's values, and is not retryable.
    """
    minutes = int(OtpPolicy.from_data().valid_for.total_seconds() // 60)
    values: dict[str, Any] = {
        "application_number": application.id,
        "masked_phone": phone.masked,
        "valid_minutes": minutes,
    }
    now = deps.clock.now()
    key = notification_key(application.id, "otp", issued_at.strftime("%Y%m%dT%H%M%S%fZ"))
    record, _ = deps.store.claim(
        NotificationRecord(
            key=key,
            application_id=application.id,
            purpose="otp",
            audience="applicant",
            language=application.language,
            values=values,
            claimed_at=now,
            retryable=False,
        )
    )
    _write_notices(application, record, deps)
    if record.status is not NotificationStatus.PENDING:
        return f"duplicate:{record.status}"
    text = render_sms(
        "otp", application.language, {**template_values(application, values, application.language), "code": code}
    )
    return _deliver(record, phone.value, text, deps, now, from_status=NotificationStatus.PENDING)


def send_reply(message_id: str, phone: str, text: str, language: str, deps: NotificationDeps) -> str:
    """An answer to an inbound SMS, at most once per inbound message."""
    now = deps.clock.now()
    record, _ = deps.store.claim(
        NotificationRecord(
            key=f"reply:{message_id}",
            application_id=None,
            purpose="reply",
            audience="sender",
            language=language,
            values={},
            claimed_at=now,
            retryable=False,
        )
    )
    return send_once(record, phone, text, deps)


def send_once(record: NotificationRecord, phone: str, text: str, deps: NotificationDeps) -> str:
    """Send the SMS of a claimed notification (`NotificationStore.claim`) unless an earlier delivery of the same
    message did or is doing it: at most once per notification key.

    Returns `sent`, `rate_limited`, `duplicate` (another caller won the send), `in_progress` (a send started
    moments ago), `unknown` (a send abandoned by a worker that died: flagged, never repeated) or
    `duplicate:<status>` (finished before). Raises SmsRejected when the provider refused it (nothing went out:
    the claim is released, so a redelivery tries again)."""
    now = deps.clock.now()
    outcome = _resume(record, now, deps)
    if outcome is not None:
        return outcome
    return _deliver(record, phone, text, deps, now, from_status=NotificationStatus.PENDING)


NOTIFICATIONS_QUEUE: Handlers[NotificationDeps] = Handlers(
    "notifications",
    {
        Notify: write_and_send,
        SmsRetry: retry_sms,
    },
)
"""Every message of the `notifications` queue, each to its use case (the notifications worker dispatches here)."""


# --- delivery receipts ---------------------------------------------------------------------------------


def record_delivery_receipt(provider_message_id: str, status: str, deps: NotificationDeps) -> str:
    """A receipt from the provider. Failed: another attempt after the next delay, or flagged when none is left.

    Idempotent: the same receipt again finds the same state (and a retry already scheduled is deduplicated by its
    conditional start), so the webhook may be redelivered while its effect is unfinished.
    """
    key = deps.store.key_for_provider_message(provider_message_id)
    if key is None:
        return "unknown_message"
    now = deps.clock.now()
    record = deps.store.delivery(key, provider_message_id, status, now)
    if record is None:
        return "stale"
    if status == "delivered":
        return "delivered"
    delays = SmsPolicy.from_data().retry_delays
    if record.retryable and record.attempts <= len(delays):
        attempt = record.attempts + 1
        retry = SmsRetry(notification_key=key, attempt=attempt, application_id=record.application_id)
        deps.later.publish_later(retry.outbox(f"{key}:retry:{attempt}"), delays[record.attempts - 1])
        return "retry_scheduled"
    deps.store.finish(key, NotificationStatus.UNDELIVERED, now, flag="undelivered")
    return "undelivered"


# --- reading -------------------------------------------------------------------------------------------


def list_notices(store: NotificationStore, caller: Caller, *, cursor: str | None, limit: int) -> NoticePage:
    """A citizen's personal-account notices, or an official's office notices; newest first."""
    if caller.role == "citizen":
        owner = ("person", caller.iin)
    elif caller.role == "official" and caller.org:
        owner = ("office", caller.org)
    else:
        raise NoticesNotForRole("Notices are read by citizens (their own) and officials (their office's).")
    return store.notices(owner, cursor=cursor, limit=max(1, min(limit, MAX_PAGE)))

"""Notification texts (SMS and personal-account notices) from the kk/ru/en templates, and their idempotency keys.

Templates live in `data/templates/sms.json` and `data/templates/notices.json` (str.format placeholders, each
documented with its longest realistic value in the file's `_placeholders`). Rendering never guesses: a template
whose placeholder has no value is refused with `notification.missing_values`, naming what is missing.

Values are formatted on the way in: a `date` becomes `DD.MM.YYYY`; `amount` (int or Decimal) gets its digits
grouped by spaces (`1 234 567`, decimals after a comma). `{service}` (short name) and `{service_name}` (full
name, notices) are filled from `service_id` when not given.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from chalicelib.data import load_json
from chalicelib.domain.errors import DomainError, InvalidValue

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")
DEFAULT_LANGUAGE: Language = "ru"


class NotificationStatus(StrEnum):
    """Where one notification (its claim, `NOTIF#<key>`) stands. In flight: pending (claimed) -> sending -> sent ->
    delivered, or failed -> sending (a retry) -> ... Final without an SMS: the rest."""

    PENDING = "pending"
    """Claimed: nothing sent yet."""
    SENDING = "sending"
    """One caller won the send and is talking to the provider."""
    SENT = "sent"
    """The provider took it (its message id is kept, for the delivery receipt)."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """A failed delivery receipt: another attempt follows after a delay, or `undelivered`."""
    UNDELIVERED = "undelivered"
    """Every attempt failed (flagged for the support desk); the notice stays in the personal account."""
    UNKNOWN = "unknown"
    """A send abandoned by a worker that died mid-send: never repeated, flagged."""
    RATE_LIMITED = "rate_limited"
    """The phone's SMS allowance per hour was used up (flagged)."""
    NO_PHONE = "no_phone"
    """Nowhere to send it: the notice tells it."""
    NOTICE_ONLY = "notice_only"
    """The service passport asks for no SMS here: the notice tells it."""
    OFFICE = "office"
    """A notice to the officials of an office: there is no SMS."""
    ANSWERED = "answered"
    """A personal-account notice of what an SMS answer of the proactive dialogue already told the person
    (declined, taken, expired, consent revoked): the answer was its SMS."""


SMS_TEMPLATES = "templates/sms.json"
NOTICE_TEMPLATES = "templates/notices.json"

PURPOSES: tuple[str, ...] = (
    "registered",
    "withdrawn",
    "draft_expired",
    "filed_on_your_behalf",
    "otp",
    "documents_needed",
    "document_rejected",
    "official_decision_required",
    "written_request_sent",
    "due_date_changed",
    "approved",
    "approved_open_ended",
    "approved_no_payment",
    "refused",
    "overdue",
    "proactive_offer",
    "proactive_help",
    "proactive_ask_account",
    "proactive_ask_iban",
    "proactive_iban_invalid",
    "proactive_iban_not_owner",
    "proactive_declined",
    "proactive_expired",
    "proactive_reminder",
    "proactive_taken_by_other_parent",
    "proactive_offer_renewed",
    "consent_revoked",
    "digital_documents_consent",
    "digital_documents_consented",
    "digital_documents_not_used",
    "digital_documents_help",
)

REPEATABLE_PURPOSES: Mapping[str, str] = {
    "otp": "the code's issue instant (each new code is a new SMS)",
    "documents_needed": "the document kind",
    "document_rejected": "the document id",
    "official_decision_required": "why, and the timeline position it was asked at",
    "due_date_changed": "the new due date",
    "digital_documents_help": "the inbound message id being answered",
    "digital_documents_not_used": "the inbound message id being answered",
    "overdue": "the sweep day or escalation step",
    "proactive_reminder": "the reminder number",
    "proactive_offer_renewed": "the renewal number",
    "proactive_help": "the inbound message id being answered",
    "proactive_ask_account": "the inbound message id being answered (or the IBAN's masked form)",
    "proactive_iban_invalid": "the inbound message id being answered",
    "proactive_iban_not_owner": "the inbound message id being answered",
}
"""Purposes sent more than once per application or conversation, and what tells one sending from the next."""


class MissingTemplateValues(DomainError):
    """A template needs values the caller did not give: a bug in the caller, never the citizen's fault."""

    code = "notification.missing_values"
    status = 500


def resolve_language(language: str | None) -> Language:
    """`kk`, `ru` or `en` (a region suffix such as `kk-KZ` is ignored); anything else falls back to Russian."""
    if language:
        primary = language.strip().lower().replace("_", "-").split("-", 1)[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def placeholders(template: str) -> frozenset[str]:
    """The placeholder names a template uses. Only plain names are allowed (no `{a.b}`, `{a[0]}`, `{a!r}`)."""
    names: set[str] = set()
    for _literal, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"Template placeholder {{{name}}} must be a plain name.")
        names.add(name)
    return frozenset(names)


def format_amount(amount: int | Decimal) -> str:
    """`1234567` -> `1 234 567`; `Decimal("1234.5")` -> `1 234,50` (Kazakh/Russian style)."""
    value = Decimal(amount)
    if value == value.to_integral_value():
        return f"{int(value):,}".replace(",", " ")
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def _format_value(name: str, value: object) -> str:
    if isinstance(value, datetime):
        raise TypeError(f"Value {name!r} must be a date (an instant has no day without a time zone).")
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if name == "amount" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return format_amount(value)
    return str(value)


def _purpose_templates(file: str, purpose: str) -> Mapping[str, Any]:
    templates: Mapping[str, Mapping[str, Any]] = load_json(file)["templates"]
    if purpose not in templates:
        raise InvalidValue("notification.unknown_purpose", f"No {file} template for purpose {purpose!r}.")
    return templates[purpose]


def _template_for(templates: Mapping[str, Any], language: str) -> tuple[Language, Any]:
    lang = resolve_language(language)
    if lang in templates:
        return lang, templates[lang]
    return DEFAULT_LANGUAGE, templates[DEFAULT_LANGUAGE]


def short_service_name(service_id: str, language: str) -> str:
    names: Mapping[str, Mapping[str, str]] = load_json(SMS_TEMPLATES)["short_names"]
    if service_id not in names:
        raise InvalidValue("notification.unknown_service", f"No short name for service {service_id!r}.")
    return names[service_id][resolve_language(language)]


def full_service_name(service_id: str, language: str) -> str:
    for service in load_json("services.json")["services"]:
        if service["id"] == service_id:
            return str(service["name"][resolve_language(language)])
    raise InvalidValue("notification.unknown_service", f"No service {service_id!r} in the catalog.")


def _fill(
    purpose: str, language: Language, templates: tuple[str, ...], values: Mapping[str, object]
) -> tuple[str, ...]:
    needed: set[str] = set()
    for template in templates:
        needed |= placeholders(template)
    given = dict(values)
    service_id = given.get("service_id")
    if isinstance(service_id, str):
        if "service" in needed and "service" not in given:
            given["service"] = short_service_name(service_id, language)
        if "service_name" in needed and "service_name" not in given:
            given["service_name"] = full_service_name(service_id, language)
    missing = sorted(name for name in needed if given.get(name) is None)
    if missing:
        raise MissingTemplateValues(
            f"Template {purpose!r} ({language}) needs values for: {', '.join(missing)}.",
        )
    formatted = {name: _format_value(name, given[name]) for name in needed}
    return tuple(template.format_map(formatted) for template in templates)


def render_sms(purpose: str, language: str, values: Mapping[str, object]) -> str:
    """The SMS text for a purpose in the citizen's language (unknown language: Russian)."""
    lang, template = _template_for(_purpose_templates(SMS_TEMPLATES, purpose), language)
    (text,) = _fill(purpose, lang, (str(template),), values)
    return text


def render_notice(purpose: str, language: str, values: Mapping[str, object]) -> tuple[str, str]:
    """The personal-account notice for a purpose: (title, body)."""
    lang, template = _template_for(_purpose_templates(NOTICE_TEMPLATES, purpose), language)
    title, body = _fill(purpose, lang, (str(template["title"]), str(template["body"])), values)
    return title, body


def notification_key(subject_id: str, purpose: str, extra: str = "") -> str:
    """The idempotency key of one notification: `<subject_id>:<purpose>` or `<subject_id>:<purpose>:<extra>`.

    `subject_id` is the application id, or the proactive conversation id before an application exists. The outbox
    sends a key at most once (SMS and notice alike), so "each at most once per purpose" holds across retries and
    redeliveries. Purposes that legitimately recur for the same subject (REPEATABLE_PURPOSES) must say which
    occurrence this is in `extra`; the key is stored and may be logged, so neither part may carry personal data
    (no IIN, phone number or IBAN).
    """
    if purpose not in PURPOSES:
        raise InvalidValue("notification.unknown_purpose", f"Unknown notification purpose {purpose!r}.")
    if not subject_id or ":" in subject_id:
        raise InvalidValue("notification.key", "A notification subject id is non-empty and has no ':'.")
    if not extra:
        if purpose in REPEATABLE_PURPOSES:
            raise InvalidValue(
                "notification.key",
                f"Purpose {purpose!r} recurs: pass {REPEATABLE_PURPOSES[purpose]} as `extra`.",
            )
        return f"{subject_id}:{purpose}"
    return f"{subject_id}:{purpose}:{extra}"

"""The SMS provider's webhook: delivery receipts and inbound SMS (the citizens' answers).

Like GOV.UK Notify's inbound handler: authenticate (the entrypoint checks the HMAC), store, queue, acknowledge. The
webhook does no routing itself, so the provider gets its 200 at once; the `proactive` queue carries only the
message id (the text, which may hold an IBAN, stays in the table) to `route_inbound_sms`, which hands it to
whatever conversation waits on that phone (ConversationRouter). With no conversation waiting, nothing is answered:
the message is kept, marked `no_conversation`, and the citizen gets no SMS back (an unsolicited "we did not
understand" to a number we never wrote to would be spam, and could be turned into an SMS flood).

Every webhook message is remembered by its `message_id`: a message seen and handled before answers 200 and does
nothing; one seen whose handling did not finish (a crash, a queue outage) is handled again, which is safe
because every effect is idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import FieldError, InvalidValue, ValidationFailed, required_text
from chalicelib.domain.phone import PhoneNumber
from chalicelib.services.messages import InboundSmsQueued
from chalicelib.services.notifications import NotificationDeps, record_delivery_receipt, send_reply
from chalicelib.services.ports import Clock, ConversationRouter, InboundSms, MessagePublisher, SmsInbox

RECEIPT_STATUSES = ("delivered", "failed")
MAX_ID = 128
MAX_TEXT = 1600


@dataclass(frozen=True)
class SmsWebhookDeps:
    inbox: SmsInbox
    publisher: MessagePublisher
    notifications: NotificationDeps
    clock: Clock


@dataclass(frozen=True)
class InboundRoutingDeps:
    inbox: SmsInbox
    router: ConversationRouter
    notifications: NotificationDeps


class NoConversationWaiting:
    """The ConversationRouter until the proactive-services work provides one: no conversation waits on any phone."""

    def handle(self, phone: str, text: str, message_id: str) -> str | None:
        return None


def _sender(raw: str) -> str:
    """The sender in E.164 when it is a Kazakh mobile number (as applications store it); as sent otherwise."""
    try:
        return PhoneNumber.parse(raw).value
    except InvalidValue:
        return raw


def receive_sms_webhook(payload: Mapping[str, Any], deps: SmsWebhookDeps) -> str:
    """Record a receipt or store and queue an inbound SMS. Returns what happened (for the log)."""
    errors: list[FieldError] = []
    message_id = required_text(payload, "message_id", MAX_ID, errors)
    is_receipt = "status" in payload or "provider_message_id" in payload
    if is_receipt:
        provider_message_id = required_text(payload, "provider_message_id", MAX_ID, errors)
        status = payload.get("status")
        if status not in RECEIPT_STATUSES:
            errors.append(FieldError("status", "field.not_allowed", "`status` is delivered or failed."))
    else:
        sender = required_text(payload, "from", 32, errors)
        text = required_text(payload, "text", MAX_TEXT, errors, keep_spaces=True)
        received_at = required_text(payload, "received_at", 64, errors)
    if errors:
        raise ValidationFailed(errors)

    now = deps.clock.now()
    if is_receipt:
        seen = deps.inbox.receive(message_id, "receipt", now)
        if seen == "done":
            return "duplicate"
        outcome = record_delivery_receipt(provider_message_id, str(status), deps.notifications)
    else:
        seen = deps.inbox.receive(
            message_id, "inbound", now, InboundSms(message_id, _sender(sender), text, received_at)
        )
        if seen == "done":
            return "duplicate"
        deps.publisher.publish([InboundSmsQueued(message_id).outbox(f"inbound:{message_id}")])
        outcome = "queued"
    deps.inbox.done(message_id)
    return outcome


def route_inbound_sms(message: InboundSmsQueued, deps: InboundRoutingDeps) -> str:
    """Hand one stored inbound SMS to the conversation waiting on its phone, and send its reply (at most once)."""
    message_id = message.message_id
    inbound = deps.inbox.inbound(message_id)
    if inbound is None:
        return "unknown_message"
    if inbound.routed is not None:
        return f"duplicate:{inbound.routed}"
    reply = deps.router.handle(inbound.phone, inbound.text, message_id)
    if reply is None:
        outcome = "no_conversation"
    else:
        outcome = "replied:" + send_reply(message_id, inbound.phone, reply, "ru", deps.notifications)
    deps.inbox.mark_routed(message_id, outcome)
    return outcome

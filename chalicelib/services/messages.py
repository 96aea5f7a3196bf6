"""The messages of the `notifications` and `proactive` queues as small values, and how each queue hands them on.

A message is a frozen dataclass whose `type` names it on the wire; its JSON body is `{"type": ..., **fields}` (the
publishers add `message_key`, the outbox key that makes a resend harmless). Each queue has one table, `Handlers`,
from message class to use case: the notifications queue's is in services/notifications.py, the proactive queue's
in services/proactive.py; the workers (entrypoints/workers.py) only call `dispatch` through them. A type nobody
handles raises `UnknownMessageType`: the message fails and, after 5 receives, waits in the queue's DLQ.

Queue bodies are read by `from_body`, which keeps the fields the message names and ignores the rest (the
`message_key`, or a field an older publisher added), so a message already queued when a field is added still reads.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Generic, TypeVar

from chalicelib.domain.application import OutboxMessage

D = TypeVar("D")
M = TypeVar("M", bound="Message")


class UnknownMessageType(ValueError):
    """A queue message this worker does not handle: it fails, so it ends in the DLQ rather than vanishing."""


@dataclass(frozen=True)
class Message:
    type: ClassVar[str]
    queue: ClassVar[str]

    def body(self) -> dict[str, Any]:
        """The JSON body as published (without `message_key`, which the publisher adds)."""
        out: dict[str, Any] = {"type": self.type}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None or not f.metadata.get("omit_none"):
                out[f.name] = value
        return out

    def outbox(self, key: str) -> OutboxMessage:
        """This message to publish under `key` (keyed: a resend is harmless)."""
        return OutboxMessage(self.queue, key, self.body())

    @classmethod
    def from_body(cls: builtins.type[M], body: Mapping[str, Any]) -> M:
        """The message a queue body holds. KeyError when a field it needs is missing."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in body:
                values[f.name] = body[f.name]
            elif f.metadata.get("required", True):
                raise KeyError(f.name)
        return cls(**values)


def _optional(default: Any = None, *, omit_none: bool = False) -> Any:
    return field(default=default, metadata={"required": False, "omit_none": omit_none})


# --- the notifications queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Notify(Message):
    """A notice to write (personal account or office) and, where the passport asks, an SMS (services/notify.py)."""

    type = "notify"
    queue = "notifications"
    purpose: str
    application_id: str
    audience: str = _optional("applicant")
    """applicant, principal (told someone filed on their behalf) or officials."""
    values: dict[str, Any] = field(default_factory=dict, metadata={"required": False})
    """The template values (never personal data)."""
    office: str | None = _optional(omit_none=True)
    """The office told (the deadline sweep's notices to officials name it; the worker reads it from the
    application)."""
    message_key: str = field(default="", metadata={"required": True})
    """The outbox key it was published under, which is the notification's key: read from the body (the publisher
    adds it), never written into it."""

    def body(self) -> dict[str, Any]:
        out = super().body()
        out.pop("message_key", None)
        return out


@dataclass(frozen=True)
class SmsRetry(Message):
    """Send a notification's SMS again after a failed delivery receipt (attempt `attempt`)."""

    type = "sms_retry"
    queue = "notifications"
    notification_key: str
    attempt: int
    application_id: str | None = _optional()


# --- the proactive queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundSmsQueued(Message):
    """An inbound SMS stored by the webhook, to route to the conversation waiting on its phone (only the id
    travels: the text, which may hold an IBAN, stays in the table)."""

    type = "inbound_sms"
    queue = "proactive"
    message_id: str


@dataclass(frozen=True)
class RegistryEventQueued(Message):
    """A registry life event remembered by the webhook, to make the offers it leads to."""

    type = "registry_event"
    queue = "proactive"
    event_id: str


@dataclass(frozen=True)
class OfferEffects(Message):
    """An offer the timers changed: carry out what its step left to do (the reminder's or expiry's SMS)."""

    type = "offer_effects"
    queue = "proactive"
    offer_id: str


@dataclass(frozen=True)
class DigitalDocumentsQuestion(Message):
    """Ask an application's applicant by SMS whether their documents may be read from Digital Documents."""

    type = "digital_documents_question"
    queue = "proactive"
    application_id: str


# --- one table per queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handlers(Generic[D]):
    """One queue's table: message class -> the use case that handles it (given the message and the queue's deps)."""

    queue: str
    table: Mapping[type[Message], Callable[[Any, D], str]]

    def dispatch(self, body: Mapping[str, Any], deps: D) -> str:
        """Hand one queue body to its use case; its outcome (for the log)."""
        kind = body.get("type")
        for message_class, handle in self.table.items():
            if message_class.type == kind:
                return handle(message_class.from_body(body), deps)
        raise UnknownMessageType(f"{self.queue} cannot handle message type {kind!r}")

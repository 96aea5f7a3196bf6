"""The port to the state registries behind the e-government gateway (ШЭП), and what it answers or raises.

Pure: the SOAP client that satisfies it (SyncChannel v10 `SendMessage`) lives in chalicelib/adapters/gateway.py.
A lookup use case tells the two failures apart: `RegistryUnavailable` is worth another try later (the SQS message is
left to be redelivered), `GatewayRejected` will fail the same way every time (the request itself is wrong).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

AnswerStatus = Literal["found", "not_found"]


@dataclass(frozen=True)
class Exchange:
    """One SOAP exchange with the gateway, as a message log (X-Road style) keeps it: ids, service, time, outcome and
    SHA-256 hashes of the exact bytes sent and received. Never any personal data: the messages themselves (which
    carry the IIN and the registry's record) are not kept, only their hashes.

    `status` is the gateway's status code (`SCSS001`), its fault code (`PROVIDER_UNAVAILABLE`...), or what went
    wrong on the way (`timeout`, `connection`, `http.503`). `duration_ms` is the wall time of the HTTP exchange.
    """

    message_id: str
    correlation_id: str
    session_id: str
    service_id: str
    registry: str
    sent_at: datetime
    duration_ms: int
    status: str
    http_status: int | None
    request_sha256: str
    response_sha256: str | None
    request_bytes: int
    response_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "session_id": self.session_id,
            "service_id": self.service_id,
            "registry": self.registry,
            "sent_at": self.sent_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "duration_ms": self.duration_ms,
            "status": self.status,
            "http_status": self.http_status,
            "request_sha256": self.request_sha256,
            "response_sha256": self.response_sha256,
            "request_bytes": self.request_bytes,
            "response_bytes": self.response_bytes,
        }


@dataclass(frozen=True)
class GatewayAnswer:
    """A registry's answer about one person. `data` holds personal data: never log it."""

    registry: str
    status: AnswerStatus
    data: dict[str, Any] = field(repr=False)
    source_system: str
    fetched_at: datetime
    request_id: str
    exchanges: tuple[Exchange, ...] = field(default=(), repr=False, compare=False)

    @property
    def found(self) -> bool:
        return self.status == "found"


class GatewayError(Exception):
    """Base of what a registry lookup raises on purpose."""

    def __init__(self, registry: str, message: str) -> None:
        super().__init__(message)
        self.registry = registry
        self.exchanges: tuple[Exchange, ...] = ()  # the message log of the attempts that led here


class RegistryUnavailable(GatewayError):
    """Transient: the registry did not answer (after the retries), or its circuit breaker is open.

    `reason` is a short stable word: `timeout`, `connection`, `unavailable`, `throttled`, `bad_gateway`,
    `gateway_timeout`, `circuit_open`, or the gateway's transient fault code (`PROVIDER_UNAVAILABLE`,
    `PROVIDER_TIMEOUT`: chalicelib/data/gateway_services.json).
    """

    def __init__(self, registry: str, reason: str) -> None:
        super().__init__(registry, f"registry {registry} unavailable: {reason}")
        self.reason = reason


class GatewayRejected(GatewayError):
    """Permanent: the gateway refused the request or answered something this client cannot read.

    `status` is the HTTP status (0 when no HTTP answer came back); `code` is the gateway's fault code
    (`SIGNATURE_INVALID`, `SERVICE_NOT_FOUND`...), the registry's own code under it where it gave one
    (`iin.checksum`...), a non-success status code of the answer, this client's `answer.malformed` /
    `answer.mismatch` / `registry.no_service_id`, or `http.<status>`.
    """

    def __init__(self, registry: str, status: int, code: str) -> None:
        super().__init__(registry, f"registry {registry} rejected the request: {status} {code}")
        self.status = status
        self.code = code


class RegistryGateway(Protocol):
    def fetch(
        self, registry: str, iin: str, *, service_id: str, purpose: str, on_behalf_of: str, request_id: str
    ) -> GatewayAnswer:
        """Ask one registry about one person.

        Returns a found or not_found answer. Raises RegistryUnavailable (transient) or GatewayRejected
        (permanent). The same `request_id` may be sent more than once (retries): the lookup is a read.
        """
        ...

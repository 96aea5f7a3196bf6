"""The port to the state registries behind the e-government gateway, and what it answers or raises.

Pure: the HTTP client that satisfies it lives in chalicelib/adapters/gateway.py. A lookup use case
tells the two failures apart: `RegistryUnavailable` is worth another try later (the SQS message is left
to be redelivered), `GatewayRejected` will fail the same way every time (the request itself is wrong).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

AnswerStatus = Literal["found", "not_found"]


@dataclass(frozen=True)
class GatewayAnswer:
    """A registry's answer about one person. `data` holds personal data: never log it."""

    registry: str
    status: AnswerStatus
    data: dict[str, Any] = field(repr=False)
    source_system: str
    fetched_at: datetime
    request_id: str

    @property
    def found(self) -> bool:
        return self.status == "found"


class GatewayError(Exception):
    """Base of what a registry lookup raises on purpose."""

    def __init__(self, registry: str, message: str) -> None:
        super().__init__(message)
        self.registry = registry


class RegistryUnavailable(GatewayError):
    """Transient: the registry did not answer (after the retries), or its circuit breaker is open.

    `reason` is a short stable word: `timeout`, `connection`, `unavailable`, `throttled`, `bad_gateway`,
    `gateway_timeout`, `circuit_open`.
    """

    def __init__(self, registry: str, reason: str) -> None:
        super().__init__(registry, f"registry {registry} unavailable: {reason}")
        self.reason = reason


class GatewayRejected(GatewayError):
    """Permanent: the gateway refused the request or answered something this client cannot read.

    `status` is the HTTP status (0 when no HTTP answer came back); `code` is the gateway's own error code
    where it gave one (`iin.checksum`, `header.missing`, `unknown_registry`...), else `http.<status>`.
    """

    def __init__(self, registry: str, status: int, code: str) -> None:
        super().__init__(registry, f"registry {registry} rejected the request: {status} {code}")
        self.status = status
        self.code = code


class RegistryGateway(Protocol):
    def fetch(self, registry: str, iin: str, *, service_id: str, purpose: str, on_behalf_of: str,
              request_id: str) -> GatewayAnswer:
        """Ask one registry about one person.

        Returns a found or not_found answer. Raises RegistryUnavailable (transient) or GatewayRejected
        (permanent). The same `request_id` may be sent more than once (retries): the lookup is a read.
        """
        ...

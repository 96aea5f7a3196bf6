"""The e-government gateway's (ШЭП) client: registry lookups over its synchronous channel, SyncChannel v10.

Each lookup is one SOAP 1.1 `SendMessage` to the gateway's endpoint (chalicelib/adapters/shep_soap.py builds and
reads the messages; the contract is in chalicelib/data/gateway/), signed with WS-Security by the participant's
certificate (chalicelib/adapters/shep_wss.py). The registry is the gateway's `serviceId`
(chalicelib/data/gateway_services.json); the request id is the `correlationId` (the same on every attempt), each
attempt has its own `messageId`, and one `sessionId` ties the attempts of one fetch. Answers: `SCSS001` with a
RegistryAnswer found / not_found; refusals: a SOAP Fault with `SendMessageFault1_SendMessageFault` (HTTP 500).

Resilience, because a TSA family needs about 25 lookups and one slow registry must not hold them all:

- one pooled `requests.Session` (built on first use: cold starts do not pay for it before a lookup);
- connect and read timeouts on every attempt;
- retries of transient failures only (connection errors, timeouts, HTTP 429, 502, 503, 504, and the gateway's
  transient faults PROVIDER_UNAVAILABLE / PROVIDER_TIMEOUT), with exponential backoff and full jitter, waiting at
  least what a Retry-After asks, never more than the cap; each attempt is signed afresh (new Timestamp);
- a circuit breaker per registry, counting failed attempts: after `breaker_threshold` in a row it opens (the
  fetch that opened it stops retrying) and calls fail at once (RegistryUnavailable "circuit_open") until
  `breaker_cooldown_s` has passed; then one probe goes through (half-open): its success closes the breaker,
  its failure opens it for another cooldown. A permanent refusal (a fault that is not transient) leaves the
  failure count as it was.

Every attempt leaves an `Exchange` in the message log (ids, service, time, status, SHA-256 of the bytes sent and
received, sizes): on the answer (`GatewayAnswer.exchanges`) or on the error raised (`GatewayError.exchanges`); the
callers keep them with the audit record of the read. A fetch that ends unavailable has no audit record: its
exchanges go to the structured log ("gateway exchange"). Nothing personal is logged.

Worst case per fetch with the defaults: 3 attempts x 5 s + 2 waits <= 2 s = 19 s; the lookups queue's
visibility timeout must cover that.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal

from chalicelib.domain.identity import mask_iin
from chalicelib.observability import logger
from chalicelib.services.registry_port import (
    Exchange,
    GatewayAnswer,
    GatewayError,
    GatewayRejected,
    RegistryUnavailable,
)

if TYPE_CHECKING:
    import requests

    from chalicelib.adapters.shep_soap import Reply
    from chalicelib.adapters.shep_wss import EnvelopeSigner

TRANSIENT_STATUSES: Mapping[int, str] = {
    429: "throttled",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}
POOL_MAXSIZE = 16

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """One registry's breaker. Not thread-safe by itself: GatewayClient calls it under its lock."""

    def __init__(self, threshold: int, cooldown_s: float, monotonic: Callable[[], float]) -> None:
        self.threshold = max(1, threshold)
        self.cooldown_s = cooldown_s
        self._monotonic = monotonic
        self.state: BreakerState = "closed"
        self.failures = 0
        self._opened_at = 0.0

    def allow(self) -> bool:
        """May a request go out now? In half-open only the one probe may, until its outcome is known."""
        if self.state == "closed":
            return True
        if self.state == "open" and self._monotonic() - self._opened_at >= self.cooldown_s:
            self.state = "half_open"
            return True
        return False

    def succeeded(self) -> None:
        self.state = "closed"
        self.failures = 0

    def failed(self) -> None:
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.threshold:
            self.state = "open"
            self._opened_at = self._monotonic()

    def released(self) -> None:
        """Neither success nor failure (the request was rejected): a probe gives its turn back."""
        if self.state == "half_open":
            self.state = "open"  # the cooldown has already passed: the next call probes again


class _Transient(Exception):
    """One attempt failed in a way worth retrying (never leaves this module)."""

    def __init__(self, reason: str, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s


_IIN_RUN = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _masked(value: str) -> str:
    """An id as the message log may keep it: any 12-digit run (an IIN) masked."""
    return _IIN_RUN.sub(lambda m: mask_iin(m.group(0)), value)


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GatewayClient:
    """RegistryGateway over the gateway's SyncChannel (chalicelib/services/registry_port.py)."""

    def __init__(
        self,
        endpoint_url: str,
        sender_id: str,
        sender_password: str,
        signer: EnvelopeSigner,
        *,
        service_ids: Mapping[str, str] | None = None,
        timeout_s: float = 5.0,
        max_attempts: int = 3,
        backoff_base_s: float = 0.2,
        backoff_cap_s: float = 2.0,
        breaker_threshold: int = 5,
        breaker_cooldown_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = _utc_now,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        if not endpoint_url:
            raise ValueError("GATEWAY_URL must be set: it is where registry lookups go.")
        if not sender_id:
            raise ValueError("GATEWAY_SENDER_ID must be set: the gateway knows the back office by it.")
        from chalicelib.adapters.shep_soap import channel, services

        path = channel()["endpoint_path"]
        base = endpoint_url.rstrip("/")
        self.endpoint_url = base if base.endswith(path.rstrip("/")) else base + path
        self.sender_id = sender_id
        self._password = sender_password
        self.signer = signer
        self.service_ids = (
            dict(service_ids)
            if service_ids is not None
            else {rid: spec["service_id"] for rid, spec in services().items()}
        )
        self.success_code = channel()["success_code"]
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.breaker_threshold = breaker_threshold
        self.breaker_cooldown_s = breaker_cooldown_s
        self._sleep = sleep
        self._monotonic = monotonic
        self._clock = clock
        self._new_id = new_id
        self._jitter = random.Random()
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._http: requests.Session | None = None

    # -- the port -------------------------------------------------------------------------------------------

    def fetch(
        self, registry: str, iin: str, *, service_id: str, purpose: str, on_behalf_of: str, request_id: str
    ) -> GatewayAnswer:
        from chalicelib.adapters.shep_soap import RegistryQuery

        gateway_service = self.service_ids.get(registry)
        if not gateway_service:
            raise GatewayRejected(registry, 0, "registry.no_service_id")
        for name, value in (
            ("purpose", purpose),
            ("service_id", service_id),
            ("on_behalf_of", on_behalf_of),
            ("request_id", request_id),
        ):
            if not value.strip():
                raise GatewayRejected(registry, 0, f"{name}.missing")
        query = RegistryQuery(
            registry=registry,
            iin=iin,
            public_service=service_id.strip(),
            purpose=purpose.strip(),
            on_behalf_of=on_behalf_of.strip(),
        )
        session_id = self._new_id()
        exchanges: list[Exchange] = []
        for attempt in range(1, self.max_attempts + 1):
            if not self._admit(registry):
                logger.warning("registry circuit open", extra={"registry": registry, "request_id": _masked(request_id)})
                _log_unkept(exchanges)
                raise _with_log(RegistryUnavailable(registry, "circuit_open"), exchanges)
            try:
                answer = self._attempt(
                    registry, gateway_service, query, request_id, session_id=session_id, exchanges=exchanges
                )
            except _Transient as failure:
                opened = self._record(registry, "failed") == "open"
                logger.warning(
                    "registry attempt failed",
                    extra={
                        "registry": registry,
                        "request_id": _masked(request_id),
                        "attempt": attempt,
                        "reason": failure.reason,
                        "http_status": failure.status,
                    },
                )
                if attempt == self.max_attempts or opened:
                    _log_unkept(exchanges)
                    raise _with_log(RegistryUnavailable(registry, failure.reason), exchanges) from None
                self._sleep(self.backoff_delay(attempt, failure.retry_after_s))
                continue
            except GatewayError as error:
                self._record(registry, "released")
                raise _with_log(error, exchanges) from None
            except BaseException:
                self._record(registry, "released")
                raise
            self._record(registry, "succeeded")
            return replace(answer, exchanges=tuple(exchanges))
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- breaker --------------------------------------------------------------------------------------------

    def breaker(self, registry: str) -> CircuitBreaker:
        with self._lock:
            found = self._breakers.get(registry)
            if found is None:
                found = CircuitBreaker(self.breaker_threshold, self.breaker_cooldown_s, self._monotonic)
                self._breakers[registry] = found
            return found

    def _admit(self, registry: str) -> bool:
        breaker = self.breaker(registry)
        with self._lock:
            return breaker.allow()

    def _record(self, registry: str, outcome: Literal["succeeded", "failed", "released"]) -> BreakerState:
        """Tell the registry's breaker how an attempt went; returns the breaker's state after it."""
        breaker = self.breaker(registry)
        with self._lock:
            before = breaker.state
            getattr(breaker, outcome)()
            after = breaker.state
        if after != before:
            logger.info("registry circuit changed", extra={"registry": registry, "from": before, "to": after})
        return after

    def backoff_delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]; at least Retry-After, at most the cap."""
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
        delay = self._jitter.uniform(0, ceiling)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.backoff_cap_s))
        return delay

    # -- one SOAP exchange ----------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        with self._lock:
            if self._http is None:
                import requests
                from requests.adapters import HTTPAdapter

                from chalicelib.adapters.shep_soap import CONTENT_TYPE, channel

                session = requests.Session()
                pooled = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_MAXSIZE, max_retries=0)
                session.mount("http://", pooled)
                session.mount("https://", pooled)
                session.headers.update(
                    {"Accept": "text/xml", "Content-Type": CONTENT_TYPE, "SOAPAction": f'"{channel()["soap_action"]}"'}
                )
                self._http = session
            return self._http

    def close(self) -> None:
        with self._lock:
            session, self._http = self._http, None
        if session is not None:
            session.close()

    def signed_request(
        self, gateway_service: str, query: Any, correlation_id: str, session_id: str, message_id: str
    ) -> bytes:
        """The bytes of one signed SendMessage (what goes on the wire)."""
        from chalicelib.adapters.shep_soap import MessageInfo, request_envelope, serialize

        now = self._clock()
        info = MessageInfo(
            message_id=message_id,
            correlation_id=correlation_id,
            service_id=gateway_service,
            message_date=now,
            sender_id=self.sender_id,
            password=self._password,
            session_id=session_id,
        )
        return serialize(self.signer.sign(request_envelope(info, query), now))

    def _attempt(
        self,
        registry: str,
        gateway_service: str,
        query: Any,
        request_id: str,
        *,
        session_id: str,
        exchanges: list[Exchange],
    ) -> GatewayAnswer:
        import requests

        from chalicelib.adapters.shep_soap import Fault, MessageInvalid, fault_codes, read_reply

        message_id = self._new_id()
        body = self.signed_request(gateway_service, query, request_id, session_id, message_id)
        session = self._session()
        sent_at, started = self._clock(), time.perf_counter()
        response_body: bytes | None = None
        http_status: int | None = None
        status = "pending"
        try:
            try:
                response = session.post(self.endpoint_url, data=body, timeout=(self.timeout_s, self.timeout_s))
            except requests.Timeout:
                status = "timeout"
                raise _Transient("timeout") from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                status = "connection"
                raise _Transient("connection") from None
            except requests.RequestException as exc:
                status = f"transport.{type(exc).__name__}"
                raise GatewayRejected(registry, 0, status) from None
            http_status, response_body = response.status_code, response.content
            retry_after = _retry_after(response.headers.get("Retry-After"))
            try:
                reply = read_reply(response_body)
            except MessageInvalid as invalid:
                if http_status in TRANSIENT_STATUSES:
                    status = f"http.{http_status}"
                    raise _Transient(TRANSIENT_STATUSES[http_status], http_status, retry_after) from None
                status = invalid.code if http_status == 200 else f"http.{http_status}"
                raise GatewayRejected(registry, http_status, status) from None
            if isinstance(reply, Fault):
                status = reply.code
                if fault_codes().get(reply.code, {}).get("transient"):
                    raise _Transient(reply.code, http_status, retry_after)
                raise GatewayRejected(registry, http_status, reply.sub_code or reply.code)
            status = reply.status_code
            return self._answer(registry, reply, request_id, http_status)
        finally:
            exchange = Exchange(
                message_id=message_id,
                correlation_id=_masked(request_id),
                session_id=session_id,
                service_id=gateway_service,
                registry=registry,
                sent_at=sent_at,
                duration_ms=round((time.perf_counter() - started) * 1000),
                status=status,
                http_status=http_status,
                request_sha256=_sha256(body) or "",
                response_sha256=_sha256(response_body),
                request_bytes=len(body),
                response_bytes=len(response_body or b""),
            )
            exchanges.append(exchange)

    def _answer(self, registry: str, reply: Reply, request_id: str, http_status: int) -> GatewayAnswer:
        """Check the answer is for this request before trusting it: a mixed-up answer is worse than none."""
        if reply.status_code != self.success_code:
            raise GatewayRejected(registry, http_status, reply.status_code or "answer.malformed")
        if reply.correlation_id != request_id or (reply.registry is not None and reply.registry != registry):
            raise GatewayRejected(registry, http_status, "answer.mismatch")
        if reply.result not in ("found", "not_found") or not reply.source_system or reply.fetched_at is None:
            raise GatewayRejected(registry, http_status, "answer.malformed")
        data = reply.record if reply.result == "found" else {}
        if data is None:
            raise GatewayRejected(registry, http_status, "answer.malformed")
        status: Literal["found", "not_found"] = "found" if reply.result == "found" else "not_found"
        return GatewayAnswer(
            registry=registry,
            status=status,
            data=data,
            source_system=reply.source_system,
            fetched_at=reply.fetched_at,
            request_id=request_id,
        )


def _log_unkept(exchanges: list[Exchange]) -> None:
    """A fetch that ends unavailable leaves no audit record (nothing was read; the lookup is tried again later), so
    the message log of its exchanges goes to the structured log instead (ids and hashes, nothing personal)."""
    for exchange in exchanges:
        logger.info("gateway exchange", extra={"exchange": exchange.to_dict()})


def _with_log(error: GatewayError, exchanges: list[Exchange]) -> GatewayError:
    error.exchanges = tuple(exchanges)
    return error


def _retry_after(raw: str | None) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())

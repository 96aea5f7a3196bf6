"""The e-government gateway's HTTP client: registry lookups over the data exchange layer.

The wire protocol is the one in local/gateway_sim.py's docstring: ``POST /v1/registries/{registry}/query``
with ``{"iin": ...}`` and the five X- headers; 200 found, 404 not_found (or unknown_registry), 400 a problem
document, 503 with Retry-After while a registry is out.

Resilience, because a TSA family needs about 25 lookups and one slow registry must not hold them all:

- one pooled `requests.Session` (built on first use: cold starts do not pay for it before a lookup);
- connect and read timeouts on every attempt;
- retries of transient failures only (connection errors, timeouts, 429, 502, 503, 504), with exponential
  backoff and full jitter, waiting at least what Retry-After asks, never more than the cap; every attempt
  carries the same X-Request-Id (the lookup is a read, so a repeat is harmless and the gateway can tie them);
- a circuit breaker per registry, counting failed attempts: after `breaker_threshold` in a row it opens (the
  fetch that opened it stops retrying) and calls fail at once (RegistryUnavailable "circuit_open") until
  `breaker_cooldown_s` has passed; then one probe goes through (half-open): its success closes the breaker,
  its failure opens it for another cooldown. An answer that is neither (a 4xx rejection) leaves the failure
  count as it was.

Worst case per fetch with the defaults: 3 attempts x 5 s + 2 waits <= 2 s = 19 s; the lookups queue's
visibility timeout must cover that.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from chalicelib.observability import logger
from chalicelib.services.registry_port import GatewayAnswer, GatewayRejected, RegistryUnavailable

if TYPE_CHECKING:
    import requests

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


class GatewayClient:
    """RegistryGateway over HTTP (chalicelib/services/registry_port.py)."""

    def __init__(
        self,
        base_url: str,
        requesting_system: str,
        *,
        timeout_s: float = 5.0,
        max_attempts: int = 3,
        backoff_base_s: float = 0.2,
        backoff_cap_s: float = 2.0,
        breaker_threshold: int = 5,
        breaker_cooldown_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not base_url:
            raise ValueError("GATEWAY_URL must be set: it is where registry lookups go.")
        self.base_url = base_url.rstrip("/")
        self.requesting_system = requesting_system
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.breaker_threshold = breaker_threshold
        self.breaker_cooldown_s = breaker_cooldown_s
        self._sleep = sleep
        self._monotonic = monotonic
        self._jitter = random.Random()
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._http: requests.Session | None = None

    # -- the port -------------------------------------------------------------------------------------------

    def fetch(self, registry: str, iin: str, *, service_id: str, purpose: str, on_behalf_of: str,
              request_id: str) -> GatewayAnswer:
        url = f"{self.base_url}/v1/registries/{quote(registry, safe='')}/query"
        headers = _headers(registry, {
            "X-Request-Id": request_id,
            "X-Requesting-System": self.requesting_system,
            "X-Service-Id": service_id,
            "X-Purpose": purpose,
            "X-On-Behalf-Of": on_behalf_of,
        })
        body = json.dumps({"iin": iin}).encode("utf-8")
        for attempt in range(1, self.max_attempts + 1):
            if not self._admit(registry):
                logger.warning("registry circuit open", extra={"registry": registry, "request_id": request_id})
                raise RegistryUnavailable(registry, "circuit_open")
            try:
                answer = self._attempt(registry, url, headers, body, request_id)
            except _Transient as failure:
                opened = self._record(registry, "failed") == "open"
                logger.warning("registry attempt failed", extra={
                    "registry": registry, "request_id": request_id, "attempt": attempt,
                    "reason": failure.reason, "http_status": failure.status})
                if attempt == self.max_attempts or opened:
                    raise RegistryUnavailable(registry, failure.reason) from None
                self._sleep(self.backoff_delay(attempt, failure.retry_after_s))
                continue
            except BaseException:
                self._record(registry, "released")
                raise
            self._record(registry, "succeeded")
            return answer
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

    # -- one HTTP exchange ----------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        with self._lock:
            if self._http is None:
                import requests
                from requests.adapters import HTTPAdapter

                session = requests.Session()
                pooled = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_MAXSIZE, max_retries=0)
                session.mount("http://", pooled)
                session.mount("https://", pooled)
                session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
                self._http = session
            return self._http

    def close(self) -> None:
        with self._lock:
            session, self._http = self._http, None
        if session is not None:
            session.close()

    def _attempt(self, registry: str, url: str, headers: dict[str, str], body: bytes,
                 request_id: str) -> GatewayAnswer:
        import requests

        session = self._session()
        try:
            response = session.post(url, data=body, headers=headers, timeout=(self.timeout_s, self.timeout_s))
        except requests.Timeout:
            raise _Transient("timeout") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            raise _Transient("connection") from None
        except requests.RequestException as exc:
            raise GatewayRejected(registry, 0, f"transport.{type(exc).__name__}") from None
        status = response.status_code
        if status in TRANSIENT_STATUSES:
            raise _Transient(TRANSIENT_STATUSES[status], status, _retry_after(response.headers.get("Retry-After")))
        payload = _json_object(response.content)
        if status == 200 and payload.get("status") == "found":
            return _answer(registry, "found", payload, request_id)
        if status == 404 and payload.get("status") == "not_found":
            return _answer(registry, "not_found", payload, request_id)
        raise GatewayRejected(registry, status, _error_code(status, payload))


def _headers(registry: str, values: Mapping[str, str]) -> dict[str, str]:
    """The X- headers, checked before anything is sent: HTTP header values are ASCII (a purpose in Cyrillic
    would fail deep in http.client), and the gateway refuses empty ones."""
    checked: dict[str, str] = {}
    for name, raw in values.items():
        value = raw.strip()
        if not value:
            raise GatewayRejected(registry, 0, "header.missing")
        if not (value.isascii() and value.isprintable()):
            raise GatewayRejected(registry, 0, "header.not_ascii")
        checked[name] = value
    return checked


# -- reading answers ----------------------------------------------------------------------------------------

def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _error_code(status: int, payload: Mapping[str, Any]) -> str:
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and isinstance(errors[0].get("code"), str):
        return str(errors[0]["code"])
    if status == 404 and isinstance(payload.get("status"), str):
        return str(payload["status"])  # unknown_registry
    if 200 <= status < 300:
        return "answer.malformed"
    return f"http.{status}"


def _answer(registry: str, status: Literal["found", "not_found"], payload: Mapping[str, Any],
            request_id: str) -> GatewayAnswer:
    """Check the answer is for this request before trusting it: a mixed-up answer is worse than none."""
    data = payload.get("data") if status == "found" else {}
    source = payload.get("source_system")
    echoed = payload.get("request_id") or request_id
    if payload.get("registry", registry) != registry or echoed != request_id:
        raise GatewayRejected(registry, 200 if status == "found" else 404, "answer.mismatch")
    try:
        fetched_at = _instant(payload.get("fetched_at"))
    except ValueError:
        fetched_at = None
    if not isinstance(data, dict) or not isinstance(source, str) or fetched_at is None:
        raise GatewayRejected(registry, 200 if status == "found" else 404, "answer.malformed")
    return GatewayAnswer(registry=registry, status=status, data=data, source_system=source,
                         fetched_at=fetched_at, request_id=request_id)


def _instant(raw: object) -> datetime:
    if not isinstance(raw, str):
        raise ValueError("not an instant")
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("an instant needs an offset")
    return moment.astimezone(UTC)


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

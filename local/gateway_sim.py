"""E-government gateway simulator: the state registries, answered from a synthetic seed file.

Standard library only (an `http.server.ThreadingHTTPServer` in a daemon thread), so it starts in
milliseconds in tests, in the local stack and in the benchmarks. It binds 127.0.0.1 only.

Protocol: the gateway's synchronous channel, SyncChannel v10 (chalicelib/adapters/shep_soap.py, the WSDL and XSDs
in chalicelib/data/gateway/)
---------------------------------------------------------------------------------------------------------------------
``POST /bip-sync-wss-gost/`` with a SOAP 1.1 ``SendMessage`` (``Content-Type: text/xml``), signed with WS-Security
(chalicelib/adapters/shep_wss.py). ``GET /bip-sync-wss-gost/?wsdl`` serves the WSDL (its address pointing here),
``GET /bip-sync-wss-gost/<name>.xsd`` the schemas it imports.

What the simulator checks, in order, each refusal a SOAP Fault (HTTP 500) with ``SendMessageFault1_SendMessageFault``
(the codes are in chalicelib/data/gateway_services.json):

1. the message is a SOAP envelope holding a schema-valid ``SendMessage`` (else ``MESSAGE_INVALID``);
2. WS-Security: a signature (``SIGNATURE_MISSING``), a fresh Timestamp (``MESSAGE_EXPIRED``), a certificate from a
   CA it trusts (``CERTIFICATE_UNTRUSTED``: the development CA, local/gateway_participant.py), a signature that
   verifies and covers the Body and the Timestamp (``SIGNATURE_INVALID``);
3. the sender id and password (``AUTHENTICATION_FAILED``);
4. the ``serviceId`` names a registry (``SERVICE_NOT_FOUND``);
5. the registry's faults and latency (``PROVIDER_UNAVAILABLE`` with a ``Retry-After`` header while it is switched
   down, inside an outage window, or when the error-rate draw says so);
6. the IIN (``PROVIDER_ERROR`` with the registry's own code in ``subError``: ``iin.format``, ``iin.checksum``...).

Then it answers ``SCSS001`` with a ``RegistryAnswer``: ``found`` with the record (the registry's ``answer`` shape in
``chalicelib/data/registries.json``, from the seed) or ``not_found``; ``sourceSystem`` is the registry's holder.
The answer's ``correlationId`` and ``sessionId`` echo the request's; ``messageId`` is the simulator's own.

Simulator control (not part of the real gateway):

- ``GET /_sim/health`` -> ``{"status": "ok", "people": n, "families": n, "registries": n}``.
- ``GET /_sim/config``; ``POST /_sim/config`` with ``{"reset": bool, "rng_seed": int, "registries":
  {"<id>" or "*": {"latency_ms": int, "error_rate": 0..1, "down": bool,
  "outages": [{"start": RFC3339, "end": RFC3339}]}}}``: given fields change, others stay; ``"*"`` means every
  registry; ``reset`` first restores the defaults (no faults). Answers the resulting config.
- ``GET /_sim/requests`` -> ``{"requests": [...], "counters": {registry: {"requests", "found",
  "not_found", "unavailable", "bad_request", "refused"}}}``; each request is ``{"at", "registry", "iin" (masked),
  "status" (HTTP), "outcome", "fault" (the fault code or null), "signed_by" (the certificate's subject or null),
  "message"}``, ``message`` being ``{"message_id", "correlation_id", "session_id", "service_id", "sender_id",
  "public_service", "purpose", "on_behalf_of"}`` (on_behalf_of masked when it is an IIN; never the password).
  ``DELETE /_sim/requests`` clears the log and the counters.
- ``GET /_sim/families`` -> ``{"families": [...]}`` from the seed (``?scenario=<slug>`` filters).

The error-rate draws come from one ``random.Random`` per registry, seeded from ``rng_seed`` and the
registry id, and restarted whenever that registry's error rate is set: the n-th request to a registry
after a configuration always gets the same answer.

Python: ``with GatewaySimulator() as sim: sim.base_url ...``; ``python -m local.gateway_sim --port 8100``
runs it standalone. The seed is the file named by ``REGISTRY_SEED``, else ``local/seed/registries.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.data import load_json
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.identity import Iin, mask_iin

DEFAULT_SEED = Path(__file__).parent / "seed" / "registries.json"
DEFAULT_RNG_SEED = 1
RETRY_AFTER_SECONDS = 1
_MAX_BODY = 256 * 1024
_LOG_LIMIT = 20_000
OUTCOMES = ("found", "not_found", "unavailable", "bad_request", "refused")
MESSAGE_FIELDS = (
    "message_id",
    "correlation_id",
    "session_id",
    "service_id",
    "sender_id",
    "public_service",
    "purpose",
    "on_behalf_of",
)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_instant(raw: object) -> datetime:
    if not isinstance(raw, str):
        raise ValueError("an instant is an RFC 3339 string")
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("an instant needs a UTC offset")
    return moment


def default_seed_path() -> Path:
    return Path(os.environ.get("REGISTRY_SEED") or DEFAULT_SEED)


@dataclass
class RegistryFaults:
    """The knobs of one registry. No faults by default."""

    latency_ms: int = 0
    error_rate: float = 0.0
    down: bool = False
    outages: list[tuple[datetime, datetime]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "down": self.down,
            "outages": [{"start": _rfc3339(s), "end": _rfc3339(e)} for s, e in self.outages],
        }


class SimulatorConfigError(ValueError):
    """A configuration the simulator refuses (unknown registry, error rate out of 0..1...)."""


@dataclass(frozen=True)
class SimAnswer:
    """One HTTP answer: status, body (a JSON object, or bytes as they are), content type and extra headers."""

    status: int
    body: dict[str, Any] | bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Refusal(Exception):
    """The gateway refuses the message: a SendMessageFault with this code (and the registry's under it)."""

    code: str
    message: str
    outcome: str = "refused"
    registry: str | None = None
    sub_code: str | None = None
    retry_after: int | None = None


def _soap(env: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> SimAnswer:
    from chalicelib.adapters.shep_soap import CONTENT_TYPE, serialize

    return SimAnswer(status, serialize(env), CONTENT_TYPE.split(";")[0], headers)


def _problem(status: HTTPStatus, detail: str, errors: list[dict[str, str]] | None = None) -> SimAnswer:
    body: dict[str, Any] = {"type": "about:blank", "title": status.phrase, "status": int(status), "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return SimAnswer(int(status), body, "application/problem+json")


class GatewaySimulator:
    """The registries behind the e-government gateway, served over HTTP on 127.0.0.1."""

    def __init__(
        self,
        seed_path: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rng_seed: int = DEFAULT_RNG_SEED,
        clock: Clock | None = None,
        trust_anchors_pem: str | None = None,
        participants: Mapping[str, str] | None = None,
    ) -> None:
        from chalicelib.adapters.shep_soap import channel, services
        from local import gateway_participant

        self.seed_path = seed_path if seed_path is not None else default_seed_path()
        self._trust_anchors = (trust_anchors_pem or gateway_participant.trust_anchor_pem()).encode()
        self._participants = dict(participants if participants is not None else gateway_participant.participants())
        self._channel = channel()
        self._registry_of_service = {spec["service_id"]: rid for rid, spec in services().items()}
        self.host = host
        self.port = port
        self._clock: Clock = clock or _utc_now
        catalog = load_json("registries.json")["registries"]
        self._holders: dict[str, str] = {rid: spec["holder"] for rid, spec in catalog.items()}
        with self.seed_path.open(encoding="utf-8") as fh:
            seed = json.load(fh)
        self._people: dict[str, dict[str, Any]] = seed.get("people", {})
        self._families: list[dict[str, Any]] = seed.get("families", [])
        self._lock = threading.Lock()
        self._rng_seed = rng_seed
        self._faults: dict[str, RegistryFaults] = {rid: RegistryFaults() for rid in self._holders}
        self._rngs: dict[str, random.Random] = {rid: self._new_rng(rid) for rid in self._holders}
        self._log: deque[dict[str, Any]] = deque(maxlen=_LOG_LIMIT)
        self._counters: dict[str, Counter[str]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a background thread; returns the base URL (``http://127.0.0.1:<port>``)."""
        if self._server is not None:
            return self.base_url
        server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="gateway-sim", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> GatewaySimulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def now(self) -> datetime:
        """The simulator's clock (a test may run it on fake time)."""
        return self._clock()

    @property
    def endpoint_url(self) -> str:
        """Where SendMessage goes (and ``?wsdl`` is served)."""
        return self.base_url + str(self._channel["endpoint_path"])

    def service_id(self, registry: str) -> str:
        """The gateway service id of a registry (KeyError when it has none)."""
        for service, rid in self._registry_of_service.items():
            if rid == registry:
                return service
        raise KeyError(registry)

    # -- seed -----------------------------------------------------------------------------------------------

    @property
    def registries(self) -> tuple[str, ...]:
        return tuple(self._holders)

    @property
    def families(self) -> list[dict[str, Any]]:
        return [dict(f) for f in self._families]

    def family(self, scenario: str) -> dict[str, Any]:
        """The seed family with that scenario slug; KeyError when there is none."""
        for family in self._families:
            if family.get("scenario") == scenario:
                return dict(family)
        raise KeyError(scenario)

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "people": len(self._people),
            "families": len(self._families),
            "registries": len(self._holders),
        }

    def answer_of(self, registry: str, iin: str) -> dict[str, Any] | None:
        """What the registry holds about that person (None: not_found)."""
        record = self._people.get(iin, {}).get(registry)
        return None if record is None else dict(record)

    # -- fault knobs --------------------------------------------------------------------------------------

    def configure(
        self,
        registry: str | None = None,
        *,
        latency_ms: int | None = None,
        error_rate: float | None = None,
        down: bool | None = None,
        outages: Iterable[tuple[datetime, datetime]] | None = None,
    ) -> None:
        """Set the knobs of one registry (``None`` or ``"*"``: every registry). Unset arguments stay as they are."""
        targets = self._targets(registry)
        if latency_ms is not None and (
            isinstance(latency_ms, bool) or not isinstance(latency_ms, int) or latency_ms < 0
        ):
            raise SimulatorConfigError("latency_ms is a non-negative integer")
        if error_rate is not None and (
            isinstance(error_rate, bool) or not isinstance(error_rate, int | float) or not 0 <= error_rate <= 1
        ):
            raise SimulatorConfigError("error_rate is a number from 0 to 1")
        if down is not None and not isinstance(down, bool):
            raise SimulatorConfigError("down is true or false")
        windows = None
        if outages is not None:
            windows = [(start, end) for start, end in outages]
            for start, end in windows:
                if start.tzinfo is None or end.tzinfo is None or end <= start:
                    raise SimulatorConfigError("an outage is a (start, end) pair of aware datetimes, end after start")
        with self._lock:
            for rid in targets:
                knobs = self._faults[rid]
                if latency_ms is not None:
                    knobs.latency_ms = latency_ms
                if error_rate is not None:
                    knobs.error_rate = float(error_rate)
                    self._rngs[rid] = self._new_rng(rid)
                if down is not None:
                    knobs.down = down
                if windows is not None:
                    knobs.outages = list(windows)

    def set_down(self, registry: str, down: bool = True) -> None:
        """Switch a registry down (every request answers 503) or back up."""
        self.configure(registry, down=down)

    def add_outage(self, registry: str | None, start: datetime, end: datetime) -> None:
        with self._lock:
            current = {rid: list(self._faults[rid].outages) for rid in self._targets(registry)}
        for rid, windows in current.items():
            self.configure(rid, outages=[*windows, (start, end)])

    def reseed(self, rng_seed: int) -> None:
        """Restart every registry's error-rate draws from a new seed."""
        with self._lock:
            self._rng_seed = rng_seed
            self._rngs = {rid: self._new_rng(rid) for rid in self._holders}

    def reset_faults(self) -> None:
        with self._lock:
            self._faults = {rid: RegistryFaults() for rid in self._holders}
            self._rngs = {rid: self._new_rng(rid) for rid in self._holders}

    def config(self) -> dict[str, Any]:
        with self._lock:
            return {"rng_seed": self._rng_seed, "registries": {rid: k.as_json() for rid, k in self._faults.items()}}

    def apply_config(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a ``POST /_sim/config`` document; raises SimulatorConfigError on a bad one."""
        if not isinstance(document, Mapping):
            raise SimulatorConfigError("the config is a JSON object")
        unknown = set(document) - {"reset", "rng_seed", "registries"}
        if unknown:
            raise SimulatorConfigError(f"unknown config keys: {', '.join(sorted(unknown))}")
        registries = document.get("registries", {})
        if not isinstance(registries, Mapping):
            raise SimulatorConfigError("registries is an object of registry id to knobs")
        parsed: list[tuple[str, dict[str, Any]]] = []
        for rid, knobs in registries.items():
            self._targets(rid)
            if not isinstance(knobs, Mapping):
                raise SimulatorConfigError(f"the knobs of {rid} are an object")
            extra = set(knobs) - {"latency_ms", "error_rate", "down", "outages"}
            if extra:
                raise SimulatorConfigError(f"unknown knobs for {rid}: {', '.join(sorted(extra))}")
            args = {k: knobs[k] for k in ("latency_ms", "error_rate", "down") if k in knobs}
            if "outages" in knobs:
                try:
                    args["outages"] = [(_parse_instant(w["start"]), _parse_instant(w["end"])) for w in knobs["outages"]]
                except (KeyError, TypeError, ValueError) as exc:
                    raise SimulatorConfigError(f"outages of {rid}: {exc}") from None
            parsed.append((rid, args))
        rng_seed = document.get("rng_seed")
        if rng_seed is not None and (isinstance(rng_seed, bool) or not isinstance(rng_seed, int)):
            raise SimulatorConfigError("rng_seed is an integer")
        if document.get("reset"):
            self.reset_faults()
        if rng_seed is not None:
            self.reseed(rng_seed)
        for rid, args in parsed:
            self.configure(rid, **args)
        return self.config()

    # -- request log ----------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The requests received so far, oldest first (IINs masked)."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    @property
    def counters(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {rid: dict(c) for rid, c in self._counters.items()}

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()
            self._counters.clear()

    # -- the registries (what they answer; no transport here) ----------------------------------------------------

    def registry_answer(self, registry: str, iin: str) -> tuple[str, dict[str, Any] | None]:
        """("found", the record) or ("not_found", None): what the registry holds about that person."""
        record = self.answer_of(registry, iin)
        return ("not_found", None) if record is None else ("found", record)

    def holder(self, registry: str) -> str:
        return self._holders[registry]

    # -- the channel (SOAP, WS-Security, the gateway's checks) ---------------------------------------------------

    def exchange(self, raw_body: bytes) -> SimAnswer:
        """Answer one SendMessage, exactly as the HTTP endpoint does (checks, latency and faults included)."""
        from chalicelib.adapters.shep_soap import MessageInvalid, parse_envelope, read_request

        entry: dict[str, Any] = {
            "registry": None,
            "iin": None,
            "message": dict.fromkeys(MESSAGE_FIELDS),
            "signed_by": None,
        }
        try:
            try:
                env = parse_envelope(raw_body)
                info, query = read_request(env)
            except (MessageInvalid, ValueError) as invalid:
                raise Refusal("MESSAGE_INVALID", str(invalid), "bad_request") from None
            entry["message"] = {
                "message_id": info.message_id,
                "correlation_id": info.correlation_id,
                "session_id": info.session_id or None,
                "service_id": info.service_id,
                "sender_id": info.sender_id,
                "public_service": query.public_service,
                "purpose": query.purpose,
                "on_behalf_of": _mask_party(query.on_behalf_of),
            }
            entry["signed_by"] = self._check_security(env)
            if self._participants.get(info.sender_id) != info.password or not info.password:
                raise Refusal("AUTHENTICATION_FAILED", "Unknown sender or wrong password.")
            registry = self._registry_of_service.get(info.service_id)
            if registry is None or registry not in self._holders:
                raise Refusal("SERVICE_NOT_FOUND", f"No service {info.service_id} at the gateway.")
            entry["registry"] = registry
            return self._answer(registry, info, query, entry)
        except Refusal as refusal:
            return self._refuse(refusal, entry)

    def _check_security(self, env: Any) -> str:
        from chalicelib.adapters.shep_wss import WssRefused, verify_envelope

        try:
            sender = verify_envelope(
                env,
                self._trust_anchors,
                self._clock().astimezone(UTC),
                max_skew_s=int(self._channel["timestamp_ttl_s"]),
                certificates_at=_utc_now(),
            )
        except WssRefused as refused:
            raise Refusal(refused.code, str(refused)) from None
        return str(sender.subject)

    def _answer(self, registry: str, info: Any, query: Any, entry: dict[str, Any]) -> SimAnswer:
        from chalicelib.adapters.shep_soap import response_envelope

        with self._lock:
            knobs = self._faults[registry]
            latency_ms = knobs.latency_ms
            reason = self._fault_reason(registry, knobs)
        if latency_ms:
            time.sleep(latency_ms / 1000)
        if reason is not None:
            raise Refusal(
                "PROVIDER_UNAVAILABLE",
                f"The registry's system does not answer ({reason}).",
                "unavailable",
                registry,
                retry_after=RETRY_AFTER_SECONDS,
            )
        if query.registry != registry:
            raise Refusal(
                "PROVIDER_ERROR",
                "The query names another registry than the service.",
                "bad_request",
                registry,
                sub_code="registry.mismatch",
            )
        try:
            iin = Iin.parse(query.iin).value
        except InvalidValue as exc:
            raise Refusal(
                "PROVIDER_ERROR", "The registry refused the request.", "bad_request", registry, sub_code=exc.code
            ) from None
        entry["iin"] = mask_iin(iin)
        outcome, record = self.registry_answer(registry, iin)
        now = self._clock()
        env = response_envelope(
            message_id=str(uuid.uuid4()),
            correlation_id=info.correlation_id or info.message_id,
            session_id=info.session_id or None,
            response_date=now,
            status_code=self._channel["success_code"],
            status_message=self._channel["success_message"],
            registry=registry,
            result=outcome,
            source_system=self._holders[registry],
            fetched_at=now,
            record=record,
        )
        answer = _soap(env)
        self._record(entry, answer, outcome, None)
        return answer

    def _refuse(self, refusal: Refusal, entry: dict[str, Any]) -> SimAnswer:
        from chalicelib.adapters.shep_soap import fault_codes, fault_envelope

        transient = bool(fault_codes().get(refusal.code, {}).get("transient"))
        client_fault = not transient and refusal.code != "PROVIDER_ERROR"
        env = fault_envelope(refusal.code, refusal.message, client_fault=client_fault, sub_code=refusal.sub_code)
        headers = (("Retry-After", str(refusal.retry_after)),) if refusal.retry_after is not None else ()
        answer = _soap(env, 500, headers)
        if refusal.registry is not None:
            entry["registry"] = refusal.registry
        self._record(entry, answer, refusal.outcome, refusal.code)
        return answer

    # -- internals ------------------------------------------------------------------------------------------

    def _new_rng(self, registry: str) -> random.Random:
        return random.Random(f"{self._rng_seed}:{registry}")

    def _targets(self, registry: str | None) -> list[str]:
        if registry is None or registry == "*":
            return list(self._holders)
        if registry not in self._holders:
            raise SimulatorConfigError(f"unknown registry: {registry}")
        return [registry]

    def _fault_reason(self, registry: str, knobs: RegistryFaults) -> str | None:
        """Why this request fails (called under the lock), or None. Draws from the RNG only when needed."""
        if knobs.down:
            return "down"
        if knobs.outages:
            now = self._clock()
            if any(start <= now < end for start, end in knobs.outages):
                return "outage"
        if knobs.error_rate > 0 and self._rngs[registry].random() < knobs.error_rate:
            return "error_rate"
        return None

    def _record(self, entry: dict[str, Any], answer: SimAnswer, outcome: str, fault: str | None) -> None:
        registry = entry["registry"]
        logged = {
            "at": _rfc3339(self._clock()),
            "registry": registry,
            "iin": entry["iin"],
            "status": answer.status,
            "outcome": outcome,
            "fault": fault,
            "signed_by": entry["signed_by"],
            "message": entry["message"],
        }
        with self._lock:
            self._log.append(logged)
            if registry in self._holders:
                counter = self._counters.setdefault(registry, Counter(dict.fromkeys(("requests", *OUTCOMES), 0)))
                counter["requests"] += 1
                counter[outcome] += 1


def _mask_party(value: str | None) -> str | None:
    if value and len(value) == 12 and value.isdigit():
        return mask_iin(value)
    return value


def _handler_for(sim: GatewaySimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
        server_version = "GatewaySimulator/1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log is at /_sim/requests."""

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            body = self._body()
            if body is None:
                return
            if self._is_channel(path):
                self._send(sim.exchange(body))
            elif path == "/_sim/config":
                try:
                    document = json.loads(body.decode("utf-8") or "{}")
                    self._send(SimAnswer(200, sim.apply_config(document)))
                except (UnicodeDecodeError, json.JSONDecodeError, SimulatorConfigError) as exc:
                    self._send(_problem(HTTPStatus.BAD_REQUEST, str(exc)))
            else:
                self._send(_problem(HTTPStatus.NOT_FOUND, "No such route."))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/_sim/health":
                self._send(SimAnswer(200, sim.health()))
            elif parts.path == "/_sim/config":
                self._send(SimAnswer(200, sim.config()))
            elif parts.path == "/_sim/requests":
                self._send(SimAnswer(200, {"requests": sim.requests, "counters": sim.counters}))
            elif parts.path == "/_sim/families":
                wanted = parse_qs(parts.query).get("scenario")
                families = [f for f in sim.families if not wanted or f.get("scenario") in wanted]
                self._send(SimAnswer(200, {"families": families}))
            elif self._is_channel(parts.path) and parts.query.lower() == "wsdl":
                from chalicelib.adapters.shep_soap import wsdl_text

                self._send(SimAnswer(200, wsdl_text(sim.endpoint_url), "text/xml"))
            elif parts.path.startswith(sim.endpoint_url.removeprefix(sim.base_url)):
                from chalicelib.adapters.shep_soap import schema_text

                schema = schema_text(parts.path.rsplit("/", 1)[-1])
                if schema is None:
                    self._send(_problem(HTTPStatus.NOT_FOUND, "No such document."))
                else:
                    self._send(SimAnswer(200, schema, "text/xml"))
            else:
                self._send(_problem(HTTPStatus.NOT_FOUND, "No such route."))

        def _is_channel(self, path: str) -> bool:
            return path.rstrip("/") == sim.endpoint_url.removeprefix(sim.base_url).rstrip("/")

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path == "/_sim/requests":
                sim.clear_requests()
                self._send(SimAnswer(200, {"requests": [], "counters": {}}))
            else:
                self._send(_problem(HTTPStatus.NOT_FOUND, "No such route."))

        def _body(self) -> bytes | None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > _MAX_BODY:
                self.close_connection = True
                self._send(_problem(HTTPStatus.BAD_REQUEST, f"A body is 0 to {_MAX_BODY} bytes with a Content-Length."))
                return None
            return self.rfile.read(length) if length else b""

        def _send(self, answer: SimAnswer) -> None:
            if isinstance(answer.body, bytes):
                payload = answer.body
            else:
                payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", f"{answer.content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="E-government gateway simulator (synthetic registries).")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (keep it 127.0.0.1)")
    parser.add_argument("--seed", type=Path, default=None, help="seed file (default: $REGISTRY_SEED or the project's)")
    parser.add_argument("--rng-seed", type=int, default=DEFAULT_RNG_SEED)
    args = parser.parse_args(argv)
    sim = GatewaySimulator(args.seed, host=args.host, port=args.port, rng_seed=args.rng_seed)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    url = sim.start()
    health = sim.health()
    print(f"gateway simulator on {url} ({health['people']} people, {health['families']} families)", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

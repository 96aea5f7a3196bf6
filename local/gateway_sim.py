"""E-government gateway simulator: the state registries, answered from a synthetic seed file.

Standard library only (an `http.server.ThreadingHTTPServer` in a daemon thread), so it starts in
milliseconds in tests, in the local stack and in the benchmarks. It binds 127.0.0.1 only.

Protocol (the gateway adapter is written against exactly this)
-------------------------------------------------------------
``POST /v1/registries/{registry}/query`` with body ``{"iin": "<12 digits>"}`` (JSON, UTF-8) and headers

    X-Request-Id         the caller's id of this request (echoed back in the answer and the X-Request-Id header)
    X-Requesting-System  who asks, e.g. ``social-benefits-back-office``
    X-Service-Id         the service the lookup is for, e.g. ``targeted-social-assistance``
    X-Purpose            why the data is needed (the lookup plan's ``purpose``; ASCII)
    X-On-Behalf-Of       the application (or official) the request is made for

Answers (``Content-Type: application/json`` unless said otherwise):

- ``200`` ``{"status": "found", "registry": id, "request_id", "data": {...}, "source_system": holder,
  "fetched_at": "<RFC 3339 UTC>"}``; ``data`` has the shape of that registry's ``answer`` in
  ``chalicelib/data/registries.json`` and ``source_system`` is its ``holder``.
- ``404`` ``{"status": "not_found", "registry", "request_id", "source_system", "fetched_at"}``: the
  registry has no record of that person.
- ``404`` ``{"status": "unknown_registry", "registry": id}``: no such registry.
- ``400`` an RFC 9457 problem (``application/problem+json``: ``type, title, status, detail, errors:
  [{field, code, message}]``) for a missing header (``header.missing``), a body that is not a JSON object
  (``body.invalid``), a missing or invalid IIN (``iin.missing``, ``iin.format``, ``iin.checksum``...).
- ``503`` ``{"status": "unavailable", "registry", "request_id", "reason": "down|outage|error_rate"}`` with a
  ``Retry-After`` header (seconds) while the registry is switched down, inside an outage window, or
  when the error-rate draw says so. Callers should retry later.

Simulator control (not part of the real gateway):

- ``GET /_sim/health`` -> ``{"status": "ok", "people": n, "families": n, "registries": n}``.
- ``GET /_sim/config``; ``POST /_sim/config`` with ``{"reset": bool, "rng_seed": int, "registries":
  {"<id>" or "*": {"latency_ms": int, "error_rate": 0..1, "down": bool,
  "outages": [{"start": RFC3339, "end": RFC3339}]}}}``: given fields change, others stay; ``"*"`` means every
  registry; ``reset`` first restores the defaults (no faults). Answers the resulting config.
- ``GET /_sim/requests`` -> ``{"requests": [...], "counters": {registry: {"requests", "found",
  "not_found", "unavailable", "bad_request"}}}``; each request is ``{"at", "registry", "iin" (masked),
  "status", "outcome", "headers"}`` (the five headers above; X-On-Behalf-Of masked when it is an IIN).
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
import re
import signal
import sys
import threading
import time
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
REQUIRED_HEADERS = ("X-Request-Id", "X-Requesting-System", "X-Service-Id", "X-Purpose", "X-On-Behalf-Of")
DEFAULT_RNG_SEED = 1
RETRY_AFTER_SECONDS = 1
_MAX_BODY = 64 * 1024
_LOG_LIMIT = 20_000
OUTCOMES = ("found", "not_found", "unavailable", "bad_request")
_QUERY_PATH = re.compile(r"^/v1/registries/(?P<registry>[^/]+)/query$")

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
    """One HTTP answer: status, JSON body, content type and extra headers."""

    status: int
    body: dict[str, Any]
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


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
    ) -> None:
        self.seed_path = seed_path if seed_path is not None else default_seed_path()
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

    # -- answering ------------------------------------------------------------------------------------------

    def query(self, registry: str, headers: Mapping[str, str], raw_body: bytes) -> SimAnswer:
        """Answer one registry query, exactly as the HTTP endpoint does (including latency and faults)."""
        request_id = headers.get("X-Request-Id") or None
        if registry not in self._holders:
            answer = SimAnswer(404, {"status": "unknown_registry", "registry": registry})
            self._record(registry, None, headers, answer, "unknown_registry")
            return answer

        errors = [
            {"field": f"header:{name}", "code": "header.missing", "message": f"The {name} header is required."}
            for name in REQUIRED_HEADERS
            if not headers.get(name, "").strip()
        ]
        iin, body_errors = self._read_iin(raw_body)
        errors.extend(body_errors)
        if errors:
            answer = _problem(HTTPStatus.BAD_REQUEST, "The query is incomplete or malformed.", errors)
            self._record(registry, iin, headers, answer, "bad_request")
            return answer
        assert iin is not None

        with self._lock:
            knobs = self._faults[registry]
            latency_ms = knobs.latency_ms
            reason = self._fault_reason(registry, knobs)
        if latency_ms:
            time.sleep(latency_ms / 1000)

        source = self._holders[registry]
        if reason is not None:
            body = {"status": "unavailable", "registry": registry, "request_id": request_id, "reason": reason}
            answer = SimAnswer(503, body, headers=(("Retry-After", str(RETRY_AFTER_SECONDS)),))
            self._record(registry, iin, headers, answer, "unavailable")
            return answer
        fetched_at = _rfc3339(self._clock())
        data = self._people.get(iin, {}).get(registry)
        if data is None:
            body = {
                "status": "not_found",
                "registry": registry,
                "request_id": request_id,
                "source_system": source,
                "fetched_at": fetched_at,
            }
            answer = SimAnswer(404, body)
            self._record(registry, iin, headers, answer, "not_found")
            return answer
        body = {
            "status": "found",
            "registry": registry,
            "request_id": request_id,
            "data": data,
            "source_system": source,
            "fetched_at": fetched_at,
        }
        answer = SimAnswer(200, body)
        self._record(registry, iin, headers, answer, "found")
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

    @staticmethod
    def _read_iin(raw_body: bytes) -> tuple[str | None, list[dict[str, str]]]:
        try:
            body = json.loads(raw_body.decode("utf-8")) if raw_body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        if not isinstance(body, dict):
            return None, [
                {"field": "body", "code": "body.invalid", "message": 'The body is a JSON object {"iin": ...}.'}
            ]
        raw = body.get("iin")
        if raw is None:
            return None, [{"field": "iin", "code": "iin.missing", "message": "The iin field is required."}]
        try:
            return Iin.parse(raw).value, []
        except InvalidValue as exc:
            return None, [{"field": "iin", "code": exc.code, "message": exc.message}]

    def _record(
        self, registry: str, iin: str | None, headers: Mapping[str, str], answer: SimAnswer, outcome: str
    ) -> None:
        logged_headers = {name: headers.get(name) for name in REQUIRED_HEADERS}
        on_behalf = logged_headers.get("X-On-Behalf-Of")
        if on_behalf and len(on_behalf) == 12 and on_behalf.isdigit():
            logged_headers["X-On-Behalf-Of"] = mask_iin(on_behalf)
        entry = {
            "at": _rfc3339(self._clock()),
            "registry": registry,
            "iin": mask_iin(iin) if iin else None,
            "status": answer.status,
            "outcome": outcome,
            "headers": logged_headers,
        }
        with self._lock:
            self._log.append(entry)
            if registry in self._holders:
                counter = self._counters.setdefault(registry, Counter(dict.fromkeys(("requests", *OUTCOMES), 0)))
                counter["requests"] += 1
                counter[outcome] += 1


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
            match = _QUERY_PATH.match(path)
            if match:
                headers = {name: self.headers.get(name, "") for name in REQUIRED_HEADERS}
                self._send(sim.query(match["registry"], headers, body))
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
            elif _QUERY_PATH.match(parts.path):
                self._send(_problem(HTTPStatus.METHOD_NOT_ALLOWED, "Registry queries are POST."))
            else:
                self._send(_problem(HTTPStatus.NOT_FOUND, "No such route."))

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
            payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", f"{answer.content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            request_id = self.headers.get("X-Request-Id")
            if request_id:
                self.send_header("X-Request-Id", request_id)
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

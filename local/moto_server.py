"""moto in server mode for the local stack: one request at a time, its state kept across restarts.

- **Serialised.** moto's backends are not thread-safe (two threads' conditional writes can both pass their
  check; a dict changed while another thread iterates it is a 500). The server takes many connections at once
  (threaded, listen backlog 128) but hands moto one request at a time, as DynamoDB applies an item's writes.
  Nothing here long-polls (the queue pump receives with WaitTimeSeconds=0), so no request holds the others up.
- **Persistent.** The state of the services the app uses (DynamoDB, SQS, S3, SNS with its SMS, KMS with the
  signing key) is pickled — moto's own backend objects, as LocalStack persists its moto-backed services — to
  `.local/aws-state.pickle`: at most every `save_interval` seconds while something changed, and on stop. It is
  written to a temporary file, fsynced and renamed, so a `kill -9` at any moment leaves the previous complete
  snapshot: at most the last interval is lost. On start the file, if any, is loaded before the first request.
  Locks are pickled as new locks; KMS private keys as PKCS#8 DER (cryptography's key objects do not pickle).
  A snapshot from another moto version is not loaded (it names the version): the stack starts empty and says so.
- **Outbox.** `GET /_local/sms?phone=&since=&limit=` answers the SMS moto recorded, each with the time this
  server saw it go out, filtered by phone and time (`python -m local.outbox`): no walk of moto's whole state.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

SERVICES = ("dynamodb", "sqs", "s3", "sns", "kms")
"""The services the app uses (chalicelib/adapters/resources.py): what a snapshot holds."""
STATE_VERSION = 1
_LOCK_TYPES: dict[type, Callable[[], Any]] = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
}
READ_METHODS = ("GET", "HEAD", "OPTIONS")
READ_ACTIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "ReceiveMessage",
        "GetQueueUrl",
        "GetQueueAttributes",
        "ListQueues",
        "Verify",
        "GetPublicKey",
        "DescribeKey",
        "ListAliases",
        "ListKeys",
    }
)
"""Calls (X-Amz-Target) that change nothing worth a save: the queue pump polls empty queues all the time. A
ReceiveMessage that did receive only moves a visibility timeout, which a restart releases anyway."""


def changes_state(environ: dict[str, Any]) -> bool:
    if environ.get("REQUEST_METHOD") in READ_METHODS:
        return False
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    return not target or target.rpartition(".")[2] not in READ_ACTIONS


def load_private_key(der: bytes) -> Any:
    """A KMS key's private key back from its PKCS#8 DER (the pickled form, see `_Pickler`)."""
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    return load_der_private_key(der, None)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        kind = type(obj)
        if kind in _LOCK_TYPES:
            return _LOCK_TYPES[kind], ()
        if isinstance(obj, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            der = obj.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return load_private_key, (der,)
        return NotImplemented


def _moto_version() -> str:
    import moto

    return str(moto.__version__)


def snapshot(sms_times: dict[str, str]) -> bytes:
    """The pickled state of `SERVICES` (and when each SMS was seen going out). Call with moto quiet."""
    from moto.backends import get_backend

    buffer = io.BytesIO()
    state = {
        "version": STATE_VERSION,
        "moto": _moto_version(),
        "saved_at": datetime.now(UTC).isoformat(),
        "backends": {name: dict(get_backend(name)) for name in SERVICES},  # type: ignore[call-overload]
        "sms_times": dict(sms_times),
    }
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def restore(data: bytes) -> dict[str, str]:
    """Load a snapshot into moto's backends; returns the SMS times. ValueError when it is not one of ours."""
    from moto.backends import get_backend

    state = pickle.loads(data)  # noqa: S301 - our own file, written by `snapshot` on this machine
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise ValueError("not a local stack snapshot of this version")
    if state.get("moto") != _moto_version():
        raise ValueError(f"saved by moto {state.get('moto')}, this is moto {_moto_version()}")
    for name, accounts in state["backends"].items():
        backend = get_backend(name)
        backend.clear()
        backend.update(accounts)
    release_in_flight()
    return dict(state.get("sms_times") or {})


def release_in_flight() -> int:
    """Make every received-but-not-deleted SQS message visible again: the consumers that held them (the queue
    pump) died with the stack, as a Lambda that crashed would; without this they would wait out their visibility
    timeout (minutes) after a restart. Returns how many were released."""
    from moto.backends import get_backend

    released = 0
    for account in get_backend("sqs").values():
        for region_backend in account.values():
            for queue in region_backend.queues.values():
                for message in getattr(queue, "_messages", []):
                    if not message.visible:
                        message.visible_at = 0.0
                        released += 1
    return released


def write_atomically(path: Path, data: bytes) -> None:
    """`data` at `path`, whole or not at all: a temporary file beside it, fsynced, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _sns_messages() -> list[tuple[str, str, str]]:
    """(message id, phone, text) of every SMS moto recorded, oldest first."""
    from moto.backends import get_backend

    out: list[tuple[str, str, str]] = []
    for account in get_backend("sns").values():
        for region_backend in account.values():
            for message_id, (phone, text) in region_backend.sms_messages.items():
                out.append((message_id, phone, text))
    return out


@dataclass
class SaveStats:
    """What saving costs, for the stack's log and the README: the last snapshot's size and time."""

    saves: int = 0
    last_bytes: int = 0
    last_pickle_ms: float = 0.0
    last_write_ms: float = 0.0
    restored_from: str | None = None


@dataclass
class LocalAwsServer:
    port: int
    state_file: Path | None = None
    save_interval: float = 2.0
    host: str = "127.0.0.1"
    stats: SaveStats = field(default_factory=SaveStats)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _dirty: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _sms_times: dict[str, str] = field(default_factory=dict)
    _sms_seen: int = 0
    _server: Any = None
    _threads: list[threading.Thread] = field(default_factory=list)

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> str:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        self._restore()
        self._moto = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(self.host, self.port, self, threaded=True, request_handler=MotoRequestHandler)
        self.port = int(self._server.server_address[1])
        serve = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        serve.start()
        self._threads.append(serve)
        if self.state_file is not None:
            saver = threading.Thread(target=self._save_loop, name="moto-saver", daemon=True)
            saver.start()
            self._threads.append(saver)
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop taking requests, then save what there is (the last word on disk)."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
        for thread in self._threads:
            if thread.name == "moto-saver":
                thread.join(timeout=30)
        self.save()

    def _restore(self) -> None:
        if self.state_file is None or not self.state_file.is_file():
            return
        try:
            self._sms_times = restore(self.state_file.read_bytes())
        except Exception as exc:  # a corrupt or foreign file: start empty, keep it for a look, and say so
            kept = self.state_file.with_suffix(".unreadable")
            os.replace(self.state_file, kept)
            print(
                f"[local-aws] could not restore {self.state_file.name} ({type(exc).__name__}: {exc}); "
                f"starting empty, the file is kept as {kept.name}",
                flush=True,
            )
            return
        self._sms_seen = len(_sns_messages())
        self.stats.restored_from = str(self.state_file)

    # --- saving ------------------------------------------------------------------------------------------

    def save(self) -> None:
        """Snapshot under the lock (no request half-done in it), write outside it."""
        if self.state_file is None:
            return
        with self._lock:
            self._dirty.clear()
            started = time.perf_counter()
            data = snapshot(self._sms_times)
            pickled = time.perf_counter()
        write_atomically(self.state_file, data)
        self.stats.saves += 1
        self.stats.last_bytes = len(data)
        self.stats.last_pickle_ms = round((pickled - started) * 1000, 1)
        self.stats.last_write_ms = round((time.perf_counter() - pickled) * 1000, 1)

    def _save_loop(self) -> None:
        while not self._stop.wait(self.save_interval):
            if self._dirty.is_set():
                try:
                    self.save()
                except Exception as exc:  # keep serving; the next interval tries again
                    print(f"[local-aws] save failed: {type(exc).__name__}: {exc}", flush=True)

    # --- WSGI --------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith("/_local/"):
            return self._local(environ, start_response)
        with self._lock:
            body = list(self._moto(environ, start_response))  # consumed under the lock: moto runs lazily
            if changes_state(environ):
                self._dirty.set()
                self._stamp_new_sms()
        return body

    def _stamp_new_sms(self) -> None:
        messages = _sns_messages()
        if len(messages) == self._sms_seen:
            return
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for message_id, _phone, _text in messages[self._sms_seen :]:
            self._sms_times.setdefault(message_id, now)
        self._sms_seen = len(messages)

    def _local(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        query = {k: v[-1] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        if path == "/_local/sms":
            with self._lock:
                messages = _sns_messages()
                times = dict(self._sms_times)
            phone, since = query.get("phone"), query.get("since")
            limit = (
                int(query["limit"]) if query.get("limit", "").isascii() and query.get("limit", "").isdigit() else None
            )
            rows = [
                {"message_id": m, "to": p, "text": t, "sent_at": times.get(m)}
                for m, p, t in messages
                if (not phone or p == phone) and (not since or (times.get(m) or "") >= since)
            ]
            if limit is not None:
                rows = rows[-limit:] if limit else []
            return self._json(start_response, "200 OK", {"items": rows, "total": len(messages)})
        if path == "/_local/state":
            stats = self.stats
            return self._json(
                start_response,
                "200 OK",
                {
                    "state_file": str(self.state_file) if self.state_file else None,
                    "saves": stats.saves,
                    "last_bytes": stats.last_bytes,
                    "last_pickle_ms": stats.last_pickle_ms,
                    "last_write_ms": stats.last_write_ms,
                    "restored_from": stats.restored_from,
                    "save_interval_s": self.save_interval,
                },
            )
        if path == "/_local/save" and environ.get("REQUEST_METHOD") == "POST":
            self.save()
            return self._json(start_response, "200 OK", {"saved": True, "bytes": self.stats.last_bytes})
        return self._json(start_response, "404 Not Found", {"error": "no such local endpoint"})

    @staticmethod
    def _json(start_response: Callable[..., Any], status: str, body: Any) -> Iterable[bytes]:
        data = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))]
        )
        return [data]

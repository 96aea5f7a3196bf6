"""The local stack's API over real HTTP (urllib), as a front end or a webhook caller speaks to it: used by the demo
and the e2e tests, so both call the API the same way."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from chalicelib.domain.webhook_signature import signature_header

T = TypeVar("T")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None


@dataclass(frozen=True)
class ApiClient:
    base: str
    timeout: float = 30.0

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        """One request: `body` is sent as JSON (or `raw` as it is); an HTTP error status is a Reply too."""
        if not self.base.startswith(("http://", "https://")):
            raise ValueError("The API base is an http(s) URL.")
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - scheme checked above
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - scheme checked above
                return Reply(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, dict(err.headers), err.read())

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        """A JSON call: status, headers and the decoded body (None when empty)."""
        reply = self.send(method, path, body, token=token, headers=headers)
        return reply.status, reply.headers, reply.json()

    def signed_post(self, path: str, body: dict[str, Any], secret: str) -> tuple[int, Any]:
        """A webhook call signed as the gateway and the SMS provider sign theirs (`X-Signature`, HMAC of the
        exact bytes sent)."""
        raw = json.dumps(body).encode()
        header = signature_header(secret.encode(), int(time.time()), raw)
        reply = self.send("POST", path, headers={"X-Signature": header}, raw=raw)
        return reply.status, reply.json()


def wait_until(
    predicate: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.2, what: str = "condition"
) -> T:
    """Poll `predicate` until it returns something truthy, and return that; TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not met within {timeout:g} s")
        time.sleep(interval)

"""Schemathesis over the app's own /openapi.json, through HTTP to the app on Chalice's local server.

Every operation is fuzzed with inputs generated from its documented parameters and body (valid ones and
invalid ones), as a caller of each role it allows, as a caller of a role it does not allow, and as nobody.
Whatever comes back must be no 5xx, a documented status code, a documented content type and a body that
matches the documented schema (an error: the RFC 9457 problem document).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.domain.access import ROLES
from chalicelib.domain.webhook_signature import signature_header

WEBHOOK_SECRETS = {"/webhooks/sms": "SMS_WEBHOOK_SECRET", "/webhooks/registry-events": "GATEWAY_WEBHOOK_SECRET"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Bounded and deterministic: the same cases on every run, on CI as on a laptop. Each operation gets its coverage
# cases (boundaries, missing and wrong-typed fields) and FUZZ_MAX_EXAMPLES generated ones (12; more for a deeper run).
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261124,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        "generation": {
            "mode": "all",
            "max-examples": int(os.environ.get("FUZZ_MAX_EXAMPLES", "12")),
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        # Methods an operation does not declare are answered by the gateway (Chalice's local server here), not the app.
        "phases": {
            "examples": {"enabled": False},
            "stateful": {"enabled": False},
            "coverage": {"unexpected-methods": []},
        },
    }
)


@pytest.fixture
def openapi(api_url: str, request: pytest.FixtureRequest) -> Any:
    """The schema as the running app serves it."""
    # schemathesis 4.32 names each operation's subtest through `node._nodeid`, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_url(f"{api_url}/openapi.json", config=CONFIG)


schema = schemathesis.pytest.from_fixture("openapi")


def _digest(case: Any) -> int:
    """A number that depends only on the case, so a failing case replays (and shrinks) the same way."""
    seen = [case.path_parameters, case.query, case.headers, case.body]
    return int(hashlib.sha256(json.dumps(seen, sort_keys=True, default=_plain).encode()).hexdigest(), 16)


def _plain(value: Any) -> Any:
    """What JSON cannot hold, as something that is the same in every run (no object addresses)."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, bytes):
        return value.hex()
    return type(value).__name__  # schemathesis's NOT_SET: no body at all


def _json_bytes(body: Any) -> bytes | None:
    """The body as the bytes a webhook caller signs, when it is JSON at all."""
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return json.dumps(body, ensure_ascii=False).encode()
    return None


@schema.parametrize()
def test_every_operation_answers_as_documented(
    case: Any, serial_aws: Any, env: dict[str, str], tokens: dict[str, str], filed: list[str]
) -> None:
    digest = _digest(case)

    def pick(options: list[Any], salt: int) -> Any:
        return options[(digest >> salt) % len(options)]

    # Cases derive from one another: give each its own containers rather than change shared ones.
    headers: dict[str, str] = {}
    sent: dict[str, Any] = {}
    if case.headers:
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}
    allowed = case.operation.definition.raw.get("x-roles")
    if allowed:  # each role the operation takes, nobody, and one role it does not take (if any)
        caller = pick([*allowed, None, *[r for r in ROLES if r not in allowed][:1]], 0)
        if caller:
            headers["Authorization"] = f"Bearer {tokens[caller]}"
    secret = WEBHOOK_SECRETS.get(case.path)
    raw = _json_bytes(case.body) if secret else None
    if secret and raw is not None and pick([True, True, False], 0):  # signed, so the body is read; or not
        headers["X-Signature"] = signature_header(env[secret].encode(), int(time.time()), raw)
        sent["data"] = raw
    parameters = dict(case.path_parameters or {})
    if "application_id" in parameters and pick([True, True, False], 8):  # one that exists, most of the time
        parameters["application_id"] = pick(filed, 16)
    if "service_id" in parameters and pick([True, True, False], 24):
        parameters["service_id"] = pick(sorted(s.id for s in serial_aws.catalog), 32)
    if parameters:
        case.path_parameters = parameters
    case.call_and_validate(headers=headers, checks=CHECKS, **sent)

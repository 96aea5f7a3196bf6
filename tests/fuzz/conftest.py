"""The app on Chalice's local server over moto in server mode, callers of every role, and applications for them
to reach: what the schemathesis suite fuzzes over HTTP."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.access import ROLES
from tests.support.people import MOTHER, STRANGER, child_benefit_body
from tests.support.sms import caregiver_body

GFC = "gfc-aktobe-01"
ORG = {"citizen": None, "operator": GFC, "official": "labour-department:KZ-AKT", "admin": None}


@pytest.fixture
def api_url(serial_aws: Any) -> Iterator[str]:
    """The API's base URL: `app.app` served as `make run` serves it (local.stack), on a free port."""
    import app as app_module
    from local.stack import free_port, serve_api

    port = free_port()
    server, thread = serve_api(app_module.app, port)
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def tokens(token: Any) -> dict[str, str]:
    """A bearer token per role: the citizen is the applicant of `filed`, the others work in its offices."""
    return {role: token(MOTHER if role == "citizen" else STRANGER, role, org=ORG[role]) for role in ROLES}


@pytest.fixture
def filed(api_url: str, tokens: dict[str, str]) -> list[str]:
    """Applications the callers may reach: filed on the portal, awaiting a signature, accepted in person."""
    in_person = child_benefit_body(
        channel="state_corp", accepted_by={"office": GFC, "official": "Иванова Анна Борисовна"}
    )
    ids = []
    for body, role in ((child_benefit_body(), "citizen"), (caregiver_body(), "citizen"), (in_person, "operator")):
        request = urllib.request.Request(
            f"{api_url}/applications",
            method="POST",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {tokens[role]}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            ids.append(json.loads(response.read())["id"])
    return ids

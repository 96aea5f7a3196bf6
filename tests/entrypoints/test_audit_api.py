"""GET /applications/{id}/audit: the personal-data access trail, for the officials who decide the application."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from chalicelib.services.audit import AuditEntry
from tests.support.people import CHILD, MOTHER, STRANGER, child_benefit_body

DECIDING_OFFICE = "labour-department:KZ-AKT"  # the child-disability benefit in Aktobe region
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def file_application(api: Any, token: Any) -> str:
    created = api.http.post(
        "/applications",
        body=json.dumps(child_benefit_body()),
        headers={"Content-Type": "application/json", **bearer(token(MOTHER))},
    )
    assert created.status_code == 201, created.body
    return str(created.json_body["id"])


def test_the_deciding_official_sees_who_read_what_and_their_own_reading(api: Any, aws: Any, token: Any) -> None:
    # Given an application whose child's disability record was read through the gateway
    app_id = file_application(api, token)
    read_at = (aws.clock.now() - timedelta(minutes=5)).replace(microsecond=0)
    aws.audit.record(
        AuditEntry.registry_read(
            at=read_at,
            actor_role="system",
            actor_id="social-benefits-back-office",
            on_behalf_of=app_id,
            purpose="CDB: disability of the child",
            application_id=app_id,
            registry="disability",
        )
    )
    official = token(STRANGER, "official", org=DECIDING_OFFICE)
    # When an official of the deciding office reads the trail
    response = api.http.get(f"/applications/{app_id}/audit", headers=bearer(official))
    # Then they see the registry read and, newest, their own reading of the trail
    assert response.status_code == 200, response.body
    entries = response.json_body["entries"]
    assert response.json_body["application_id"] == app_id
    assert [e["action"] for e in entries] == ["application_read", "registry_read"]
    mine, lookup = entries
    assert (mine["actor_role"], mine["actor_id_masked"], mine["on_behalf_of_masked"]) == (
        "official",
        f"{STRANGER[:4]}****{STRANGER[-4:]}",
        DECIDING_OFFICE,
    )
    assert (lookup["registry"], lookup["purpose"], lookup["at"]) == (
        "disability",
        "CDB: disability of the child",
        read_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    )
    # And a second reading is recorded too
    again = api.http.get(f"/applications/{app_id}/audit", headers=bearer(official)).json_body["entries"]
    assert [e["action"] for e in again] == ["application_read", "application_read", "registry_read"]


def test_the_trail_carries_no_iin_in_clear(api: Any, aws: Any, token: Any) -> None:
    app_id = file_application(api, token)
    aws.audit.record(
        AuditEntry.registry_read(
            at=aws.clock.now() - timedelta(minutes=5),
            actor_role="system",
            actor_id="social-benefits-back-office",
            on_behalf_of=MOTHER,
            purpose="CDB: identity of the parent",
            application_id=app_id,
            registry="gbdfl",
        )
    )
    body = api.http.get(
        f"/applications/{app_id}/audit", headers=bearer(token(STRANGER, "official", org=DECIDING_OFFICE))
    ).body.decode()
    assert TWELVE_DIGITS.findall(body) == []
    for iin in (MOTHER, CHILD, STRANGER):
        assert iin not in body


def test_citizens_and_operators_may_not_read_the_trail(api: Any, token: Any) -> None:
    app_id = file_application(api, token)
    for caller in (token(MOTHER), token(STRANGER, "operator", org="gfc-1")):
        response = api.http.get(f"/applications/{app_id}/audit", headers=bearer(caller))
        assert response.status_code == 403
        assert response.json_body["code"] == "auth.role_not_allowed"


def test_an_official_of_another_office_gets_not_found(api: Any, token: Any) -> None:
    app_id = file_application(api, token)
    other = token(STRANGER, "official", org="employment-center:KZ-AKT")
    for path in (f"/applications/{app_id}/audit", "/applications/261124-NOSUCHAP/audit"):
        response = api.http.get(path, headers=bearer(other))
        assert response.status_code == 404
        assert response.json_body["code"] == "application.not_found"


def test_an_admin_reads_any_trail_and_anonymous_callers_none(api: Any, token: Any) -> None:
    app_id = file_application(api, token)
    assert api.http.get(f"/applications/{app_id}/audit").status_code == 401
    response = api.http.get(f"/applications/{app_id}/audit", headers=bearer(token(STRANGER, "admin")))
    assert response.status_code == 200
    assert [e["actor_role"] for e in response.json_body["entries"]] == ["admin"]
    assert response.json_body["entries"][0]["on_behalf_of_masked"] == f"{STRANGER[:4]}****{STRANGER[-4:]}"

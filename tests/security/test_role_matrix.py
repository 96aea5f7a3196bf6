"""Every role against every route: only what API.md allows gets through, anonymous callers get 401 on
signed-in routes, no combination produces a 500, and no answer to anyone but the people concerned reveals anything
of a third party (their IIN in clear or masked, phone, IBAN)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import app  # noqa: F401 - declares every route
from chalicelib.domain.banking import Iban
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.phone import PhoneNumber
from chalicelib.entrypoints.http import ROUTES
from tests.support.api import post
from tests.support.people import CHILD, FATHER, HALYK_IBAN, MOTHER, child_benefit_body

ROLES = ("citizen", "operator", "official", "admin")
ORG = {"citizen": None, "operator": "gfc-aktobe-01", "official": "labour-department:KZ-AKT", "admin": None}


def _path(template: str) -> str:
    return re.sub(
        r"{(\w+)}", lambda m: "child-disability-benefit" if m.group(1) == "service_id" else "261124-NOSUCHAPP", template
    )


def _call(api: Any, method: str, path: str, token: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "GET":
        return api.http.get(path, headers=headers)
    return api.http.request(method, path, body=json.dumps({}), headers=headers)


SIGNED_IN_ROUTES = [r for r in ROUTES if r.roles and not r.path.startswith("/webhooks")]


@pytest.mark.parametrize("route", SIGNED_IN_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_role_gets_only_what_the_route_allows(api: Any, token: Any, route: Any) -> None:
    path = _path(route.path)
    anonymous = _call(api, route.method, path, None)
    assert anonymous.status_code == 401, (route.path, anonymous.body)
    for role in ROLES:
        response = _call(api, route.method, path, token(FATHER, role, org=ORG[role]))
        assert response.status_code < 500, (role, route.path, response.body)
        if role in route.roles:
            assert response.status_code != 403 or response.json_body["code"] != "auth.role_not_allowed", (
                role,
                route.path,
            )
        else:
            assert response.status_code == 403, (role, route.path, response.status_code)
            assert response.json_body["code"] == "auth.role_not_allowed"


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.roles], ids=lambda r: f"{r.method} {r.path}")
def test_open_routes_never_fail_on_an_empty_request(api: Any, route: Any) -> None:
    response = _call(api, route.method, _path(route.path), None)
    assert response.status_code < 500, (route.path, response.body)


THIRD_PARTY_ROLES = {"citizen": None, "operator": "gfc-other-01", "official": "employment-center:KZ-AST"}
"""Callers with no business with the mother's application: another citizen, another office's operator and official."""


def _victims_traces() -> list[str]:
    phone = "+77011234567"
    return [
        MOTHER,
        mask_iin(MOTHER),
        CHILD,
        mask_iin(CHILD),
        phone,
        PhoneNumber(phone).masked,
        HALYK_IBAN,
        Iban(HALYK_IBAN).masked,
    ]


@pytest.mark.parametrize("route", SIGNED_IN_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_no_answer_reveals_a_third_partys_data(api: Any, token: Any, route: Any) -> None:
    # Given the mother's application for her child (phone, IBAN, both IINs)
    created = post(api, "/applications", child_benefit_body(), token(MOTHER))
    assert created.status_code == 201, created.body
    app_id = created.json_body["id"]
    path = re.sub(
        r"{(\w+)}",
        lambda m: {"service_id": "child-disability-benefit", "application_id": app_id}.get(
            m.group(1), "nosuchdocument"
        ),
        route.path,
    )
    for role, org in THIRD_PARTY_ROLES.items():
        caller = token(FATHER, role, org=org)
        if route.path.startswith("/eligibility"):
            # the pre-check naming the mother and her child, by someone who is neither
            body = json.dumps(
                {
                    "applicant": {"iin": MOTHER, "region": "KZ-AKT"},
                    "subjects": [{"iin": CHILD, "relation": "child"}],
                    "representative": {"iin": FATHER, "power_of_attorney": "N-1"},
                }
            )
            response = api.http.post(
                path, body=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {caller}"}
            )
        else:
            response = _call(api, route.method, path, caller)
        text = response.body.decode(errors="replace")
        assert [t for t in _victims_traces() if t in text] == [], (role, route.path, response.status_code, text)

"""Every role against every route: only what API.md allows gets through, anonymous callers get 401 on
signed-in routes, and no combination produces a 500."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import app  # noqa: F401 - declares every route
from chalicelib.entrypoints.http import ROUTES
from tests.support.people import FATHER

ROLES = ("citizen", "operator", "official", "admin")
ORG = {"citizen": None, "operator": "gfc-aktobe-01", "official": "labour-department:KZ-AKT", "admin": None}


def _path(template: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: "child-disability-benefit" if m.group(1) == "service_id"
                  else "261124-NOSUCHAPP", template)


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
                role, route.path)
        else:
            assert response.status_code == 403, (role, route.path, response.status_code)
            assert response.json_body["code"] == "auth.role_not_allowed"


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.roles], ids=lambda r: f"{r.method} {r.path}")
def test_open_routes_never_fail_on_an_empty_request(api: Any, route: Any) -> None:
    response = _call(api, route.method, _path(route.path), None)
    assert response.status_code < 500, (route.path, response.body)

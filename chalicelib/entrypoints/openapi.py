"""The OpenAPI 3.1 document, generated from the route declarations and the pydantic schemas."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from chalicelib.entrypoints.http import ROUTES, RouteSpec

_STATUS_TEXT = {200: "OK", 201: "Created", 400: "Bad request", 401: "Not authenticated", 403: "Forbidden",
                404: "Not found", 409: "Conflict", 413: "Too large", 422: "Invalid input"}


def _operation(spec: RouteSpec) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": spec.summary, "operationId": _operation_id(spec)}
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    params += [{"name": name, "in": "query", "required": False, "description": desc, "schema": {"type": "string"}}
               for name, desc in spec.query]
    params += [{"name": name, "in": "header", "required": False, "schema": {"type": "string", "maxLength": 64}}
               for name in spec.headers]
    params.append({"name": "Accept-Language", "in": "header", "required": False,
                   "schema": {"type": "string", "enum": ["kk", "ru", "en"]}})
    op["parameters"] = params
    if spec.roles:
        op["security"] = [{"bearer": []}]
        op["x-roles"] = list(spec.roles)
    if spec.request:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{spec.request}"}}}}
    ok: dict[str, Any] = {"description": _STATUS_TEXT.get(spec.status, "OK")}
    if spec.response:
        ok["content"] = {ct: {"schema": {"$ref": f"#/components/schemas/{spec.response}"}} for ct in spec.produces}
    else:
        ok["content"] = {ct: {"schema": {}} for ct in spec.produces}
    responses: dict[str, Any] = {str(spec.status): ok}
    for status in sorted(set(spec.errors) | {500}):
        responses[str(status)] = {"description": _STATUS_TEXT.get(status, "Error"), "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    op["responses"] = responses
    return op


def _operation_id(spec: RouteSpec) -> str:
    words = re.sub(r"[{}]", "", spec.path).strip("/").replace("/", "_").replace(".", "_").replace("-", "_")
    return f"{spec.method.lower()}_{words or 'root'}"


@cache
def openapi_document() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    from chalicelib.entrypoints import schemas

    names = sorted({n for s in ROUTES for n in (s.request, s.response) if n} | {"Problem"})
    models: list[tuple[Any, Any]] = [
        (getattr(schemas, n), "validation" if any(s.request == n for s in ROUTES) else "serialization")
        for n in names
    ]
    _, definitions = models_json_schema(models, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Social benefits back office", "version": "1.0.0",
                 "description": "Applications for Kazakhstan's social-benefit public services (see API.md)."},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }

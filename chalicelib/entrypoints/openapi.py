"""The OpenAPI 3.1 document, generated from the route declarations and the pydantic schemas."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, get_args

from chalicelib.domain.access import ROLES
from chalicelib.entrypoints.http import BINARY_TYPES, ROUTES, RouteSpec
from chalicelib.entrypoints.schemas import Channel

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    406: "Not acceptable: send Accept: application/pdf",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Unexpected error",
    503: "Unavailable",
}
# What `endpoint` itself answers before a handler runs: a missing or bad token, a role the route does not take,
# a JSON body that is not JSON, too large, of another media type, or not an object.
_AUTH_ERRORS = (401,)
_BODY_ERRORS = (400, 413, 415, 422)

# Query parameters mean the same on every route that takes them.
_QUERY: dict[str, dict[str, Any]] = {
    "from": {"type": "string", "format": "date"},
    "channel": {"type": "string", "enum": list(get_args(Channel)), "default": "portal"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 20},
    "format": {"type": "string", "enum": ["json", "pdf"], "default": "json"},
    "cursor": {"type": "string"},
}
_ANY_HEADER: dict[str, Any] = {"schema": {"type": "string", "maxLength": 64}}
_HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "description": "client-chosen; the same key and body within 24 hours returns the first "
        "response, the same key with another body is 409",
        "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[ -~]+$"},
    },
    "X-Signature": {
        "description": 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> with the caller\'s '
        "shared secret (several v1= while a secret is rotated); 401 without it",
        "schema": {"type": "string", "maxLength": 1024},
    },
}


def _error_statuses(spec: RouteSpec) -> set[int]:
    statuses = set(spec.errors) | {500}
    if spec.roles:
        statuses.update(_AUTH_ERRORS)
        if set(ROLES) - set(spec.roles):
            statuses.add(403)
    if spec.request:
        statuses.update(_BODY_ERRORS)
    if any(kind in BINARY_TYPES for kind in spec.produces):
        statuses.add(406)  # http.endpoint: a binary answer only to an Accept that admits it
    return statuses


def _operation(spec: RouteSpec) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": spec.summary, "operationId": _operation_id(spec)}
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    params += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": desc,
            "schema": _QUERY.get(name, {"type": "string"}),
        }
        for name, desc in spec.query
    ]
    params += [
        {"name": name, "in": "header", "required": False, **_HEADERS.get(name, _ANY_HEADER)} for name in spec.headers
    ]
    params.append(
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "enum": ["kk", "ru", "en"]},
        }
    )
    op["parameters"] = params
    if spec.roles:
        op["security"] = [{"bearer": []}]
        op["x-roles"] = list(spec.roles)
    body = spec.request or spec.body
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    ok: dict[str, Any] = {
        "description": _STATUS_TEXT.get(spec.status, "OK"),
        "content": {ct: {"schema": _produced(spec, ct)} for ct in spec.produces},
    }
    responses: dict[str, Any] = {str(spec.status): ok}
    for status in sorted(_error_statuses(spec)):
        responses[str(status)] = {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    op["responses"] = responses
    return op


def _produced(spec: RouteSpec, content_type: str) -> dict[str, Any]:
    """The success response's schema for one of its content types: the declared one for JSON, bytes otherwise."""
    if content_type != "application/json":
        return {"type": "string", "contentMediaType": content_type}
    return {"$ref": f"#/components/schemas/{spec.response}"} if spec.response else {}


def _operation_id(spec: RouteSpec) -> str:
    words = re.sub(r"[{}]", "", spec.path).strip("/").replace("/", "_").replace(".", "_").replace("-", "_")
    return f"{spec.method.lower()}_{words or 'root'}"


@cache
def openapi_document() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    from chalicelib.entrypoints import schemas

    names = sorted({n for s in ROUTES for n in (s.request, s.body, s.response) if n} | {"Problem"})
    models: list[tuple[Any, Any]] = [
        (getattr(schemas, n), "validation" if any(n in (s.request, s.body) for s in ROUTES) else "serialization")
        for n in names
    ]
    _, definitions = models_json_schema(models, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Social benefits back office",
            "version": "1.0.0",
            "description": "Applications for Kazakhstan's social-benefit public services "
            "(the guide: docs/api.md in the repository).",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }

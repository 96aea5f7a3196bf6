"""Lambda events as API Gateway (REST, proxy integration) hands them to the Chalice app."""

from __future__ import annotations

import json
import uuid
from typing import Any


def proxy_event(
    method: str,
    resource: str,
    *,
    path: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy event for `resource` (the route as declared, e.g. `/applications/{application_id}`)."""
    path = path or resource
    sent = {"content-type": "application/json", **{k.lower(): v for k, v in (headers or {}).items()}}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None if body is None else json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
    }

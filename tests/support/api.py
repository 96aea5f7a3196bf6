"""Calling the API through chalice's test client: JSON bodies, a bearer token, extra headers."""

from __future__ import annotations

import json
from typing import Any

JSON = {"Content-Type": "application/json"}


def post(api: Any, path: str, body: Any, token: str | None = None, **headers: str) -> Any:
    h = {**JSON, **headers}
    if token:
        h["Authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.http.post(path, body=raw, headers=h)


def get(api: Any, path: str, token: str | None = None, **headers: str) -> Any:
    h = dict(headers)
    if token:
        h["Authorization"] = f"Bearer {token}"
    return api.http.get(path, headers=h)

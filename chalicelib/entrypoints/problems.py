"""RFC 9457 problem documents: every error a caller sees, with a stable code and texts in their language."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chalice.app import Response

from chalicelib.data import load_json
from chalicelib.domain.errors import DomainError, FieldError

PROBLEM_BASE = "https://social-benefits.egov.kz/problems/"
PROBLEM_TYPE = "application/problem+json"


def _texts() -> dict[str, Any]:
    texts: dict[str, Any] = load_json("texts/problems.json")
    return texts


def text_for(code: str, language: str, fallback: str) -> str:
    entry = _texts()["codes"].get(code)
    if not entry:
        return fallback
    return str(entry.get(language) or entry.get("en") or fallback)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  content_type: str = "application/json") -> Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(body=payload, status_code=status,
                    headers={"Content-Type": f"{content_type}; charset=utf-8", **(headers or {})})


def problem(status: int, code: str, detail: str, *, language: str = "ru",
            errors: Sequence[FieldError] = (), headers: dict[str, str] | None = None) -> Response:
    titles = _texts()["titles"].get(str(status), {})
    body = {
        "type": PROBLEM_BASE + code,
        "title": titles.get(language) or titles.get("en") or "Error",
        "status": status,
        "detail": text_for(code, language, detail),
        "code": code,
        "errors": [
            {"field": e.field, "code": e.code, "message": text_for(e.code, language, e.message)} for e in errors
        ],
    }
    return json_response(body, status, headers, content_type=PROBLEM_TYPE)


def from_domain_error(exc: DomainError, language: str, headers: dict[str, str] | None = None) -> Response:
    listed = getattr(exc, "errors", ())  # ValidationFailed, and a few conflicts that list what is missing
    errors: Sequence[FieldError] = listed if isinstance(listed, list) else ()
    if not errors and exc.status == 422:
        errors = [FieldError(getattr(exc, "field", "") or "", exc.code, exc.message)]
    return problem(exc.status, exc.code, exc.message, language=language, errors=errors, headers=headers)

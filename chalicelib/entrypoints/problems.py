"""RFC 9457 problem documents: every error a caller sees, with a stable code and texts in their language."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from chalice.app import Response

from chalicelib.data import load_json
from chalicelib.domain.catalog import LANGUAGES
from chalicelib.domain.errors import DomainError, FieldError

PROBLEM_BASE = "https://social-benefits.egov.kz/problems/"
PROBLEM_TYPE = "application/problem+json"
_MEMBERS = frozenset({"type", "title", "status", "detail", "code", "errors"})


def _texts() -> dict[str, Any]:
    texts: dict[str, Any] = load_json("texts/problems.json")
    return texts


def _text(code: str, language: str, english: str, kind: str) -> str:
    """The code's text in `language`; its own English text only when the language is en; otherwise the generic
    text of its `kind` (client, server, field) in `language`: a response never mixes languages."""
    texts = _texts()
    entry = texts["codes"].get(code) or {}
    if entry.get(language):
        return str(entry[language])
    if language == "en" and english:
        return english
    return str(texts["generic"][kind][language])


def title_for(status: int, language: str) -> str:
    titles = _texts()["titles"]
    entry = titles.get(str(status)) or titles["500" if status >= 500 else "400"]
    return str(entry[language])


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None, content_type: str = "application/json"
) -> Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(
        body=payload, status_code=status, headers={"Content-Type": f"{content_type}; charset=utf-8", **(headers or {})}
    )


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    language: str = "ru",
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """One language per response: title, detail and every message in `language` (kk, ru or en). `extensions`:
    RFC 9457 extension members a code carries as data (e.g. `assignment` for `assignment.exists`: masked values)."""
    if language not in LANGUAGES:
        language = "ru"
    body = {
        "type": PROBLEM_BASE + code,
        "title": title_for(status, language),
        "status": status,
        "detail": _text(code, language, detail, "server" if status >= 500 else "client"),
        "code": code,
        "errors": [
            {"field": e.field, "code": e.code, "message": _text(e.code, language, e.message, "field")} for e in errors
        ],
        **{key: value for key, value in (extensions or {}).items() if key not in _MEMBERS},
    }
    return json_response(body, status, {"Content-Language": language, **(headers or {})}, content_type=PROBLEM_TYPE)


def from_domain_error(exc: DomainError, language: str, headers: dict[str, str] | None = None) -> Response:
    listed = getattr(exc, "errors", ())  # ValidationFailed, and a few conflicts that list what is missing
    errors: Sequence[FieldError] = listed if isinstance(listed, list) else ()
    if not errors and exc.status == 422:
        errors = [FieldError(getattr(exc, "field", "") or "", exc.code, exc.message)]
    extensions = getattr(exc, "extensions", None)
    return problem(
        exc.status,
        exc.code,
        exc.message,
        language=language,
        errors=errors,
        headers=headers,
        extensions=extensions if isinstance(extensions, Mapping) else None,
    )

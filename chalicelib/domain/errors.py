"""Domain errors. Each carries a stable code that callers (and the problem documents) rely on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


def required_text(
    payload: Mapping[str, Any], name: str, limit: int, errors: list[FieldError], *, keep_spaces: bool = False
) -> str:
    """A non-empty string field of at most `limit` characters (stripped unless `keep_spaces`); each problem is added
    to `errors` and "" returned, so one answer can name every bad field."""
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError(name, "field.required", f"`{name}` is a non-empty string."))
        return ""
    if len(value) > limit:
        errors.append(FieldError(name, "field.too_long", f"`{name}` is at most {limit} characters."))
    return value if keep_spaces else value.strip()


class DomainError(Exception):
    """Base of every error the domain raises on purpose. `code` is stable; `message` is for people."""

    code = "domain.error"
    status = 400
    headers: Mapping[str, str] = MappingProxyType({})
    """HTTP headers its problem document carries (a 401's challenge, a 503's Retry-After): the error says them,
    so an entrypoint only raises it (entrypoints/http.py:endpoint answers)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidValue(DomainError):
    """A value object refused its input (IIN checksum, IBAN, phone...)."""

    status = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


@dataclass
class ValidationFailed(DomainError):
    """One or more fields are wrong; reported together, each with its own code."""

    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("The request has invalid fields.", code="validation.failed")

    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class IllegalTransition(Conflict):
    """A status change the state machine does not allow: never applied silently."""

    code = "application.illegal_transition"


class Forbidden(DomainError):
    code = "auth.forbidden"
    status = 403


class ApplicationNotFound(NotFound):
    code = "application.not_found"


class ConcurrentUpdate(Conflict):
    """Someone saved the application after we read it: re-read and retry."""

    code = "application.concurrent_update"


class IdempotencyKeyReused(Conflict):
    code = "idempotency.key_reused"


class DuplicateRequest(Exception):
    """The idempotency key was claimed before; carries what the first request produced."""

    def __init__(self, record: object) -> None:
        super().__init__("duplicate request")
        self.record = record

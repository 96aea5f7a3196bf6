"""How every HTTP route is declared: one decorator that authenticates, parses the body against its
schema, calls the handler and turns any error into a problem document. Each declaration is also what
the OpenAPI document is generated from, so a route cannot exist without being documented."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib.config import get_settings
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import LANGUAGES
from chalicelib.domain.digits import whole_number
from chalicelib.domain.errors import DomainError, FieldError, InvalidValue, ValidationFailed
from chalicelib.entrypoints.problems import from_domain_error, json_response, problem
from chalicelib.observability import logger

ANYONE: tuple[str, ...] = ()
# Chalice would answer a content type a route does not list itself (415 `{"Code": ...}`): every route takes
# any, and a route that reads a JSON body answers 415 with its problem document (parse_json_object).
ACCEPTED_CONTENT_TYPES = ["*/*"]
BINARY_TYPES = ("application/pdf",)
"""Response types API Gateway passes as binary (app.api.binary_types): only sent to a caller whose Accept admits
them, as API Gateway needs; otherwise the route answers `406 request.not_acceptable`."""
SIGNED_IN = ("citizen", "operator", "official", "admin")
MAX_JSON_DEPTH = 32
"""How deep a request body may nest objects and arrays: far more than any body of this API (a signed result
document is the deepest, under 10), far less than what could exhaust the stack of the code that reads it."""


MAX_PAGE_SIZE = 50  # the largest page a list answers (docs/api.md, Pages)


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    summary: str
    roles: tuple[str, ...]
    request: str | None
    response: str | None
    body: str | None
    status: int
    query: tuple[tuple[str, str], ...]
    headers: tuple[str, ...]
    produces: tuple[str, ...]
    errors: tuple[int, ...]


ROUTES: list[RouteSpec] = []


@dataclass
class Call:
    """What a handler gets: the request, the caller (if the route needs one), the parsed body, the language."""

    request: Request
    language: str
    caller: Caller | None = None
    body: Any = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def who(self) -> Caller:
        assert self.caller is not None
        return self.caller

    def query(self, name: str) -> str | None:
        params: Any = self.request.query_params or {}
        value = params.get(name)
        return str(value) if value is not None else None

    def limit(self, default: int = 20) -> int:
        """`?limit=`: a whole number in ASCII digits (chalicelib/domain/digits.py: `²`, `①`, `٥` are refused with
        `limit.invalid`, 422), from 1 to 50 (`0`, `51`, `00` are `limit.invalid` too: the documented range, not a
        silently different page)."""
        raw = self.query("limit")
        if raw is None or raw == "":
            return default
        value = whole_number(raw)
        if value is None or not 1 <= value <= MAX_PAGE_SIZE:
            raise InvalidValue("limit.invalid", "`limit` is a whole number from 1 to 50.")
        return value

    def document_format(self) -> str:
        """`?format=`: json (the default) or pdf, case forgiven; anything else is `format.unknown` (422)."""
        fmt = (self.query("format") or "json").lower()
        if fmt not in ("json", "pdf"):
            raise InvalidValue("format.unknown", "`format` is json or pdf.")
        if fmt == "pdf" and not accepts(
            self.request.headers.get("accept"), Response(body=b"", headers={"Content-Type": "application/pdf"})
        ):  # refused before any work: no render queued for nobody
            raise NotAcceptable("This answer is application/pdf: send `Accept: application/pdf` to receive it.")
        return fmt

    def header(self, name: str) -> str | None:
        value = self.request.headers.get(name)
        return str(value) if value is not None else None


class NotAcceptable(DomainError):
    """A binary answer asked for with an Accept that does not admit it (API Gateway would send it as base64)."""

    code = "request.not_acceptable"
    status = 406


def accepts(accept: str | None, response: Response) -> bool:
    """Whether a binary response (a PDF) may be sent to a caller with this Accept header: API Gateway turns a
    binary body into base64 text unless Accept names its type (or `*/*`). Non-binary responses always may."""
    content_type = str(response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in BINARY_TYPES:
        return True
    if not accept:
        return False
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return bool(kinds & {content_type, "*/*"})


def not_acceptable(response: Response, language: str) -> Response:
    content_type = str(response.headers.get("Content-Type") or "").split(";")[0].strip()
    return problem(
        406,
        "request.not_acceptable",
        f"This answer is {content_type}: send `Accept: {content_type}` to receive it.",
        language=language,
    )


def negotiate_language(header: str | None) -> str:
    """kk, ru or en from Accept-Language (quality values honoured); ru by default."""
    if not header:
        return "ru"
    choices: list[tuple[float, str]] = []
    for part in header.split(","):
        lang, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = lang.strip().lower().split("-")[0]
        if primary in LANGUAGES:
            choices.append((quality, primary))
    return max(choices, key=lambda c: c[0])[1] if choices else "ru"


_PYDANTIC_CODES = {
    "missing": "field.required",
    "extra_forbidden": "field.unknown",
    "literal_error": "field.not_allowed",
    "enum": "field.not_allowed",
    "string_too_long": "field.too_long",
    "string_too_short": "field.too_short",
    "too_long": "field.too_many",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "body"


def parse_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or the problem that says why it is not one."""
    content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip()
    if content_type.lower() != "application/json":
        raise UnsupportedMediaType("The body must be application/json.")
    return json_object(request.raw_body or b"")


def json_object(raw: bytes | str) -> dict[str, Any]:
    """A body as a JSON object: too large, not JSON, nested too deep and not an object each get their own problem."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > get_settings().max_body_bytes:
        raise BodyTooLarge("The request body is too large.")
    try:
        value = json.loads(data or b"null")
    except (ValueError, UnicodeDecodeError):
        raise MalformedJson("The request body is not valid JSON.") from None
    except RecursionError:  # a few kilobytes of `[[[[...` nest deeper than the parser goes
        raise NestedTooDeep(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise NestedTooDeep(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    if not isinstance(value, dict):
        raise ValidationFailed([FieldError("body", "body.not_an_object", "The body must be a JSON object.")])
    return value


def _depth(value: Any) -> int:
    """How deeply `value` nests objects and arrays (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_body(request: Request, schema_name: str) -> tuple[Any, dict[str, Any]]:
    return validate_schema(schema_name, parse_json_object(request))


def validate_schema(schema_name: str, data: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """`data` checked against the request schema `schema_name` (entrypoints/schemas.py): the parsed model and its
    JSON form, or `ValidationFailed` with one error per field (the console's forms are checked by this too)."""
    from pydantic import ValidationError

    from chalicelib.entrypoints import schemas

    model = getattr(schemas, schema_name)
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            code = _PYDANTIC_CODES.get(err["type"], "field.type" if err["type"].endswith("_type") else "field.invalid")
            errors.append(FieldError(_field_path(tuple(err["loc"])), code, err["msg"]))
        raise ValidationFailed(errors) from None
    return parsed, parsed.model_dump(mode="json")


class BodyTooLarge(DomainError):
    code = "request.too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "request.unsupported_media_type"
    status = 415


class MalformedJson(DomainError):
    code = "request.malformed_json"
    status = 400


class NestedTooDeep(DomainError):
    code = "request.too_deep"
    status = 400


def endpoint(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    summary: str,
    roles: tuple[str, ...] = ANYONE,
    request: str | None = None,
    body: str | None = None,
    response: str | None = None,
    status: int = 200,
    query: tuple[tuple[str, str], ...] = (),
    headers: tuple[str, ...] = (),
    produces: tuple[str, ...] = ("application/json",),
    errors: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """`request` names the schema `endpoint` parses the JSON body against before the handler runs; `body` names
    the schema of a body the handler reads itself (after checking a signature, or with its own error codes),
    documented all the same."""
    spec = RouteSpec(path, method, summary, roles, request, response, body, status, query, headers, produces, errors)
    ROUTES.append(spec)

    def decorate(handler: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**params: str) -> Response:
            req = bp.current_request
            language = negotiate_language(req.headers.get("accept-language"))
            call = Call(req, language)
            try:
                if roles:
                    from chalicelib.entrypoints.auth import authenticate, require_role

                    call.caller = authenticate(req.headers.get("authorization"))
                    require_role(call.caller, roles)
                if request is not None:
                    call.body, call.raw = parse_body(req, request)
                result = handler(call, **params)
            except DomainError as exc:  # its problem document, with the headers the error carries
                return from_domain_error(exc, language, headers=dict(exc.headers) or None)
            except Exception:
                logger.exception("unhandled error", extra={"route": path, "method": method})
                return problem(500, "internal", "Unexpected error.", language=language)
            if isinstance(result, Response):
                return result if accepts(req.headers.get("accept"), result) else not_acceptable(result, language)
            return json_response(result, status)

        bp.route(path, methods=[method], content_types=ACCEPTED_CONTENT_TYPES)(view)
        return view

    return decorate

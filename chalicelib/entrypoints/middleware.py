"""Chalice middleware: structured logs, metrics and traces around every HTTP call.

Nothing here logs a body, a header or a query string: they carry personal data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from chalicelib.observability import logger, metrics, traced


def observe_http(event: Request, get_response: Callable[[Request], Response]) -> Response:
    context = event.context or {}
    route = context.get("resourcePath", "?")
    logger.append_keys(request_id=context.get("requestId"), route=route, method=event.method)
    started = time.perf_counter()
    with traced(f"{event.method} {route}"):
        response = get_response(event)
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info("request", extra={"status": response.status_code, "elapsed_ms": round(elapsed_ms, 1)})
    from aws_lambda_powertools.metrics import MetricUnit

    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    if response.status_code >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    logger.remove_keys(["request_id", "route", "method"])
    return response


def flush_metrics(_: Any = None) -> None:
    metrics.flush_metrics()


# --- what the framework answers itself, as problem documents ----------------------------------------------

_FRAMEWORK_CODES = {
    400: "request.bad_request",
    403: "auth.forbidden",
    404: "request.route_not_found",
    405: "request.method_not_allowed",
    406: "request.not_acceptable",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    431: "request.header_too_large",
    500: "internal",
    502: "internal",
    504: "internal",
}

ErrorPage = Callable[[Request, int, str, str], Response]
"""An HTML (or other) page for a framework error: (request, status, code, language) -> Response."""
_ERROR_PAGES: list[tuple[str, ErrorPage]] = []


def register_error_page(path_prefix: str, render: ErrorPage) -> None:
    """Opt in: the framework's errors on routes under `path_prefix` (e.g. `/console/`) are rendered by `render`
    (an HTML page for a person) instead of a problem document. Responses a route makes itself are never touched."""
    _ERROR_PAGES.append((path_prefix, render))


def framework_problem_code(status: int) -> str:
    """The stable code of an error the framework (Chalice, its local server, API Gateway) answers itself."""
    return _FRAMEWORK_CODES.get(status, "internal" if status >= 500 else "request.bad_request")


def _is_framework_error(response: Response) -> bool:
    """Chalice's own error shape: `{"Code": ..., "Message": ...}` (415, 405, the binary-Accept 400, a view error,
    an unhandled exception). Routes declared with `endpoint` never answer it."""
    body = response.body
    return response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}


def framework_errors_as_problems(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """The one place where what the framework answers becomes an RFC 9457 problem document (API.md: every error
    is one), in the caller's language; an exception no route caught is a `500 internal` problem, logged."""
    from chalicelib.entrypoints.http import negotiate_language
    from chalicelib.entrypoints.problems import problem

    try:
        response = get_response(event)
    except Exception:
        logger.exception("unhandled error outside a route")
        response = Response(
            body={"Code": "InternalServerError", "Message": "An internal server error occurred."}, status_code=500
        )
    if not _is_framework_error(response):
        return response
    status = response.status_code
    headers: Any = getattr(event, "headers", None) or {}
    language = negotiate_language(headers.get("accept-language"))
    code = framework_problem_code(status)
    path = getattr(event, "path", "") or ""
    for prefix, render in _ERROR_PAGES:
        if path.startswith(prefix):
            return render(event, status, code, language)
    kept = {k: str(v) for k, v in response.headers.items() if k.lower() in ("allow", "retry-after")}
    return problem(status, code, str(response.body.get("Message") or ""), language=language, headers=kept or None)

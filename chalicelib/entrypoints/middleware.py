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

"""Logger, metrics and tracer (Powertools), shared by every entrypoint.

Personal data never reaches them: log application ids and masked IINs only. The tracer never captures
responses (they carry personal data) and is built on first use: the X-Ray SDK it loads costs a few
hundred milliseconds that a cold start should not pay before it is needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics

SERVICE = "social-benefits"
NAMESPACE = "SocialBenefits"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def tracing_enabled() -> bool:
    """X-Ray is there only inside Lambda, and not when switched off (POWERTOOLS_TRACE_DISABLED)."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true", "yes")
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not disabled


@cache
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


@contextmanager
def traced(name: str) -> Iterator[None]:
    """A subsegment around a piece of work; responses are never captured. Where tracing is off the
    X-Ray SDK is not even imported (it costs about 400 ms)."""
    if not tracing_enabled():
        yield
        return
    t = tracer()
    if t.disabled:
        yield
        return
    with t.provider.in_subsegment(f"## {name}"):
        yield

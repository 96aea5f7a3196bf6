"""One cold Lambda in a fresh interpreter: `import app`, then one GET /health handled by `app.app` directly.

Run by bench/cold_start.py as `python -m bench.first_request` (project root as cwd); prints one line
`FIRST_REQUEST {"import_ms": ..., "request_ms": ..., "status": ...}` on stderr (stdout carries the app's logs).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()


class ColdContext:
    """The little of Lambda's context object a REST handler reads."""

    function_name = "api_handler"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:api_handler"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/api_handler"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def main() -> None:
    import json
    import sys

    import app

    imported = time.perf_counter()
    from bench.lambda_events import proxy_event

    response = app.app(proxy_event("GET", "/health"), ColdContext())
    handled = time.perf_counter()
    figures = {
        "import_ms": round((imported - _STARTED) * 1000, 1),
        "request_ms": round((handled - imported) * 1000, 1),
        "status": response["statusCode"],
    }
    print(f"FIRST_REQUEST {json.dumps(figures)}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

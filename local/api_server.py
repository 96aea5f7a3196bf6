"""The API on Chalice's local server, as the local stack serves it: what the server answers itself is a problem
document too, and it holds many callers at once.

Chalice's local server (chalice/local.py) answers some requests before the app sees them, not as API.md says:
- a header too large (`431`), a request line too long (`414`), a malformed request (`400`): http.server's HTML page;
- a path no route matches: API Gateway's `403 {"message": "Missing Authentication Token"}`.
Here they are RFC 9457 problem documents with stable codes (`request.header_too_large`, `request.uri_too_long`,
`request.bad_request`, `request.route_not_found` as a `404`), in the caller's language, built by the app's own
`problem()` (chalicelib/entrypoints/problems.py). API Gateway answers the same cases in AWS; the CDK stack maps
its gateway responses to problem documents too (infra/stacks/backoffice.py).

The listen backlog is 128 (socketserver's default of 5 resets connections under a burst) and every connection
gets its own thread, so 50 callers at once are all answered.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.local import ChaliceRequestHandler, LocalDevServer, LocalGatewayException, ThreadedHTTPServer

LISTEN_BACKLOG = 128

_STATUS_CODES = {
    400: "request.bad_request",
    404: "request.route_not_found",
    408: "request.timeout",
    414: "request.uri_too_long",
    431: "request.header_too_large",
    501: "request.method_not_allowed",
    505: "request.bad_request",
}


def _problem_bytes(status: int, code: str, detail: str, accept_language: str | None) -> tuple[bytes, dict[str, str]]:
    from chalicelib.entrypoints.http import negotiate_language
    from chalicelib.entrypoints.problems import problem

    response = problem(status, code, detail, language=negotiate_language(accept_language))
    body = response.body if isinstance(response.body, bytes) else str(response.body).encode()
    return body, {k: str(v) for k, v in response.headers.items()}


class ProblemRequestHandler(ChaliceRequestHandler):
    """Chalice's handler, whose own answers (http.server's errors, an unmatched path) are problem documents."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's HTML error page, e.g. 431 for a 200 KB header: the headers may not even be parsed yet
        accept_language = None
        headers = getattr(self, "headers", None)
        if headers is not None:
            accept_language = headers.get("accept-language")
        status = 404 if code == 404 else code
        body, extra = _problem_bytes(
            status,
            _STATUS_CODES.get(code, "request.bad_request"),
            message or "The request could not be read.",
            accept_language,
        )
        try:
            self.send_response(status, message)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and status >= 200 and status not in (204, 304):
                self.wfile.write(body)
        finally:
            self.close_connection = True

    def _send_error_response(self, error: LocalGatewayException) -> None:
        # An unmatched path: API Gateway's "Missing Authentication Token" 403, here the problem API.md promises
        raw = error.body or b""
        if error.CODE == 403 and (b"Missing Authentication Token" in raw or b"Credential" in raw):
            body, extra = _problem_bytes(
                404, "request.route_not_found", "There is no such resource.", self.headers.get("accept-language")
            )
            self._send_http_response(404, extra, body)
            return
        super()._send_error_response(error)

    def _generic_handle(self) -> None:
        try:
            super()._generic_handle()
        except (ValueError, json.JSONDecodeError):  # e.g. a Content-Length that is not a number
            self.send_error(400, "The request could not be read.")

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle


class BacklogThreadedHTTPServer(ThreadedHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    allow_reuse_address = True


def create_api_server(app: Any, config: Any, host: str, port: int) -> LocalDevServer:
    """Chalice's LocalDevServer with the handler and server above (`serve_forever()`, `shutdown()`); the app made
    a LocalChalice (a request per thread) as chalice.local.create_local_server does."""
    from chalice.local import CustomLocalChalice, LocalChalice

    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(
        app, config, host, port, handler_cls=ProblemRequestHandler, server_cls=BacklogThreadedHTTPServer
    )

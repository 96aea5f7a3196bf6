"""The local stack's development identity provider, as an OpenID Connect provider (DEVELOPMENT ONLY).

It lets the console's real sign-in code (chalicelib/console/oidc.py: authorization code with PKCE, ID token checked
against the JWKS) run on the local stack. Its sign-in page lists the seeded staff (`local/seed/staff.json`) and
also takes any IIN and role, so a citizen's sign-in can be tried (the console refuses it). No passwords: never
expose it beyond 127.0.0.1.

- `GET /.well-known/openid-configuration`, `GET /jwks`: discovery and the signing key (local/devkeys.py);
- `GET /authorize?response_type=code&client_id&redirect_uri&state&nonce&code_challenge&code_challenge_method=S256`:
  the sign-in page; `POST /authorize` (the choice) redirects to `redirect_uri?code=...&state=...`;
- `POST /token` (`grant_type=authorization_code`, `code`, `redirect_uri`, `client_id`, `code_verifier`): the ID token
  (RS256, `aud` = the client id, `nonce`, `sub` = IIN, `role`, `org`, `name`), once per code, within 60 s, only
  for the verifier whose S256 challenge came with the authorization request.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from local.devkeys import ISSUER, jwks_for, mint, private_key_pem

STAFF_FILE = Path(__file__).parent / "seed" / "staff.json"
CODE_SECONDS = 60
ID_TOKEN_SECONDS = 600
ROLES = ("operator", "official", "admin", "citizen")


def seeded_staff() -> list[dict[str, str]]:
    staff: list[dict[str, str]] = json.loads(STAFF_FILE.read_text(encoding="utf-8"))["staff"]
    return staff


@dataclass
class Grant:
    claims: dict[str, str]
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    expires: float


@dataclass
class DevIdentityProvider:
    """`clients` maps each client id to the redirect URIs registered for it."""

    clients: dict[str, tuple[str, ...]]
    port: int = 0
    issuer: str = ISSUER
    _grants: dict[str, Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                provider.get(self)

            def do_POST(self) -> None:
                provider.post(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="dev-idp", daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- HTTP -------------------------------------------------------------------------------------------------

    def get(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/.well-known/openid-configuration":
            _send(request, 200, json.dumps(self.discovery()), "application/json")
        elif parts.path == "/jwks":
            _send(request, 200, json.dumps(jwks_for(private_key_pem())), "application/json")
        elif parts.path == "/authorize":
            problem = self._check_authorization(query)
            if problem:
                _send(request, 400, problem, "text/plain; charset=utf-8")
            else:
                _send(request, 200, self.sign_in_page(query), "text/html; charset=utf-8")
        else:
            _send(request, 404, "not found", "text/plain")

    def post(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode("utf-8")).items()}
        path = urlsplit(request.path).path
        if path == "/authorize":
            self._authorize(request, form)
        elif path == "/token":
            status, body = self.token(form)
            _send(request, status, json.dumps(body), "application/json", {"Cache-Control": "no-store"})
        else:
            _send(request, 404, "not found", "text/plain")

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
        }

    def _check_authorization(self, query: dict[str, str]) -> str | None:
        if query.get("response_type") != "code":
            return "response_type must be code"
        if query.get("redirect_uri") not in self.clients.get(query.get("client_id", ""), ()):
            return "unknown client or redirect_uri"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "PKCE (S256) is required"
        if not query.get("state") or not query.get("nonce"):
            return "state and nonce are required"
        return None

    def sign_in_page(self, query: dict[str, str]) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
        )
        rows = "".join(
            f'<li><form method="post" action="/authorize">{hidden}<input type="hidden" name="staff" value="{s["iin"]}">'
            f'<button type="submit">{html.escape(s["name"])}</button> {html.escape(s["role"])} · '
            f"{html.escape(s['org'])} · {html.escape(s.get('position', ''))}</form></li>"
            for s in seeded_staff()
        )
        options = "".join(f"<option>{r}</option>" for r in ROLES)
        return (
            '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Development identity provider</title>'
            "</head><body><main><h1>Development identity provider (local stack only)</h1>"
            f"<p>Sign in as one of the seeded staff:</p><ul>{rows}</ul>"
            f'<h2>Someone else</h2><form method="post" action="/authorize">{hidden}'
            '<label for="iin">IIN</label> <input id="iin" name="iin" inputmode="numeric"> '
            f'<label for="role">role</label> <select id="role" name="role">{options}</select> '
            '<label for="org">office</label> <input id="org" name="org"> '
            '<button type="submit" id="sign-in-other">Sign in</button></form></main></body></html>'
        )

    def _authorize(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        problem = self._check_authorization(form)
        if problem:
            _send(request, 400, problem, "text/plain; charset=utf-8")
            return
        chosen = next((s for s in seeded_staff() if s["iin"] == form.get("staff")), None)
        if chosen is not None:
            claims = {k: chosen[k] for k in ("iin", "role", "org", "name")}
        else:
            claims = {
                "iin": form.get("iin", ""),
                "role": form.get("role", "citizen"),
                "org": form.get("org", ""),
                "name": "",
            }
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._grants[code] = Grant(
                claims,
                form["client_id"],
                form["redirect_uri"],
                form["nonce"],
                form["code_challenge"],
                time.time() + CODE_SECONDS,
            )
        location = f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form['state']})}"
        _send(request, 302, "", "text/plain", {"Location": location})

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """RFC 6749 §5.2 errors: `invalid_grant` for an unknown, used, expired or mismatched code or verifier."""
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None or grant.expires < time.time():
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(digest, grant.challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        claims = grant.claims
        id_token = mint(
            private_key_pem(),
            iin=claims["iin"],
            role=claims["role"],
            org=claims.get("org") or None,
            name=claims.get("name") or None,
            ttl_seconds=ID_TOKEN_SECONDS,
            issuer=self.issuer,
            audience=grant.client_id,
            nonce=grant.nonce,
        )
        return 200, {
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": ID_TOKEN_SECONDS,
            "access_token": secrets.token_urlsafe(24),
        }


def _send(
    request: BaseHTTPRequestHandler, status: int, body: str, content_type: str, headers: dict[str, str] | None = None
) -> None:
    data = body.encode("utf-8")
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)

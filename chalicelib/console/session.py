"""The console's session: a cookie sealed with the stage's secret (Fernet: AES-128-CBC and HMAC-SHA256), so the
browser holds it but can neither read nor change it. It is short-lived (SESSION_IDLE_SECONDS since the last page,
SESSION_MAX_SECONDS since sign-in) and carries the CSRF token every form of the session must send back.

The sign-in itself (state, nonce and PKCE verifier, between the redirect to the identity provider and its answer)
is kept in a second sealed cookie, `FLOW_COOKIE`, that lives ten minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from chalicelib.domain.access import Caller

SESSION_COOKIE = "__Host-sb-console"
FLOW_COOKIE = "__Host-sb-console-flow"
SESSION_IDLE_SECONDS = 15 * 60
SESSION_MAX_SECONDS = 8 * 3600
FLOW_SECONDS = 600
MIN_SECRET_LENGTH = 32
STAFF_ROLES = ("operator", "official", "admin")


class SessionSecretMissing(RuntimeError):
    """CONSOLE_SESSION_SECRET (or its `_ARN`) is not set, or is shorter than 32 characters."""


def _fernet(secret: str, purpose: str) -> Any:
    from cryptography.fernet import Fernet

    if len(secret) < MIN_SECRET_LENGTH:
        raise SessionSecretMissing("Set CONSOLE_SESSION_SECRET (32 characters or more) to open the console.")
    key = hmac.new(secret.encode(), f"console-{purpose}".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(payload: dict[str, Any], secret: str, purpose: str) -> str:
    return str(_fernet(secret, purpose).encrypt(json.dumps(payload, separators=(",", ":")).encode()).decode())


def unseal(token: str | None, secret: str, purpose: str, *, ttl: int) -> dict[str, Any] | None:
    """The payload, or None for a missing, altered, foreign or older than `ttl` seconds cookie."""
    from cryptography.fernet import InvalidToken

    if not token:
        return None
    try:
        value = json.loads(_fernet(secret, purpose).decrypt(token.encode(), ttl=ttl))
    except (InvalidToken, ValueError):
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class StaffSession:
    """Who is signed in (from the identity provider's ID token), since when (Unix seconds) and their CSRF token."""

    iin: str
    role: str
    org: str | None
    name: str | None
    signed_in_at: int
    csrf: str

    @property
    def caller(self) -> Caller:
        return Caller(iin=self.iin, role=self.role, org=self.org, name=self.name)

    @classmethod
    def start(cls, caller: Caller, now: int) -> StaffSession:
        return cls(caller.iin, caller.role, caller.org, caller.name, now, secrets.token_urlsafe(32))

    def seal(self, secret: str) -> str:
        return seal(asdict(self), secret, "session")

    @classmethod
    def open(cls, cookie: str | None, secret: str, now: int) -> StaffSession | None:
        """The session of the cookie if it is intact, used within SESSION_IDLE_SECONDS and not older than
        SESSION_MAX_SECONDS; a session of a role that may not use the console is no session."""
        payload = unseal(cookie, secret, "session", ttl=SESSION_IDLE_SECONDS)
        if payload is None:
            return None
        try:
            session = cls(**payload)
        except TypeError:
            return None
        if session.role not in STAFF_ROLES or now - session.signed_in_at > SESSION_MAX_SECONDS:
            return None
        return session

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf, sent or "")


def read_cookie(header: str | None, name: str) -> str | None:
    """One cookie's value from a Cookie header."""
    from http.cookies import CookieError, SimpleCookie

    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def set_cookie(name: str, value: str, *, max_age: int, same_site: str = "Strict") -> str:
    """A Set-Cookie value: HttpOnly, Secure, the given SameSite, host-only (`__Host-`: Path=/, no Domain)."""
    return f"{name}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite={same_site}"


def clear_cookie(name: str, same_site: str = "Strict") -> str:
    return f"{name}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite={same_site}"

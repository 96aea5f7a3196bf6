"""Bearer JWTs from the e-Gov identity provider: RS256 only, checked against the configured JWKS
(issuer, audience, expiry). The claims become a `Caller`.

Beyond the signature, each claim is checked for its type (a token is someone else's code: a list where a string
belongs must not reach an access check): `sub` an IIN given as a string, `role` one of `ROLES`, `org` a non-empty
string (required for operators and officials), `name` a string, `iat` and `exp` whole numbers. A token may live
at most `MAX_LIFETIME_SECONDS` (`exp - iat`, 12 hours: one working shift at an office; the e-Gov identity
provider issues tokens of minutes, so anything longer is a token minted elsewhere or leaked for good). The
`Bearer` scheme is matched in any case (RFC 9110, section 11.1: auth schemes are case-insensitive).
"""

from __future__ import annotations

import hmac
import json
from functools import cache
from types import MappingProxyType
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.access import ROLES, Caller
from chalicelib.domain.errors import DomainError, InvalidValue
from chalicelib.domain.identity import Iin
from chalicelib.domain.text import stored_text

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 30
MAX_LIFETIME_SECONDS = 12 * 3600


class Unauthenticated(DomainError):
    status = 401
    code = "auth.invalid_token"
    headers = MappingProxyType({"WWW-Authenticate": 'Bearer error="invalid_token"'})


class RoleNotAllowed(DomainError):
    status = 403
    code = "auth.role_not_allowed"


@cache
def _key_source() -> Any:
    import jwt

    settings = get_settings()
    if settings.jwks_json:
        return jwt.PyJWKSet.from_dict(json.loads(settings.jwks_json))
    if settings.jwks_url:
        return jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=3600)
    raise RuntimeError("Set JWKS_URL or JWKS_JSON: there is no key to check tokens against.")


def _signing_key(token: str) -> Any:
    import jwt

    source = _key_source()
    if isinstance(source, jwt.PyJWKClient):
        return source.get_signing_key_from_jwt(token).key
    kid = jwt.get_unverified_header(token).get("kid")
    for key in source.keys:
        if kid is None or key.key_id == kid:
            return key.key
    raise Unauthenticated("The token was signed by an unknown key.")


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; the scheme in any case (RFC 9110 11.1)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A Bearer token is required.", code="auth.missing_token")
    return token.strip()


def authenticate(authorization: str | None) -> Caller:
    token = bearer_token(authorization)
    settings = get_settings()
    return caller_from_token(token, audience=settings.jwt_audience, issuer=settings.jwt_issuer)


def caller_from_token(token: str, *, audience: str, issuer: str, nonce: str | None = None) -> Caller:
    """The caller a JWT of the identity provider names, checked against its JWKS (RS256; issuer, audience, expiry;
    the `nonce` too when given: an OpenID Connect ID token of the console's sign-in). Raises `Unauthenticated`."""
    import jwt

    try:
        claims = jwt.decode(
            token,
            _signing_key(token),
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The token has expired.", code="auth.expired_token") from None
    except (jwt.PyJWTError, ValueError):
        raise Unauthenticated("The token is not valid.") from None
    if nonce is not None and not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise Unauthenticated("The ID token does not answer this sign-in (nonce).")
    return caller_of(claims)


def caller_of(claims: dict[str, Any]) -> Caller:
    """The caller a verified token's claims name, once each claim has its type and the token a bounded life."""
    issued, expires = claims.get("iat"), claims.get("exp")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (issued, expires)):
        raise Unauthenticated("`iat` and `exp` are whole seconds.", code="auth.claim_invalid")
    assert isinstance(issued, int) and isinstance(expires, int)
    if expires - issued > MAX_LIFETIME_SECONDS:
        raise Unauthenticated(
            f"A token may live at most {MAX_LIFETIME_SECONDS // 3600} hours.", code="auth.lifetime_too_long"
        )
    role = claims.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise Unauthenticated("The token carries no known role.")
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise Unauthenticated("The token's subject is not an IIN.")
    try:
        iin = Iin.parse(subject).value
    except InvalidValue:
        raise Unauthenticated("The token's subject is not an IIN.") from None
    org = claims.get("org")
    if org is not None and not (isinstance(org, str) and org.strip()):
        raise Unauthenticated("`org` is an office id, a string.", code="auth.claim_invalid")
    if role in ("operator", "official") and not org:
        raise Unauthenticated("Operators and officials carry their office in `org`.")
    name = claims.get("name")
    if name is not None:
        try:
            name = stored_text(name, "person_name")
        except InvalidValue:
            raise Unauthenticated("`name` is a person's name, a string.", code="auth.claim_invalid") from None
    return Caller(iin=iin, role=role, org=org, name=name)


def require_role(caller: Caller, roles: tuple[str, ...]) -> None:
    if caller.role not in roles:
        raise RoleNotAllowed("Your role may not do this.")


def reset_keys() -> None:
    _key_source.cache_clear()

"""Bearer JWTs from the e-Gov identity provider: RS256 only, checked against the configured JWKS
(issuer, audience, expiry). The claims become a `Caller`."""

from __future__ import annotations

import hmac
import json
from functools import cache
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.access import ROLES, Caller
from chalicelib.domain.errors import DomainError, InvalidValue
from chalicelib.domain.identity import Iin

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 30


class Unauthenticated(DomainError):
    status = 401
    code = "auth.invalid_token"


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


def authenticate(authorization: str | None) -> Caller:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthenticated("A Bearer token is required.", code="auth.missing_token")
    settings = get_settings()
    return caller_from_token(authorization[len("Bearer "):].strip(), audience=settings.jwt_audience,
                             issuer=settings.jwt_issuer)


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
    role = claims.get("role")
    if role not in ROLES:
        raise Unauthenticated("The token carries no known role.")
    try:
        iin = Iin.parse(claims["sub"]).value
    except InvalidValue:
        raise Unauthenticated("The token's subject is not an IIN.") from None
    org = claims.get("org")
    if role in ("operator", "official") and not org:
        raise Unauthenticated("Operators and officials carry their office in `org`.")
    return Caller(iin=iin, role=role, org=org, name=claims.get("name"))


def require_role(caller: Caller, roles: tuple[str, ...]) -> None:
    if caller.role not in roles:
        raise RoleNotAllowed("Your role may not do this.")


def reset_keys() -> None:
    _key_source.cache_clear()

"""The local stack's development identity provider: an RSA key kept in `.local/` (never committed),
its JWKS, and tokens signed with it. Production checks tokens against the e-Gov IdP's JWKS instead."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

LOCAL_DIR = Path(__file__).resolve().parent.parent / ".local"
KEY_FILE = LOCAL_DIR / "dev-idp-key.pem"
KID = "local-dev-1"
ISSUER = "https://idp.local.egov.kz"
AUDIENCE = "social-benefits"


def private_key_pem() -> bytes:
    if not KEY_FILE.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        LOCAL_DIR.mkdir(exist_ok=True)
        KEY_FILE.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        KEY_FILE.chmod(0o600)
    return KEY_FILE.read_bytes()


def jwks_for(pem: bytes, kid: str = KID) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import RSAAlgorithm

    key = serialization.load_pem_private_key(pem, password=None)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))  # type: ignore[arg-type]
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}


def mint(
    pem: bytes,
    *,
    iin: str,
    role: str,
    org: str | None = None,
    name: str | None = None,
    ttl_seconds: int = 3600,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    kid: str = KID,
    now: float | None = None,
    nonce: str | None = None,
) -> str:
    import jwt

    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": iin,
        "role": role,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if org:
        claims["org"] = org
    if name:
        claims["name"] = name
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})

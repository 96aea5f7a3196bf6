"""Typed settings from the environment, read once on first use (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_name: str
    documents_bucket: str
    signing_key_id: str
    jwks_url: str
    jwks_json: str
    jwt_issuer: str
    jwt_audience: str
    gateway_url: str
    gateway_breaker_cooldown_s: float
    gateway_backoff_cap_s: float
    gateway_sender_id: str
    gateway_signing_kms_key_id: str
    requesting_system: str
    max_body_bytes: int
    eds_trust_store: str  # `nca`: the National Certification Centre's store (data/nca); `pem`: eds_trust_anchors_pem
    eds_trust_anchors_pem: str
    # The staff console's OpenID Connect client (README "The staff console"): the identity provider's issuer and
    # endpoints, this stage's client id and the redirect URI registered for it, and where NCALayer listens.
    oidc_issuer: str
    oidc_client_id: str
    oidc_authorization_endpoint: str
    oidc_token_endpoint: str
    oidc_redirect_uri: str
    ncalayer_url: str
    public_base_url: str  # where anyone checks a printed verification code (`GET /results/{code}`)

    # Secrets: the variable itself (local stack, tests), or `<NAME>_ARN` naming a Secrets Manager secret that
    # is read on first use and kept for the life of the process (the CDK stack passes ARNs, never values).
    @property
    def sms_webhook_secret(self) -> str:
        return secret("SMS_WEBHOOK_SECRET")

    @property
    def gateway_webhook_secret(self) -> str:
        return secret("GATEWAY_WEBHOOK_SECRET")

    @property
    def gateway_sender_password(self) -> str:
        """The back office's password at the e-government gateway (ШЭП SyncChannel sender/password)."""
        return secret("GATEWAY_SENDER_PASSWORD")

    @property
    def gateway_signing_key_pem(self) -> str:
        """The private key (PEM) that signs messages to the gateway (WS-Security)."""
        return secret("GATEWAY_SIGNING_KEY_PEM")

    @property
    def gateway_signing_cert_pem(self) -> str:
        """The participant's certificate (PEM, chain allowed) that goes with that key."""
        return secret("GATEWAY_SIGNING_CERT_PEM")

    @property
    def person_key_secret(self) -> str:
        return secret("PERSON_KEY_SECRET")

    @property
    def otp_secret(self) -> str:
        return secret("OTP_SECRET")

    @property
    def console_session_secret(self) -> str:
        """Seals the console's session cookie (encrypted and authenticated); at least 32 characters."""
        return secret("CONSOLE_SESSION_SECRET")

    def queue_name(self, purpose: str) -> str:
        from chalicelib.adapters.resources import queue_name

        return queue_name(purpose)


@cache
def secret(name: str) -> str:
    value = _env(name)
    if value:
        return value
    arn = _env(f"{name}_ARN")
    if not arn:
        return ""
    from aws_lambda_powertools.utilities.parameters import get_secret

    return str(get_secret(arn))


@cache
def get_settings() -> Settings:
    return Settings(
        stage=_env("STAGE", "local"),
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "eu-central-1")),
        table_name=_env("TABLE_NAME", "social-benefits"),
        documents_bucket=_env("DOCUMENTS_BUCKET", "social-benefits-documents"),
        signing_key_id=_env("SIGNING_KEY_ID", "alias/social-benefits-results"),
        jwks_url=_env("JWKS_URL"),
        jwks_json=_env("JWKS_JSON"),
        jwt_issuer=_env("JWT_ISSUER", "https://idp.egov.kz"),
        jwt_audience=_env("JWT_AUDIENCE", "social-benefits"),
        gateway_url=_env("GATEWAY_URL", "http://127.0.0.1:8100"),
        gateway_breaker_cooldown_s=float(_env("GATEWAY_BREAKER_COOLDOWN_S", "30")),
        gateway_backoff_cap_s=float(_env("GATEWAY_BACKOFF_CAP_S", "2")),
        gateway_sender_id=_env("GATEWAY_SENDER_ID") or _env("REQUESTING_SYSTEM", "social-benefits-back-office"),
        gateway_signing_kms_key_id=_env("GATEWAY_SIGNING_KMS_KEY_ID"),
        requesting_system=_env("REQUESTING_SYSTEM", "social-benefits-back-office"),
        max_body_bytes=int(_env("MAX_BODY_BYTES", "65536")),
        eds_trust_store=_env("EDS_TRUST_STORE", "pem"),
        eds_trust_anchors_pem=_env("EDS_TRUST_ANCHORS_PEM"),
        oidc_issuer=_env("OIDC_ISSUER") or _env("JWT_ISSUER", "https://idp.egov.kz"),
        oidc_client_id=_env("OIDC_CLIENT_ID", "social-benefits-console"),
        oidc_authorization_endpoint=_env("OIDC_AUTHORIZATION_ENDPOINT"),
        oidc_token_endpoint=_env("OIDC_TOKEN_ENDPOINT"),
        oidc_redirect_uri=_env("OIDC_REDIRECT_URI"),
        ncalayer_url=_env("NCALAYER_URL", "wss://127.0.0.1:13579"),
        public_base_url=_env("PUBLIC_BASE_URL", "https://social-benefits.egov.kz"),
    )

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
    requesting_system: str
    sms_webhook_secret: str
    gateway_webhook_secret: str
    person_key_secret: str
    otp_secret: str
    max_body_bytes: int
    eds_trust_anchors_pem: str

    def queue_name(self, purpose: str) -> str:
        from chalicelib.adapters.resources import queue_name

        return queue_name(purpose)


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
        requesting_system=_env("REQUESTING_SYSTEM", "social-benefits-back-office"),
        sms_webhook_secret=_env("SMS_WEBHOOK_SECRET", ""),
        gateway_webhook_secret=_env("GATEWAY_WEBHOOK_SECRET", ""),
        person_key_secret=_env("PERSON_KEY_SECRET", ""),
        otp_secret=_env("OTP_SECRET", ""),
        max_body_bytes=int(_env("MAX_BODY_BYTES", "65536")),
        eds_trust_anchors_pem=_env("EDS_TRUST_ANCHORS_PEM"),
    )

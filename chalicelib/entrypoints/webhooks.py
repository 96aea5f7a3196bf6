"""Webhooks from the SMS provider: delivery receipts and inbound SMS (API.md "Webhook authentication").

The signature is checked on the raw body before anything is parsed; a refusal is a 401 problem document with its
own code (and no Bearer challenge: webhooks do not use tokens).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.webhook_signature import WebhookUnauthenticated, verify_signature
from chalicelib.entrypoints.http import BodyTooLarge, Call, endpoint, json_object
from chalicelib.observability import logger

webhooks = Blueprint(__name__)


@endpoint(
    webhooks,
    "/webhooks/sms",
    "POST",
    summary="Inbound SMS and delivery receipts from the SMS provider (HMAC)",
    body="SmsWebhookIn",
    response="WebhookAck",
    headers=("X-Signature",),
    errors=(400, 401, 413, 422),
)
def sms_webhook(call: Call) -> Any:
    from chalicelib.services.sms_inbound import receive_sms_webhook

    deps = container()
    payload = _verified_payload(call, deps.settings.sms_webhook_secret, deps.clock.now(), "sms webhook")
    outcome = receive_sms_webhook(payload, deps.sms_webhooks())
    logger.info("sms webhook", extra={"outcome": outcome})
    return Response(
        body=json.dumps({"status": "duplicate" if outcome == "duplicate" else "accepted"}),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


@endpoint(
    webhooks,
    "/webhooks/registry-events",
    "POST",
    summary="Life events from the e-government gateway that may start a proactive service (HMAC)",
    body="RegistryEventIn",
    response="WebhookAck",
    headers=("X-Signature",),
    errors=(400, 401, 413, 422),
)
def registry_events_webhook(call: Call) -> Any:
    """Acknowledged at once: the event is remembered once by its event_id and queued on `proactive`."""
    from chalicelib.services.proactive import receive_registry_event

    deps = container()
    payload = _verified_payload(call, deps.settings.gateway_webhook_secret, deps.clock.now(), "registry event webhook")
    outcome = receive_registry_event(payload, deps.proactive())
    logger.info("registry event webhook", extra={"outcome": outcome})
    return Response(
        body=json.dumps({"status": "duplicate" if outcome == "duplicate" else "accepted"}),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


def _verified_payload(call: Call, secret: str, now: datetime, what: str) -> dict[str, Any]:
    """The body as a JSON object once its HMAC signature checks out. Raises WebhookUnauthenticated when it does not
    (a 401 problem document, without a Bearer challenge: webhooks do not use tokens), BodyTooLarge."""
    raw_body = call.request.raw_body or b""
    raw = raw_body.encode() if isinstance(raw_body, str) else raw_body
    if len(raw) > container().settings.max_body_bytes:
        raise BodyTooLarge("The request body is too large.")
    try:
        verify_signature(secret.encode(), call.header("x-signature"), raw, now)
    except WebhookUnauthenticated as refused:
        logger.warning(f"{what} refused", extra={"code": refused.code})
        raise
    return json_object(raw)

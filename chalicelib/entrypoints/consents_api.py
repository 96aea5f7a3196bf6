"""The personal account's SMS consents: what a citizen consented to by SMS, when, by which message, and its
revocation (their own only). The revocation is also a notice (`GET /notifications`, purpose consent_revoked)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.bootstrap import container
from chalicelib.entrypoints.http import Call, endpoint
from chalicelib.services.ports import ConsentRecord

consents_api = Blueprint(__name__)


def consent_view(record: ConsentRecord) -> dict[str, Any]:
    return {
        "offer_id": record.offer_id,
        "service_id": record.service_id,
        "scope": record.scope,
        "given_at": record.given_at.isoformat(),
        "message_id": record.message_id,
        "application_id": record.application_id,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "revoked_message_id": record.revoked_message_id,
    }


@endpoint(
    consents_api,
    "/consents",
    summary="The caller's consents given by SMS (proactive services), newest first",
    roles=("citizen",),
    response="ConsentsOut",
    errors=(401, 403),
)
def list_my_consents(call: Call) -> dict[str, Any]:
    from chalicelib.services.proactive import list_consents

    return {"items": [consent_view(r) for r in list_consents(container().proactive_store, call.who)]}

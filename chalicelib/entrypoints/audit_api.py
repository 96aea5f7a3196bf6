"""The audit trail of an application's personal-data access, for the officials who decide it."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.bootstrap import container
from chalicelib.entrypoints.http import Call, endpoint
from chalicelib.observability import logger

audit_api = Blueprint(__name__)


@endpoint(
    audit_api,
    "/applications/{application_id}/audit",
    summary="Who read the application's personal data, when and why (newest first; this reading included)",
    roles=("official", "admin"),
    response="AuditTrailOut",
    errors=(401, 403, 404),
)
def read_audit_trail(call: Call, application_id: str) -> dict[str, Any]:
    from chalicelib.services.audit import audit_trail

    deps = container()
    entries = audit_trail(deps.repo, deps.audit, deps.clock, application_id, call.who)
    logger.info(
        "audit trail read", extra={"application_id": application_id, "role": call.who.role, "entries": len(entries)}
    )
    return {"application_id": application_id, "entries": [entry.to_dict() for entry in entries]}

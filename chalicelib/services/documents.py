"""Documents that stand in for missing registry data: an upload slot for the applicant (or the agency's
written answer, uploaded by the office), and the upload landing, which completes the lookups it answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.data import load_json
from chalicelib.domain.access import Caller, can_view
from chalicelib.domain.application import Application, Status
from chalicelib.domain.errors import ApplicationNotFound, DomainError, FieldError, ValidationFailed
from chalicelib.services.concurrency import update_application
from chalicelib.services.decisions import gaps_of
from chalicelib.services.ports import ApplicationRepository, Clock, LookupRecord, LookupStore, MessagePublisher

UPLOADERS = ("citizen", "operator", "official")
AGENCY_REPLY = "agency_reply:"


class UploadStore(Protocol):
    def upload_slot(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
        """A pre-signed upload (URL and form fields) for exactly this key, type and size limit."""
        ...


class NothingToUpload(DomainError):
    code = "documents.not_requested"
    status = 409


@dataclass(frozen=True)
class DocumentDeps:
    repo: ApplicationRepository
    lookups: LookupStore
    uploads: UploadStore
    publisher: MessagePublisher
    clock: Clock


def _policy() -> dict[str, Any]:
    policy: dict[str, Any] = load_json("documents_policy.json")
    return policy


def pending_kinds(records: list[LookupRecord]) -> dict[str, list[LookupRecord]]:
    """What may be uploaded now: the applicant's documents, and the agencies' written answers."""
    ask, write = gaps_of(records)
    kinds: dict[str, list[LookupRecord]] = {}
    for record in ask:
        kinds.setdefault(record.document or record.registry, []).append(record)
    for record in write:
        kinds.setdefault(f"{AGENCY_REPLY}{record.registry}", []).append(record)
    return kinds


def request_upload(application_id: str, kind: str, content_type: str, caller: Caller,
                   deps: DocumentDeps) -> dict[str, Any]:
    application = deps.repo.get(application_id)
    if not can_view(caller, application) or (caller.role == "official" and not kind.startswith(AGENCY_REPLY)):
        raise ApplicationNotFound("No such application.")
    policy = _policy()
    pending = pending_kinds(deps.lookups.for_application(application_id))
    errors = []
    if content_type not in policy["content_types"]:
        errors.append(FieldError("content_type", "documents.content_type",
                                 f"Upload one of: {', '.join(policy['content_types'])}."))
    if kind not in pending:
        if not pending:
            raise NothingToUpload("No document is awaited for this application.")
        errors.append(FieldError("kind", "documents.kind_not_requested",
                                 f"The documents awaited are: {', '.join(sorted(pending))}."))
    if errors:
        raise ValidationFailed(errors)
    key = f"{policy['key_prefix']}{application_id}/{kind.replace(':', '~')}/{uuid.uuid4().hex}"
    slot = deps.uploads.upload_slot(key, content_type, int(policy["max_bytes"]), int(policy["slot_valid_seconds"]))
    expires = deps.clock.now() + timedelta(seconds=int(policy["slot_valid_seconds"]))
    return {"kind": kind, "content_type": content_type, "max_bytes": policy["max_bytes"],
            "expires_at": expires.isoformat(), "upload": slot}


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(application id, document kind) from an upload's object key, or None for anything else."""
    prefix = _policy()["key_prefix"]
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix):].split("/")
    if len(parts) != 3:
        return None
    return parts[0], parts[1].replace("~", ":")


def document_received(application_id: str, kind: str, object_key: str, deps: DocumentDeps) -> str:
    """An upload landed: it completes the lookups it answers; with nothing left missing, decide again."""
    from chalicelib.services.intake import dispatch_outbox
    from chalicelib.services.lookups import decide_message

    records = deps.lookups.for_application(application_id)
    answered = pending_kinds(records).get(kind, [])
    for record in answered:
        deps.lookups.provide_document(application_id, record.key, object_key)
    remaining = pending_kinds(deps.lookups.for_application(application_id))
    now = deps.clock.now()

    def change(app: Application) -> None:
        if app.is_final:
            return
        if not any(e.type == "document_received" and e.detail.get("object") == object_key[-32:]
                   for e in app.timeline):
            app.record(now, "document_received", "applicant" if not kind.startswith(AGENCY_REPLY) else "office",
                       kind=kind, object=object_key[-32:], completes=len(answered))
        if not remaining:
            if app.status is Status.AWAITING_DOCUMENTS:
                app.transition(Status.CHECKING, at=now, actor="system", reason="documents_received")
            message = decide_message(app.id)
            app.send(message.queue, f"{message.key}:{object_key[-32:]}", message.body)

    application, _ = update_application(deps.repo, application_id, change)
    dispatch_outbox(deps.repo, deps.publisher, application)
    return "complete" if not remaining else "pending"

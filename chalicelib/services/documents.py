"""Documents that stand in for missing registry data: an upload slot for a document the application awaits, and the
upload landing, which waits for an official's review (services/review.py) and decides nothing by itself.

Who may ask for a slot: the applicant (or their representative) for the documents the applicant was asked for; the
office (an operator of the accepting office, an official of the deciding office) for those too, and alone for an
agency's written reply (`agency_reply:<registry>`). Every slot issued is kept in the application (key, kind, content
type, size limit, who asked, until when): the documents worker accepts an object only when it is such a slot,
unused, of a document still awaited, and its bytes are what the slot says (domain.documents.check_object).
Anything else is moved to quarantine and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from chalicelib.data import load_json
from chalicelib.domain.access import Caller, can_view
from chalicelib.domain.application import Application
from chalicelib.domain.documents import (
    AGENCY_REPLY,
    HEAD_BYTES,
    RECEIVED,
    DocumentRecord,
    UploadSlot,
    check_object,
    documents_of,
    is_agency_reply,
    put_document,
    put_slot,
    slots_of,
)
from chalicelib.domain.errors import ApplicationNotFound, DomainError, FieldError, NotFound, ValidationFailed
from chalicelib.domain.identity import mask_iin
from chalicelib.services.concurrency import update_application
from chalicelib.services.ports import (
    ApplicationRepository,
    Clock,
    LookupRecord,
    LookupStore,
    MessagePublisher,
    UploadStore,
)

UPLOADERS = ("citizen", "operator", "official")
MISSING_STATUSES = ("not_found", "failed", "document_received")
"""A lookup with one of these statuses still lacks its data (an upload under review lacks it too)."""
__all__ = ["AGENCY_REPLY", "DocumentDeps", "Target", "awaited", "object_landed", "request_upload"]


class NothingToUpload(DomainError):
    code = "documents.not_requested"
    status = 409


class NoSuchDocument(NotFound):
    code = "document.not_found"


@dataclass(frozen=True)
class DocumentDeps:
    repo: ApplicationRepository
    lookups: LookupStore
    uploads: UploadStore
    publisher: MessagePublisher
    clock: Clock


@dataclass(frozen=True)
class Target:
    """A lookup a document may complete: an existing lookup (`exists`), or a fact the rules found missing, which
    the official asks the agency for in writing (it becomes a lookup when the reply is accepted)."""

    key: str
    registry: str
    iin: str
    exists: bool = True


def _policy() -> dict[str, Any]:
    policy: dict[str, Any] = load_json("documents_policy.json")
    return policy


def missing_lookups(records: list[LookupRecord]) -> tuple[list[LookupRecord], list[LookupRecord]]:
    """(documents to ask the applicant for, registries to write to) among the settled lookups that still lack data."""
    missing = [r for r in records if r.status in MISSING_STATUSES and r.on_not_found != "fact"]
    return (
        [r for r in missing if r.on_not_found == "ask_applicant"],
        [r for r in missing if r.on_not_found == "written_request"],
    )


def awaited(application: Application, records: list[LookupRecord]) -> dict[str, list[Target]]:
    """What may be uploaded now, by kind: the applicant's documents, the agencies' written replies, and, for an
    application the rules could not decide, a written reply for each fact they lacked."""
    if application.is_final:
        return {}
    ask, write = missing_lookups(records)
    kinds: dict[str, list[Target]] = {}
    for record in ask:
        kinds.setdefault(record.document or record.registry, []).append(Target(record.key, record.registry, record.iin))
    for record in write:
        kinds.setdefault(f"{AGENCY_REPLY}{record.registry}", []).append(Target(record.key, record.registry, record.iin))
    by_fact = {(r.registry, r.iin): r for r in records}
    for missing in (application.data.get("official_decision") or {}).get("missing") or ():
        registry, iin = missing["registry"], missing["iin"]
        held = by_fact.get((registry, iin))
        if held is not None and held.status not in MISSING_STATUSES:
            continue
        target = Target(held.key if held else missing["key"], registry, iin, exists=held is not None)
        listed = kinds.setdefault(f"{AGENCY_REPLY}{registry}", [])
        if all(t.key != target.key for t in listed):
            listed.append(target)
    return kinds


def may_upload(caller: Caller, application: Application, kind: str) -> bool:
    """The applicant's side uploads the applicant's documents; only the office uploads an agency's reply."""
    if caller.role not in UPLOADERS or not can_view(caller, application):
        return False
    return caller.role != "citizen" or not is_agency_reply(kind)


def request_upload(
    application_id: str, kind: str, content_type: str, caller: Caller, deps: DocumentDeps
) -> dict[str, Any]:
    """A pre-signed upload slot (S3 POST) for one document the application awaits, recorded in the application.

    Returns {kind, content_type, max_bytes, expires_at, upload: {method, url, fields}}. Raises ApplicationNotFound
    (not the caller's, or an agency reply asked by a citizen: 404 as for anything they may not see),
    NothingToUpload (409: nothing is awaited), ValidationFailed (`documents.kind_not_requested`,
    `documents.content_type`).
    """
    application = deps.repo.get(application_id)
    if not may_upload(caller, application, kind):
        raise ApplicationNotFound("No such application.")
    policy = _policy()
    pending = {
        k: v
        for k, v in awaited(application, deps.lookups.for_application(application_id)).items()
        if may_upload(caller, application, k)
    }
    errors = []
    if content_type not in policy["content_types"]:
        errors.append(
            FieldError(
                "content_type", "documents.content_type", f"Upload one of: {', '.join(policy['content_types'])}."
            )
        )
    if kind not in pending:
        if not pending:
            raise NothingToUpload("No document is awaited for this application.")
        errors.append(
            FieldError(
                "kind", "documents.kind_not_requested", f"The documents awaited are: {', '.join(sorted(pending))}."
            )
        )
    if errors:
        raise ValidationFailed(errors)
    import uuid

    now = deps.clock.now()
    key = f"{policy['key_prefix']}{application_id}/{kind.replace(':', '~')}/{uuid.uuid4().hex}"
    slot = UploadSlot(
        key=key,
        kind=kind,
        content_type=content_type,
        max_bytes=int(policy["max_bytes"]),
        requested_by_role=caller.role,
        requested_by=mask_iin(caller.iin),
        issued_at=now,
        expires_at=now + timedelta(seconds=int(policy["slot_valid_seconds"])),
    )

    def keep(app: Application) -> None:
        put_slot(app.data, slot)

    update_application(deps.repo, application_id, keep)
    upload = deps.uploads.upload_slot(key, content_type, slot.max_bytes, int(policy["slot_valid_seconds"]))
    return {
        "kind": kind,
        "content_type": content_type,
        "max_bytes": slot.max_bytes,
        "expires_at": slot.expires_at.isoformat(),
        "upload": upload,
    }


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(application id, document kind) from an upload's object key, or None for anything else."""
    prefix = _policy()["key_prefix"]
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix) :].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1].replace("~", ":")


def document_id_of(key: str) -> str:
    """A document's id: the random part of its slot's key (so a redelivered notification makes the same one)."""
    return key.rsplit("/", 1)[-1][:32]


def object_landed(key: str, deps: DocumentDeps) -> str:
    """An object was written to the documents bucket (S3 -> SQS). It becomes a document waiting for review when it
    fills an issued slot of a document still awaited with what the slot allowed; it is quarantined otherwise.

    Returns `received`, `duplicate` (this object was received before) or `quarantined:<reason>` (reason codes of
    domain.documents.check_object, plus upload.not_awaited; no personal data, fit for the log).
    """
    parsed = parse_upload_key(key)
    application: Application | None = None
    if parsed is not None:
        try:
            application = deps.repo.get(parsed[0])
        except ApplicationNotFound:
            application = None
    document_id = document_id_of(key)
    slot = slots_of(application.data).get(key) if application is not None else None
    stored = deps.uploads.inspect(key, HEAD_BYTES) if slot is not None else None
    if application is not None and any(d.document_id == document_id for d in documents_of(application.data)):
        if stored is None:  # the notification again: the object was moved on receipt
            return "duplicate"
        deps.uploads.quarantine(key, "upload.slot_used")  # written again through the same slot
        return "quarantined:upload.slot_used"
    reason = check_object(slot, stored.size if stored else None, stored.head if stored else b"")
    targets: list[Target] = []
    if reason is None and application is not None and slot is not None:
        targets = awaited(application, deps.lookups.for_application(application.id)).get(slot.kind, [])
        if not targets:
            reason = "upload.not_awaited"
    if reason is not None or application is None or slot is None or stored is None:
        deps.uploads.quarantine(key, reason or "upload.no_slot")
        return f"quarantined:{reason or 'upload.no_slot'}"

    now = deps.clock.now()
    kept = deps.uploads.keep(key, document_id)
    document = DocumentRecord(
        document_id=document_id,
        kind=slot.kind,
        state=RECEIVED,
        uploaded_at=now,
        object_key=kept,
        content_type=slot.content_type,
        size=stored.size,
        uploaded_by_role=slot.requested_by_role,
        lookup_keys=tuple(t.key for t in targets),
    )
    for target in targets:
        if target.exists:
            deps.lookups.document_pending(application.id, target.key, f"document:{document_id}")

    def change(app: Application) -> str:
        if any(d.document_id == document_id for d in documents_of(app.data)):
            return "duplicate"
        put_document(app.data, document)
        put_slot(app.data, replace(slots_of(app.data)[key], used_by=document_id))
        if not app.is_final:
            app.record(
                now,
                "document_received",
                "office" if is_agency_reply(slot.kind) else "applicant",
                kind=slot.kind,
                document_id=document_id,
            )
        return "received"

    _, outcome = update_application(deps.repo, application.id, change)
    return outcome

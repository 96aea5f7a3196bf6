"""An official reads an uploaded document and records what it states, or rejects it (API.md "The official's desk").

Only an official of the office that decides the application reviews its documents; reading one (the short-lived
download link) is in the audit log, as is the review. Accepting records the facts, in the answer shape of the
registry the document stands for (chalicelib/data/registries.json), with the document and the official as their
source: the lookups it stands for become `provided`, and with nothing else missing the application goes on to its
decision (which an official then signs: services/official.py). Rejecting puts the lookups back to missing and asks
the applicant again, with the reason, by notice and SMS.

Use cases for the API and the staff console: `read_document`, `review_document`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.data import load_json
from chalicelib.domain.access import Caller, is_accepting_operator, is_deciding_official
from chalicelib.domain.application import Application, Status
from chalicelib.domain.documents import (
    COMMENT_MAX,
    RECEIVED,
    REJECT_REASONS,
    DocumentRecord,
    Review,
    documents_of,
    is_agency_reply,
    pick,
    put_document,
    validate_facts,
)
from chalicelib.domain.errors import Conflict, FieldError, ValidationFailed
from chalicelib.domain.identity import mask_iin
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.concurrency import update_application
from chalicelib.services.decisions import DOCUMENT_SOURCE
from chalicelib.services.documents import NoSuchDocument, awaited
from chalicelib.services.notify import notify
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import (
    ApplicationRepository,
    Clock,
    LookupRecord,
    LookupStore,
    MessagePublisher,
    UploadStore,
)
from chalicelib.services.queries import get_application

DOWNLOAD_LINK_SECONDS = 300
REVIEW_PURPOSE = "review of a document standing in for registry data"


class AlreadyReviewed(Conflict):
    code = "document.already_reviewed"


class NotOpen(Conflict):
    code = "application.final"


@dataclass(frozen=True)
class ReviewDeps:
    repo: ApplicationRepository
    lookups: LookupStore
    uploads: UploadStore
    publisher: MessagePublisher
    audit: AuditLog
    clock: Clock


def _may_read(caller: Caller, application: Application) -> bool:
    """An official of the deciding office, or an operator of the accepting office (who took the documents)."""
    return is_deciding_official(caller, application) or is_accepting_operator(caller, application)


def _registries() -> Mapping[str, Any]:
    registries: Mapping[str, Any] = load_json("registries.json")["registries"]
    return registries


def document_view(document: DocumentRecord) -> dict[str, Any]:
    view = document.public_view()
    view["content_type"] = document.content_type
    view["size"] = document.size
    if document.review is not None:
        review = document.review
        view["review"] = {
            "accepted": review.accepted,
            "at": review.at.isoformat(),
            "official": review.official,
            "reason": review.reason,
            "comment": review.comment,
            "fields": list(review.fields),
        }
    return view


def read_document(application_id: str, document_id: str, caller: Caller, deps: ReviewDeps) -> dict[str, Any]:
    """{document_id, kind, state, uploaded_at, content_type, size, review?, download_url, download_expires_in}.

    For an official of the deciding office or an operator of the accepting office; anyone else gets 404
    (ApplicationNotFound), as does an unknown document (NoSuchDocument). The read is in the audit log."""
    application = get_application(deps.repo, application_id, caller, may=_may_read)
    document = pick(documents_of(application.data), document_id)
    if document is None:
        raise NoSuchDocument("No such document.")
    deps.audit.record(
        AuditEntry.by_caller(
            caller, at=deps.clock.now(), purpose=REVIEW_PURPOSE, application_id=application_id, action="document_read"
        )
    )
    return {
        **document_view(document),
        "download_url": deps.uploads.download_url(document.object_key, DOWNLOAD_LINK_SECONDS),
        "download_expires_in": DOWNLOAD_LINK_SECONDS,
    }


@dataclass(frozen=True)
class ReviewRequest:
    """A parsed review: accept with `facts` (and, when the document stands for several people, `person_iin`), or
    reject with `reason` and `comment`."""

    accept: bool
    facts: Mapping[str, Any] | None = None
    reason: str | None = None
    comment: str | None = None
    person_iin: str | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ReviewRequest:
        """Raises ValidationFailed naming every bad field."""
        accept = raw.get("accept")
        errors: list[FieldError] = []
        if not isinstance(accept, bool):
            raise ValidationFailed([FieldError("accept", "field.required", "`accept` is true or false.")])
        if accept:
            facts = raw.get("facts")
            if not isinstance(facts, Mapping):
                errors.append(FieldError("facts", "field.required", "`facts` is an object in the registry's shape."))
            person = raw.get("person_iin")
            if person is not None and not (isinstance(person, str) and person.isdigit() and len(person) == 12):
                errors.append(FieldError("person_iin", "iin.invalid", "`person_iin` is an IIN of 12 digits."))
            if errors:
                raise ValidationFailed(errors)
            return cls(True, facts=facts if isinstance(facts, Mapping) else None, person_iin=person)
        reason, comment = raw.get("reason"), raw.get("comment")
        if reason not in REJECT_REASONS:
            errors.append(FieldError("reason", "review.reason", f"`reason` is one of: {', '.join(REJECT_REASONS)}."))
        if comment is not None and (not isinstance(comment, str) or len(comment) > COMMENT_MAX):
            errors.append(FieldError("comment", "field.too_long", f"`comment` is text of at most {COMMENT_MAX}."))
        if errors:
            raise ValidationFailed(errors)
        return cls(False, reason=str(reason), comment=(comment or "").strip() or None)


def _targets(
    document: DocumentRecord, application: Application, records: list[LookupRecord], request: ReviewRequest
) -> list[tuple[str, str, str, bool]]:
    """(lookup key, registry, IIN, exists) of the lookups the facts complete: those the document was uploaded for
    that still await it (a fact a later rule found missing may be answered by an agency's reply too)."""
    pending = awaited(application, records).get(document.kind, [])
    targets = [
        (t.key, t.registry, t.iin, t.exists)
        for t in pending
        if t.key in document.lookup_keys or is_agency_reply(document.kind)
    ]
    if request.person_iin is not None:
        targets = [t for t in targets if t[2] == request.person_iin]
    return targets


def review_document(
    application_id: str, document_id: str, raw: Mapping[str, Any], caller: Caller, deps: ReviewDeps
) -> dict[str, Any]:
    """Accept (facts recorded) or reject (applicant asked again) an uploaded document; the document view after it.

    Raises ApplicationNotFound (not an official of the deciding office: 404), NoSuchDocument, AlreadyReviewed (409:
    a document is reviewed once), NotOpen (409: decided or withdrawn), ValidationFailed (422: the request, or each
    fact field missing or malformed against the registry's answer shape; `review.person_required` when the
    document stands for several people and `person_iin` does not name one of them)."""
    request = ReviewRequest.parse(raw)
    application = get_application(deps.repo, application_id, caller, may=is_deciding_official)
    document = pick(documents_of(application.data), document_id)
    if document is None:
        raise NoSuchDocument("No such document.")
    if application.is_final:
        raise NotOpen(f"The application is {application.status.value}: its documents are no longer reviewed.")
    if document.state != RECEIVED:
        raise AlreadyReviewed(f"The document was reviewed already ({document.state}).")
    records = deps.lookups.for_application(application_id)
    targets = _targets(document, application, records, request)
    now = deps.clock.now()
    official = mask_iin(caller.iin)
    office = caller.org or ""

    if request.accept:
        assert request.facts is not None
        if len({t[2] for t in targets}) > 1:
            raise ValidationFailed(
                [
                    FieldError(
                        "person_iin",
                        "review.person_required",
                        "The document stands for several people: name whose it is.",
                    )
                ]
            )
        if not targets:
            raise ValidationFailed(
                [
                    FieldError(
                        "person_iin" if request.person_iin else "document",
                        "review.nothing_awaited",
                        "Nothing this document stands for is awaited any more.",
                    )
                ]
            )
        errors: list[FieldError] = []
        for registry in dict.fromkeys(t[1] for t in targets):
            errors += validate_facts(_registries()[registry]["answer"], request.facts)
        if errors:
            raise ValidationFailed(errors)
        source = f"{DOCUMENT_SOURCE}{document.kind}:{document_id};official:{official};office:{office}"
        from chalicelib.services.ports import LookupRecord as Record

        for key, registry, iin, exists in targets:
            if exists:
                deps.lookups.provide_document(
                    application_id,
                    key,
                    f"{DOCUMENT_SOURCE}{document_id}",
                    data=dict(request.facts),
                    source_system=source,
                )
            else:  # a fact the rules found missing: it becomes a lookup answered by the agency's reply
                deps.lookups.record(
                    application_id,
                    Record(
                        key=key,
                        registry=registry,
                        person_ref=key.split("#", 1)[-1],
                        iin=iin,
                        status="provided",
                        data=dict(request.facts),
                        source_system=source,
                        fetched_at=now,
                        on_not_found="written_request",
                        provided_document=f"{DOCUMENT_SOURCE}{document_id}",
                    ),
                )
        review = Review(True, official, office, now, fields=tuple(sorted(request.facts)))
    else:
        for key, _registry, _iin, exists in targets:
            if exists:
                deps.lookups.document_pending(application_id, key, None)
        review = Review(False, official, office, now, reason=request.reason, comment=request.comment)

    remaining = awaited(application, deps.lookups.for_application(application_id))
    still_missing = any(remaining.values())
    reviewed = document.reviewed(review)

    def change(app: Application) -> DocumentRecord:
        current = pick(documents_of(app.data), document_id)
        if current is None or current.state != RECEIVED:
            raise AlreadyReviewed("The document was reviewed already.")
        put_document(app.data, reviewed)
        detail: dict[str, Any] = {
            "document_id": document_id,
            "kind": document.kind,
            "accepted": review.accepted,
            "official": official,
        }
        if review.accepted:
            detail["fields"] = list(review.fields)
        else:
            detail["reason"] = review.reason
        app.record(now, "document_reviewed", "official", **detail)
        if not review.accepted and not is_agency_reply(document.kind):
            notify(
                app,
                "document_rejected",
                extra=document_id,
                application_number=app.id,
                document=document.kind,
                rejection=review.reason,
            )
        if review.accepted and not still_missing and not app.is_final:
            from chalicelib.services.lookups import decide_message

            if app.status is Status.AWAITING_DOCUMENTS:
                app.transition(Status.CHECKING, at=now, actor="official", reason="documents_reviewed")
            message = decide_message(app.id)
            app.send(message.queue, f"{message.key}:{document_id}", message.body)
        return reviewed

    saved, result = update_application(deps.repo, application_id, change)
    deps.audit.record(
        AuditEntry.by_caller(
            caller, at=now, purpose=REVIEW_PURPOSE, application_id=application_id, action="document_reviewed"
        )
    )
    dispatch_outbox(deps.repo, deps.publisher, saved)
    return document_view(result)

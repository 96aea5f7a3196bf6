"""Documents that stand in for missing registry data, as a person reads them. Pure: no AWS, no framework.

An upload never completes a lookup by itself (API.md "The official's desk"):

1. The app issues an **upload slot** for a document the application awaits (`UploadSlot`: the object key, the
   kind, the content type and size limit, who asked and when) and keeps it in the application.
2. The documents worker accepts an object only if its key is an issued, unused slot of a document still awaited,
   and its bytes are what the slot says (`check_object`: PDF, JPEG or PNG signature; size within the limit).
   Anything else is quarantined and changes nothing.
3. An accepted object is a `DocumentRecord` in state `document_received`; an official reviews it:
   `accepted` with the facts it states, in the answer shape of the registry it stands for (`validate_facts`,
   against chalicelib/data/registries.json), or `rejected` with one of `REJECT_REASONS`.

State of a document: document_received -> accepted | rejected (final; a rejected document is uploaded again as a
new one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from chalicelib.domain.application import Application, Status
from chalicelib.domain.errors import FieldError, InvalidValue
from chalicelib.domain.identity import Iin

AGENCY_REPLY = "agency_reply:"
RECEIVED, ACCEPTED, REJECTED = "document_received", "accepted", "rejected"
DOCUMENT_STATES = (RECEIVED, ACCEPTED, REJECTED)
REJECT_REASONS = ("unreadable", "wrong_document", "other_person", "expired", "incomplete")
COMMENT_MAX = 500

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
"""The leading bytes of each accepted content type (ISO 32000 `%PDF-`; JPEG SOI + marker; the PNG signature)."""
HEAD_BYTES = 16


def is_agency_reply(kind: str) -> bool:
    return kind.startswith(AGENCY_REPLY)


def content_type_of(head: bytes) -> str | None:
    """The content type the first bytes of a file show, or None when they are none of PDF, JPEG, PNG."""
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return content_type
    return None


@dataclass(frozen=True)
class UploadSlot:
    """One pre-signed upload the app issued. `requested_by` is the caller's role and masked IIN (never in clear)."""

    key: str
    kind: str
    content_type: str
    max_bytes: int
    requested_by_role: str
    requested_by: str
    issued_at: datetime
    expires_at: datetime
    used_by: str | None = None  # the document id made from it

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["issued_at"], raw["expires_at"] = self.issued_at.isoformat(), self.expires_at.isoformat()
        return raw

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> UploadSlot:
        return cls(
            raw["key"],
            raw["kind"],
            raw["content_type"],
            int(raw["max_bytes"]),
            raw["requested_by_role"],
            raw["requested_by"],
            datetime.fromisoformat(raw["issued_at"]),
            datetime.fromisoformat(raw["expires_at"]),
            raw.get("used_by"),
        )


def check_object(slot: UploadSlot | None, size: int | None, head: bytes) -> str | None:
    """Why an uploaded object is not accepted (a stable reason code, no personal data), or None when it is.

    `size` None means the object is gone. Codes: upload.no_slot, upload.slot_used, upload.missing, upload.empty,
    upload.too_large, upload.wrong_type (its bytes are not a PDF/JPEG/PNG, or not the type the slot named).
    """
    if slot is None:
        return "upload.no_slot"
    if slot.used_by is not None:
        return "upload.slot_used"
    if size is None:
        return "upload.missing"
    if size <= 0:
        return "upload.empty"
    if size > slot.max_bytes:
        return "upload.too_large"
    if content_type_of(head) != slot.content_type:
        return "upload.wrong_type"
    return None


@dataclass(frozen=True)
class Review:
    """What the official decided about a document: accepted (with the fact fields recorded) or rejected."""

    accepted: bool
    official: str  # masked IIN
    office: str
    at: datetime
    reason: str | None = None
    comment: str | None = None
    fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "official": self.official,
            "office": self.office,
            "at": self.at.isoformat(),
            "reason": self.reason,
            "comment": self.comment,
            "fields": list(self.fields),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Review:
        return cls(
            bool(raw["accepted"]),
            raw["official"],
            raw["office"],
            datetime.fromisoformat(raw["at"]),
            raw.get("reason"),
            raw.get("comment"),
            tuple(raw.get("fields") or ()),
        )


@dataclass(frozen=True)
class DocumentRecord:
    """An upload the worker accepted: what it stands for (`lookup_keys`: the lookups it may complete) and its
    review. The object key is kept to hand out a download link; the bytes stay in the bucket."""

    document_id: str
    kind: str
    state: str
    uploaded_at: datetime
    object_key: str
    content_type: str
    size: int
    uploaded_by_role: str
    lookup_keys: tuple[str, ...] = ()
    review: Review | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "kind": self.kind,
            "state": self.state,
            "uploaded_at": self.uploaded_at.isoformat(),
            "object_key": self.object_key,
            "content_type": self.content_type,
            "size": self.size,
            "uploaded_by_role": self.uploaded_by_role,
            "lookup_keys": list(self.lookup_keys),
            "review": self.review.to_dict() if self.review else None,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> DocumentRecord:
        review = raw.get("review")
        return cls(
            raw["document_id"],
            raw["kind"],
            raw["state"],
            datetime.fromisoformat(raw["uploaded_at"]),
            raw["object_key"],
            raw["content_type"],
            int(raw["size"]),
            raw["uploaded_by_role"],
            tuple(raw.get("lookup_keys") or ()),
            Review.from_dict(review) if review else None,
        )

    def reviewed(self, review: Review) -> DocumentRecord:
        return replace(self, state=ACCEPTED if review.accepted else REJECTED, review=review)

    def public_view(self) -> dict[str, Any]:
        """What GET /applications/{id} lists: never the object key or the facts."""
        return {
            "document_id": self.document_id,
            "kind": self.kind,
            "state": self.state,
            "uploaded_at": self.uploaded_at.isoformat(),
        }


# --- the application's documents and slots, kept in Application.data ------------------------------------------


def documents_of(data: Mapping[str, Any]) -> list[DocumentRecord]:
    return [DocumentRecord.from_dict(raw) for raw in data.get("documents") or ()]


def slots_of(data: Mapping[str, Any]) -> dict[str, UploadSlot]:
    return {key: UploadSlot.from_dict(raw) for key, raw in (data.get("upload_slots") or {}).items()}


def put_document(data: dict[str, Any], document: DocumentRecord) -> None:
    kept = [raw for raw in data.get("documents") or () if raw["document_id"] != document.document_id]
    data["documents"] = [*kept, document.to_dict()]


def put_slot(data: dict[str, Any], slot: UploadSlot) -> None:
    data.setdefault("upload_slots", {})[slot.key] = slot.to_dict()


# --- facts in a registry's answer shape ------------------------------------------------------------------------

_KEYWORDS = ("string", "date", "bool", "int", "iin", "YYYY-MM", "null")
_IIN = re.compile(r"^\d{12}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _alternatives(description: str) -> list[str]:
    """`"1|2|3|null (null for a child)"` -> ["1", "2", "3", "null"]; `"int KZT"` -> ["int KZT"]."""
    text = re.sub(r"\s*\(.*\)\s*$", "", description).split(", e.g.")[0].split(":")[0].strip()
    return [part.strip() for part in text.split("|")]


def _kind(token: str) -> str | None:
    for keyword in _KEYWORDS:
        if token == keyword or (keyword == "int" and token.startswith("int")):
            return keyword
    return None


def _names_an_iin(path: str) -> bool:
    """`iin`, `owner_iin`, `subject_iin`...: a field of a registry's answer that holds a person's IIN, whose value
    an official types from paper, so its check digit is checked (a typo would silently become another person)."""
    name = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
    return name == "iin" or name.endswith("_iin")


def _check_scalar(description: str, value: Any, path: str, errors: list[FieldError]) -> None:
    options = _alternatives(description)
    nullable = "null" in options
    options = [o for o in options if o != "null"]
    if value is None:
        if not nullable:
            errors.append(FieldError(path, "facts.required", f"`{path}` must have a value."))
        return
    if _names_an_iin(path) and isinstance(value, str):
        try:
            Iin(value)
        except InvalidValue as refused:
            errors.append(FieldError(path, "facts.iin", f"`{path}` is not a valid IIN ({refused.code})."))
            return
    kinds = [_kind(o) for o in options]
    literal = [o for o, k in zip(options, kinds, strict=True) if k is None and not o.startswith("{")]
    if options and len(literal) == len(options) > 1 and not any("..." in o for o in options):
        if str(value) not in options or isinstance(value, bool) or not isinstance(value, str | int):
            errors.append(FieldError(path, "facts.not_allowed", f"`{path}` is one of: {', '.join(options)}."))
        return
    for option, kind in zip(options, kinds, strict=True):
        if option.startswith("{") and isinstance(value, Mapping):  # `{date, court}`: an object of those texts
            names = [name.strip() for name in option.strip("{}").split(",")]
            if set(value) == set(names) and all(isinstance(value[n], str) and value[n].strip() for n in names):
                return
            continue
        if kind in (None, "string") and isinstance(value, str) and value.strip():
            return
        if kind == "bool" and isinstance(value, bool):
            return
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return
        if kind == "iin" and isinstance(value, str) and _IIN.match(value):
            return
        if kind == "YYYY-MM" and isinstance(value, str) and _MONTH.match(value):
            return
        if kind == "date" and isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                continue
            if len(value) == 10:
                return
    shown = {o if o.startswith("{") else k or "text" for o, k in zip(options, kinds, strict=True)}
    expected = " or ".join(sorted(shown))
    errors.append(FieldError(path, "facts.invalid", f"`{path}` must be {expected}."))


def _check(shape: Any, value: Any, path: str, errors: list[FieldError]) -> None:
    if isinstance(shape, Mapping):
        if not isinstance(value, Mapping):
            errors.append(FieldError(path, "facts.invalid", f"`{path}` must be an object."))
            return
        for name in value:
            if name not in shape:
                errors.append(
                    FieldError(f"{path}.{name}", "facts.unknown_field", f"The registry's answer has no field `{name}`.")
                )
        for name, inner in shape.items():
            if name not in value:
                errors.append(FieldError(f"{path}.{name}", "facts.required", f"`{path}.{name}` is required."))
            else:
                _check(inner, value[name], f"{path}.{name}", errors)
        return
    if isinstance(shape, list):
        if not isinstance(value, list):
            errors.append(FieldError(path, "facts.invalid", f"`{path}` must be a list."))
            return
        item_shape = shape[0] if shape else "string"
        for index, item in enumerate(value):
            _check(item_shape, item, f"{path}[{index}]", errors)
        return
    _check_scalar(str(shape), value, path, errors)


def validate_facts(shape: Mapping[str, Any], facts: object, path: str = "facts") -> list[FieldError]:
    """Every way `facts` differs from a registry's answer shape (registries.json `answer`): a field missing or
    unknown, a value of the wrong type, a value outside the listed ones. Empty when the facts fit."""
    errors: list[FieldError] = []
    _check(shape, facts, path, errors)
    return errors


def pick(documents: Sequence[DocumentRecord], document_id: str) -> DocumentRecord | None:
    return next((d for d in documents if d.document_id == document_id), None)


# --- who must act next (the work queue's `waiting_for`) ----------------------------------------------------------

WAITING_FOR = (
    "signature",
    "registries",
    "applicant_documents",
    "agency_reply",
    "document_review",
    "assignment",
    "official_decision",
    "parameters",
)


def waiting_for(application: Application) -> str | None:
    """Who must act next on an open application, from the application alone (the work queue reads it from the
    index): `signature` (the applicant signs), `document_review` (an upload waits for an official),
    `official_decision` (an official drafts and signs), `agency_reply` (a written request, or a fact the rules
    lack, waits for the agency), `applicant_documents` (the applicant uploads, or answers the Digital Documents
    question), `registries` (the lookups run; the machine decides). None once final.

    `parameters` (a legal parameter not loaded) is set by the decision step when it applies (data `waiting_for`)."""
    if application.is_final:
        return None
    if application.status is Status.AWAITING_SIGNATURE:
        return "signature"
    if any(d.state == RECEIVED for d in documents_of(application.data)):
        return "document_review"
    explicit = application.data.get("waiting_for")
    if isinstance(explicit, str) and explicit in WAITING_FOR:
        return explicit
    official = application.data.get("official_decision")
    if application.status is Status.DECIDING and official:
        return "agency_reply" if official.get("missing") else "official_decision"
    if (
        application.status is Status.AWAITING_DOCUMENTS
        or (application.data.get("digital_documents") or {}).get("state") == "asking"
    ):
        return "applicant_documents"
    replied = {
        d.kind.removeprefix(AGENCY_REPLY)
        for d in documents_of(application.data)
        if d.state == ACCEPTED and is_agency_reply(d.kind)
    }
    if set(application.data.get("written_requests") or ()) - replied:
        return "agency_reply"
    return "registries"

"""The result document: what the provider decided, in a form anyone can verify.

A result document (assignment notice or substantiated refusal) is a plain JSON object: the decision
(`Decision.to_dict()`, opaque here) plus who it concerns, which service, who issued it and when. It is
signed over its *canonical bytes* (sorted keys, no insignificant whitespace, UTF-8, no floats), so the
same document always yields the same bytes whatever program serialised it last.

The signature covers more than the document: the signing input binds the document to the key id, the
algorithm and the signing instant (`signing_input`), so none of them can be swapped without breaking it.

Floats are refused because their text form is not stable across languages and libraries; amounts
travel as integers or decimal strings. Integers beyond 2**53 are refused too (I-JSON, RFC 7493), since
a JavaScript verifier would silently round them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import InvalidValue

SCHEMA = "result-document/1"
LANGUAGES = ("kk", "ru", "en")
_MAX_SAFE_INTEGER = 2**53 - 1
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_GROUPS = 4
_CODE_GROUP_LENGTH = 4


def _check_json(value: object, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise InvalidValue("result.integer_too_large", f"{path} is beyond ±2**53-1; send it as a string.")
        return
    if isinstance(value, float):
        raise InvalidValue("result.float", f"{path} is a float; send amounts as integers or decimal strings.")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidValue("result.key", f"{path} has a key that is not a string.")
            _check_json(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    raise InvalidValue("result.type", f"{path} is a {type(value).__name__}, which JSON cannot carry.")


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The one byte form a document is signed and fingerprinted in.

    Sorted keys, `,` and `:` with no spaces, UTF-8 with non-ASCII characters as themselves.
    Raises InvalidValue for floats, non-string keys, huge integers and values JSON cannot carry.
    """
    _check_json(document, "$")
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue("result.text", "The document has text that is not valid Unicode.") from None


def verification_code(document: Mapping[str, Any]) -> str:
    """A short code printed on the PDF: the first 80 bits of SHA-256(canonical bytes), `XXXX-XXXX-XXXX-XXXX`.

    Crockford's base32 (no I, L, O, U) so that a person can read it aloud and type it back; see
    `normalize_verification_code` for the forgiving reading.
    """
    digest = hashlib.sha256(canonical_bytes(document)).digest()
    bits = int.from_bytes(digest[:10], "big")
    symbols = _CODE_GROUPS * _CODE_GROUP_LENGTH
    chars = [_CROCKFORD[(bits >> (5 * (symbols - 1 - i))) & 0x1F] for i in range(symbols)]
    groups = ["".join(chars[i : i + _CODE_GROUP_LENGTH]) for i in range(0, symbols, _CODE_GROUP_LENGTH)]
    return "-".join(groups)


def normalize_verification_code(text: str) -> str:
    """A typed code in the printed form: case, spaces and dashes ignored, O read as 0, I and L as 1."""
    raw = "".join(ch for ch in text.upper() if ch not in " -")
    raw = raw.translate(str.maketrans("OIL", "011"))
    if len(raw) != _CODE_GROUPS * _CODE_GROUP_LENGTH or any(ch not in _CROCKFORD for ch in raw):
        raise InvalidValue("result.verification_code", "A verification code is 16 letters and digits.")
    return "-".join(raw[i : i + _CODE_GROUP_LENGTH] for i in range(0, len(raw), _CODE_GROUP_LENGTH))


def format_instant(moment: datetime) -> str:
    """RFC 3339 UTC to the second, `2026-11-23T08:15:00Z`: the form instants take in signed documents."""
    if moment.tzinfo is None:
        raise InvalidValue("result.instant", "An instant in a result document must carry its time zone.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _localized(value: Mapping[str, str], what: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidValue("result.text", f"{what} must name itself in at least one of kk, ru, en.")
    texts = {}
    for language, text in value.items():
        if language not in LANGUAGES or not isinstance(text, str) or not text.strip():
            raise InvalidValue("result.text", f"{what} has an unknown language or an empty text.")
        texts[language] = text
    return texts


def _is_unmasked_iin(value: str) -> bool:
    return len(value) == 12 and value.isascii() and value.isdigit()


@dataclass(frozen=True, slots=True)
class ResultDocument:
    """The facts a result document states. `to_dict()` gives the plain dict that is signed and stored."""

    application_id: str
    service_id: str
    service_name: Mapping[str, str]
    applicant_iin_masked: str
    applicant_full_name: str
    decision: Mapping[str, Any]
    issued_at: datetime
    issuer_office_id: str
    issuer_name: Mapping[str, str]
    language: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidValue("result.language", "The document's language is one of kk, ru, en.")
        if _is_unmasked_iin(self.applicant_iin_masked) or "*" not in self.applicant_iin_masked:
            raise InvalidValue("result.iin_not_masked", "A result document carries the applicant's masked IIN.")
        for name, text in (
            ("application_id", self.application_id),
            ("service_id", self.service_id),
            ("applicant_full_name", self.applicant_full_name),
            ("issuer_office_id", self.issuer_office_id),
        ):
            if not isinstance(text, str) or not text.strip():
                raise InvalidValue("result.missing", f"{name} must not be empty.")
        _localized(self.service_name, "service_name")
        _localized(self.issuer_name, "issuer_name")
        format_instant(self.issued_at)
        if not isinstance(self.decision, Mapping):
            raise InvalidValue("result.decision", "The decision must be a JSON object.")
        _check_json(self.decision, "$.decision")
        _check_json(self.extra, "$.extra")

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "schema": SCHEMA,
            "application_id": self.application_id,
            "service": {"id": self.service_id, "name": _localized(self.service_name, "service_name")},
            "applicant": {"iin_masked": self.applicant_iin_masked, "full_name": self.applicant_full_name},
            "decision": json.loads(json.dumps(self.decision)),
            "issued_at": format_instant(self.issued_at),
            "issuer": {"office_id": self.issuer_office_id, "name": _localized(self.issuer_name, "issuer_name")},
            "language": self.language,
        }
        for key, value in self.extra.items():
            document.setdefault(key, json.loads(json.dumps(value)))
        return document

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResultDocument:
        try:
            known = {"schema", "application_id", "service", "applicant", "decision", "issued_at", "issuer", "language"}
            if data["schema"] != SCHEMA:
                raise InvalidValue("result.schema", f"Unknown result document schema {data['schema']!r}.")
            return cls(
                application_id=data["application_id"],
                service_id=data["service"]["id"],
                service_name=data["service"]["name"],
                applicant_iin_masked=data["applicant"]["iin_masked"],
                applicant_full_name=data["applicant"]["full_name"],
                decision=data["decision"],
                issued_at=datetime.fromisoformat(data["issued_at"]),
                issuer_office_id=data["issuer"]["office_id"],
                issuer_name=data["issuer"]["name"],
                language=data["language"],
                extra={key: value for key, value in data.items() if key not in known},
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidValue("result.malformed", "The result document lacks a field or has a wrong type.") from None


def signing_input(document: Mapping[str, Any], *, key_id: str, algorithm: str, signed_at: str) -> bytes:
    """The bytes a signature covers: the document bound to its key id, algorithm and signing instant."""
    return canonical_bytes({"algorithm": algorithm, "document": document, "key_id": key_id, "signed_at": signed_at})


@dataclass(frozen=True, slots=True)
class SignedResult:
    """A result document with its detached signature: what `GET .../result` returns and `POST /results/verify` takes."""

    document: dict[str, Any]
    signature_b64: str
    key_id: str
    algorithm: str
    signed_at: str

    def signing_input(self) -> bytes:
        return signing_input(self.document, key_id=self.key_id, algorithm=self.algorithm, signed_at=self.signed_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "signature_b64": self.signature_b64,
            "key_id": self.key_id,
            "algorithm": self.algorithm,
            "signed_at": self.signed_at,
        }

    @classmethod
    def from_dict(cls, data: object) -> SignedResult:
        """Parse what a caller sent; the types are checked here, the signature only by a verifier."""
        if not isinstance(data, Mapping):
            raise InvalidValue("signed_result.malformed", "A signed result is a JSON object.")
        document = data.get("document")
        if not isinstance(document, dict):
            raise InvalidValue("signed_result.malformed", "A signed result has a `document` object.")
        texts = {}
        for name in ("signature_b64", "key_id", "algorithm", "signed_at"):
            value = data.get(name)
            if not isinstance(value, str) or not value:
                raise InvalidValue("signed_result.malformed", f"A signed result has a `{name}` string.")
            texts[name] = value
        return cls(document=document, **texts)


class VerifyReason(StrEnum):
    """Why a verification came out as it did. Stable codes: callers and the API rely on them."""

    VALID = "valid"
    SIGNATURE_MISMATCH = "signature.mismatch"
    SIGNATURE_MALFORMED = "signature.malformed"
    KEY_UNKNOWN = "key.unknown"
    ALGORITHM_UNSUPPORTED = "algorithm.unsupported"
    DOCUMENT_MALFORMED = "document.malformed"


@dataclass(frozen=True, slots=True)
class SignerIdentity:
    """Who signed: the provider's key and the issuer the (now proven) document names."""

    key_id: str
    issuer: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "issuer": dict(self.issuer)}


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    """The answer to "is this result genuine?". `signer` is set only when it is."""

    valid: bool
    reason: VerifyReason
    signer: SignerIdentity | None = None
    verification_code: str | None = None

    @classmethod
    def invalid(cls, reason: VerifyReason, verification_code: str | None = None) -> VerifyOutcome:
        return cls(valid=False, reason=reason, signer=None, verification_code=verification_code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason.value,
            "signer": self.signer.to_dict() if self.signer else None,
            "verification_code": self.verification_code,
        }

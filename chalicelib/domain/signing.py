"""What an applicant signs with an EDS, and what a verified signature tells us. Pure: no XML library needed.

The canonical content of an application is a small XML document that wraps canonical JSON:

    <SignedApplication xmlns="urn:kz:social-benefits:application:1" id="<application id>" version="1">
      <Content type="application/json">{canonical JSON}</Content>
    </SignedApplication>

written on one line, UTF-8, no XML declaration. The JSON holds only what the applicant asserts (SIGNED_FIELDS that
are present and not null), with keys sorted, no insignificant whitespace, non-ASCII kept as is
(`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`), and XML-escaped (`&`, `<`, `>`).
For an application's values (strings, integers below 2**53, booleans, ASCII keys) this equals RFC 8785 (JCS)
output, so a portal in any language can rebuild the same bytes. Floats are refused: amounts travel as strings or
integers. JSON inside XML was chosen over an XML mapping of every field because it has one obvious canonical form
and no schema to keep in step; the XML wrapper is what NCALayer and other Kazakh signing tools expect to sign (an
enveloped XMLDSig). The verifier compares after XML C14N, so attribute quoting does not matter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from chalicelib.domain.errors import InvalidValue

CONTENT_NAMESPACE = "urn:kz:social-benefits:application:1"
CONTENT_VERSION = "1"

SIGNED_FIELDS: tuple[str, ...] = (
    "id",
    "service_id",
    "channel",
    "applicant",
    "subjects",
    "representative",
    "bank_account",
    "accepted_by",
    "language",
    "details",
)
"""The application fields the signature covers: the applicant's statements, not the server's bookkeeping."""


class SignatureRefused(InvalidValue):
    """An EDS signature the back office will not accept. Codes: eds.malformed, eds.untrusted, eds.expired,
    eds.tampered, eds.content_mismatch, eds.iin_mismatch, eds.algorithm_unsupported."""


RESULT_NAMESPACE = "urn:kz:social-benefits:result:1"


def canonical_result_content(document: Mapping[str, Any], draft_id: str) -> bytes:
    """The exact bytes an official signs for a result document (the draft's `to_sign`):

        <SignedResult xmlns="urn:kz:social-benefits:result:1" draft="<draft id>" version="1">
          <Content type="application/json">{canonical JSON of the result document}</Content>
        </SignedResult>

    on one line, UTF-8, no XML declaration; the JSON as domain.result_document.canonical_bytes writes it (sorted
    keys, no insignificant whitespace, non-ASCII as is), XML-escaped. Anyone holding the document rebuilds it."""
    from chalicelib.domain.result_document import canonical_bytes

    text = canonical_bytes(document).decode("utf-8")
    return (
        f'<SignedResult xmlns="{RESULT_NAMESPACE}" draft={quoteattr(draft_id)} version="1">'
        f'<Content type="application/json">{escape(text)}</Content></SignedResult>'
    ).encode()


@dataclass(frozen=True, slots=True)
class EdsSignature:
    """Who signed (from the verified certificate) and, when the signature says so, when.

    `position` and `organization` are the certificate subject's title (2.5.4.12) and organisation (2.5.4.10) when it
    has them (an NCA certificate of a legal entity's employee names the organisation); `certificate_der` is the
    signing certificate itself, for the revocation check; `algorithm` the XMLDSig signature method's URI."""

    iin: str
    subject_common_name: str
    certificate_serial: str
    signed_at: datetime | None = None
    position: str | None = None
    organization: str | None = None
    certificate_der: bytes | None = None
    algorithm: str = ""


def _reject_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise InvalidValue("signing.float", f"{path} is a float: sign amounts as strings or integers.")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidValue("signing.key", f"{path} has a non-string key.")
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")


def canonical_json(content: Mapping[str, Any]) -> str:
    _reject_floats(content, "application")
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_application_content(application: Mapping[str, Any]) -> bytes:
    """The exact bytes an applicant signs for this application (see the module docstring)."""
    application_id = application.get("id")
    if not isinstance(application_id, str) or not application_id:
        raise InvalidValue("signing.id", "An application needs its id before it can be signed.")
    signed = {name: application[name] for name in SIGNED_FIELDS if application.get(name) is not None}
    document = (
        f'<SignedApplication xmlns="{CONTENT_NAMESPACE}" id={quoteattr(application_id)} version="{CONTENT_VERSION}">'
        f'<Content type="application/json">{escape(canonical_json(signed))}</Content>'
        "</SignedApplication>"
    )
    return document.encode("utf-8")

"""Reading and verifying signed result documents: sealed by the provider's KMS key (a machine's decision) or signed
with an official's EDS (services/official.py), and the public check of a code printed on a notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidValue, NotFound
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.result_document import normalize_verification_code, verification_code
from chalicelib.domain.signing import SignatureRefused, canonical_result_content
from chalicelib.services.ports import ApplicationRepository, EdsVerifier, ResultSigner, ResultStore
from chalicelib.services.queries import get_application

SIGNED_BY_OFFICIAL = "official_eds"


class ResultNotReady(NotFound):
    code = "result.not_ready"


class UnknownVerificationCode(NotFound):
    code = "result.unknown_code"


def signed_result(
    repo: ApplicationRepository, results: ResultStore, application_id: str, caller: Caller
) -> dict[str, Any]:
    get_application(repo, application_id, caller)
    signed = results.get(application_id)
    if signed is None:
        raise ResultNotReady("The application has no result yet.")
    return signed


def _verify_official(eds: EdsVerifier, raw: Mapping[str, Any]) -> dict[str, Any]:
    document, signed_xml = raw.get("document"), raw.get("signed_xml")
    draft_id, signed_at = raw.get("draft_id"), raw.get("signed_at")
    if not (
        isinstance(document, dict)
        and isinstance(signed_xml, str)
        and isinstance(draft_id, str)
        and isinstance(signed_at, str)
    ):
        raise InvalidValue(
            "signed_result.malformed",
            "An official's signed result has `document`, `signed_xml`, `draft_id` and `signed_at`.",
        )
    try:
        at = datetime.fromisoformat(signed_at.replace("Z", "+00:00"))
        code = verification_code(document)
        expected = canonical_result_content(document, draft_id)
    except (InvalidValue, ValueError):
        return {"valid": False, "reason": "document.malformed", "signer": None, "verification_code": None}
    try:
        signature, covered = eds.verify_any(signed_xml, at)
    except SignatureRefused as refused:
        return {"valid": False, "reason": refused.code, "signer": None, "verification_code": code}
    if covered != expected:
        return {"valid": False, "reason": "signature.mismatch", "signer": None, "verification_code": code}
    issuer = document.get("issuer") or {}
    return {
        "valid": True,
        "reason": "valid",
        "verification_code": code,
        "signer": {
            "kind": "official",
            "name": signature.subject_common_name,
            "position": signature.position,
            "organization": signature.organization,
            "iin_masked": mask_iin(signature.iin) if signature.iin else None,
            "certificate_serial": signature.certificate_serial,
            "issuer": dict(issuer),
            "key_id": None,
        },
    }


def verify_result(signer: ResultSigner, raw: Any, eds: EdsVerifier | None = None) -> dict[str, Any]:
    """Valid or invalid, and who signed: `signer.kind` is `official` (name, position and organisation from the
    official's certificate) or `provider_seal` (the provider's KMS key and the issuer the document names).
    Anything that is not a signed result is a clear 422."""
    from chalicelib.domain.result_document import SignedResult

    if isinstance(raw, Mapping) and (raw.get("kind") == SIGNED_BY_OFFICIAL or "signed_xml" in raw):
        if eds is None:
            raise InvalidValue("signed_result.malformed", "An official's signature cannot be checked here.")
        return _verify_official(eds, raw)
    try:
        signed = SignedResult.from_dict(raw)
    except (InvalidValue, KeyError, TypeError, ValueError) as exc:
        code = exc.code if isinstance(exc, InvalidValue) else "result.malformed"
        raise InvalidValue(code, "This is not a signed result document.") from None
    outcome: dict[str, Any] = signer.verify(signed).to_dict()
    if outcome.get("signer"):
        outcome["signer"] = {**outcome["signer"], "kind": "provider_seal"}
    return outcome


def public_check(code_text: str, results: ResultStore, signer: ResultSigner, eds: EdsVerifier) -> dict[str, Any]:
    """What a code printed on paper tells anyone: {verification_code, valid, service: {id, name}, outcome,
    decided_on, applicant: masked IIN}, nothing more. Raises InvalidValue (not a code), UnknownVerificationCode."""
    code = normalize_verification_code(code_text)
    stored = results.by_code(code)
    if stored is None:
        raise UnknownVerificationCode("No result carries this verification code.")
    checked = verify_result(signer, stored, eds)
    document = stored["document"]
    decision = document.get("decision") or {}
    valid = bool(checked["valid"]) and checked.get("verification_code") == code
    return {
        "verification_code": code,
        "valid": valid,
        "service": {"id": document["service"]["id"], "name": document["service"]["name"]},
        "outcome": decision.get("outcome"),
        "decided_on": decision.get("decided_on"),
        "applicant": {"iin_masked": document["applicant"]["iin_masked"]},
        "signed_by": (checked.get("signer") or {}).get("kind"),
    }

"""EdsVerifier (services/ports.py): chalicelib.adapters.eds against the configured trust anchors."""

from __future__ import annotations

from datetime import datetime

from chalicelib.adapters.eds import verify_signed_xml, verify_xml_signature
from chalicelib.domain.errors import DomainError
from chalicelib.domain.signing import EdsSignature


class EdsNotConfigured(DomainError):
    """No trust anchors (EDS_TRUST_ANCHORS_PEM): no EDS signature can be accepted. An operations problem."""

    code = "eds.not_configured"
    status = 503


class TrustedEdsVerifier:
    def __init__(self, trust_anchors_pem: str) -> None:
        self._anchors = trust_anchors_pem.strip().encode()

    def verify(self, signed_xml: str, expected_content: bytes, allowed_iins: set[str], on: datetime) -> EdsSignature:
        if not self._anchors:
            raise EdsNotConfigured("EDS signing is not available: no trust anchors are configured.")
        return verify_signed_xml(signed_xml, self._anchors, expected_content, allowed_iins, on)

    def verify_any(self, signed_xml: str, on: datetime) -> tuple[EdsSignature, bytes]:
        if not self._anchors:
            raise EdsNotConfigured("EDS signing is not available: no trust anchors are configured.")
        return verify_xml_signature(signed_xml, self._anchors, on)

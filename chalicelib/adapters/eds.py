"""Verification of an applicant's EDS (electronic digital signature): an enveloped XMLDSig made with NCALayer or a
compatible tool over the application's canonical content (chalicelib.domain.signing).

What is checked, in this order, each refusal with its own code:
1. `eds.malformed`: not XML, a DTD, not exactly one ds:Signature, no X509Certificate, an unreadable certificate.
2. `eds.untrusted`: the certificate does not chain to one of the configured trust anchors (PEM CA certificates).
   The chain is built at a moment inside the signing certificate's own validity, so an expired certificate from a
   trusted CA is reported as expired, not as untrusted.
3. `eds.expired`: the signing certificate (or a CA on its chain) is not valid at `on`, the moment of signing.
4. `eds.tampered`: the signature value or a reference digest does not verify.
5. `eds.content_mismatch`: what the signature covers (after signxml's transforms, never the raw input, so signature
   wrapping cannot smuggle content) is not this application's canonical content (compared after XML C14N).
6. `eds.iin_mismatch`: the certificate subject's `SERIALNUMBER=IIN<12 digits>` (the NCA convention) is not one of
   the allowed IINs (the applicant's, or their representative's).

signxml's own chain check reads `ca_pem_file` as a *file name* and checks validity at the current clock, with the
webpki CA profile (which real NCA certificates need not meet). So the chain is built here with cryptography's
verifier at the chosen moment, and signxml is then given the verified certificate (`x509_cert`) and
`verification_time=on` to check the signature itself. Revocation is checked by the caller, through the
RevocationChecker port (adapters/revocation.py reads the CRL the certificate names).
Plain XMLDSig carries no signing time, so `signed_at` is None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidInput, InvalidSignature, SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from chalicelib.adapters.safe_xml import safe_parser
from chalicelib.domain.signing import EdsSignature, SignatureRefused, canonical_application_content

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
MAX_SIGNED_XML_BYTES = 1_000_000
_NCA_IIN = re.compile(r"IIN([0-9]{12})")


def _refuse(code: str, message: str) -> SignatureRefused:
    return SignatureRefused(code, message)


def _parse(data: bytes) -> Any:
    if len(data) > MAX_SIGNED_XML_BYTES:
        raise _refuse("eds.malformed", "The signed document is too large.")
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError:
        raise _refuse("eds.malformed", "The signed document is not well-formed XML.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse("eds.malformed", "The signed document must not carry a DTD.")
    return root


def _certificates(root: Any) -> list[x509.Certificate]:
    signatures = list(root.iter(f"{{{DS_NS}}}Signature"))
    if len(signatures) != 1:
        raise _refuse("eds.malformed", "The document must carry exactly one XML signature.")
    texts = [
        el.text for el in signatures[0].iterfind(f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate")
    ]
    if not texts:
        raise _refuse("eds.malformed", "The signature carries no X.509 certificate.")
    certificates = []
    for text in texts:
        body = "".join((text or "").split())
        pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()
        try:
            certificates.append(x509.load_pem_x509_certificate(pem))
        except ValueError:
            raise _refuse("eds.malformed", "The signature's certificate cannot be read.") from None
    return certificates


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _split_chain(certificates: list[x509.Certificate]) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The signing (end-entity) certificate and the rest, whatever order X509Data lists them in."""
    leaves = [c for c in certificates if not _is_ca(c)]
    leaf = leaves[0] if leaves else certificates[0]
    return leaf, [c for c in certificates if c is not leaf]


def _require_signing_key_usage(
    _policy: verification.Policy, _certificate: x509.Certificate, usage: x509.KeyUsage
) -> None:
    if not (usage.digital_signature or usage.content_commitment):
        raise ValueError("the certificate's key usage does not allow signing")


def _require_ca(
    _policy: verification.Policy, _certificate: x509.Certificate, constraints: x509.BasicConstraints
) -> None:
    if not constraints.ca:
        raise ValueError("an issuer on the chain is not a CA")


def _verifier(anchors: list[x509.Certificate], at: datetime) -> verification.ClientVerifier:
    ee_policy = verification.ExtensionPolicy.permit_all().require_present(
        x509.KeyUsage, verification.Criticality.AGNOSTIC, _require_signing_key_usage
    )
    ca_policy = verification.ExtensionPolicy.permit_all().require_present(
        x509.BasicConstraints, verification.Criticality.AGNOSTIC, _require_ca
    )
    return (
        verification.PolicyBuilder()
        .store(verification.Store(anchors))
        .time(at)
        .extension_policies(ee_policy=ee_policy, ca_policy=ca_policy)
        .build_client_verifier()
    )


def _valid_at(certificate: x509.Certificate, at: datetime) -> bool:
    return certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc


def _check_chain(
    leaf: x509.Certificate, intermediates: list[x509.Certificate], anchors: list[x509.Certificate], on: datetime
) -> None:
    inside_validity = min(max(on, leaf.not_valid_before_utc), leaf.not_valid_after_utc)
    try:
        chain = _verifier(anchors, inside_validity).verify(leaf, intermediates).chain
    except verification.VerificationError:
        raise _refuse("eds.untrusted", "The certificate was not issued by a trusted certification authority.") from None
    if not all(_valid_at(certificate, on) for certificate in chain):
        raise _refuse("eds.expired", "The certificate was not valid on the day of signing.")


def _load_anchors(trust_anchors_pem: bytes) -> list[x509.Certificate]:
    anchors = x509.load_pem_x509_certificates(trust_anchors_pem)
    if not anchors:
        raise ValueError("No EDS trust anchors are configured.")
    return anchors


def _c14n(element: Any) -> bytes:
    return bytes(etree.tostring(element, method="c14n"))


def _subject_iin(certificate: x509.Certificate) -> str | None:
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        match = _NCA_IIN.fullmatch(str(attribute.value))
        if match:
            return match.group(1)
    return None


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


SUPPORTED_SIGNATURE_METHODS = (
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
)
"""What an EDS may be made with here: RSA with SHA-256 or SHA-512 (NCA RSA certificates). GOST R 34.10-2015
(the NCA's GOST certificates) is NOT supported: no maintained Python library verifies it (signxml and cryptography
do not implement it), so such a signature is refused with `eds.algorithm_unsupported`."""


def _signature_method(root: Any) -> str:
    method = root.find(f".//{{{DS_NS}}}Signature/{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod")
    return str(method.get("Algorithm", "")) if method is not None else ""


def verify_xml_signature(signed_xml: str | bytes, trust_anchors_pem: bytes, on: datetime) -> tuple[EdsSignature, bytes]:
    """Who signed an enveloped XMLDSig (steps 1-4 of the module doc, at `on`) and the C14N bytes of exactly what the
    signature covers. What it must cover, and whose it must be, is the caller's to check."""
    data = signed_xml.encode("utf-8") if isinstance(signed_xml, str) else signed_xml
    on = on.replace(tzinfo=UTC) if on.tzinfo is None else on.astimezone(UTC)
    root = _parse(data)
    leaf, intermediates = _split_chain(_certificates(root))
    method = _signature_method(root)
    if method not in SUPPORTED_SIGNATURE_METHODS:
        raise _refuse(
            "eds.algorithm_unsupported",
            "Only RSA signatures (RSA-SHA256, RSA-SHA512) are accepted; GOST 34.10 is not supported.",
        )
    _check_chain(leaf, intermediates, _load_anchors(trust_anchors_pem), on)

    try:
        result = XMLVerifier().verify(
            data,
            x509_cert=leaf,
            expect_config=SignatureConfiguration(location="./", expect_references=1, verification_time=on),
        )
    except InvalidCertificate:
        raise _refuse("eds.expired", "The certificate was not valid on the day of signing.") from None
    except InvalidSignature:
        raise _refuse("eds.tampered", "The signature does not match the signed document.") from None
    except (InvalidInput, SignXMLException, ValueError, etree.LxmlError):
        raise _refuse("eds.malformed", "The XML signature is not a valid enveloped XMLDSig.") from None
    if isinstance(result, list) or result.signed_xml is None:
        raise _refuse("eds.malformed", "The signature must cover the whole document.")
    from cryptography.hazmat.primitives.serialization import Encoding

    signature = EdsSignature(
        iin=_subject_iin(leaf) or "",
        subject_common_name=_common_name(leaf),
        certificate_serial=format(leaf.serial_number, "x"),
        signed_at=None,
        position=_attribute(leaf, NameOID.TITLE),
        organization=_attribute(leaf, NameOID.ORGANIZATION_NAME),
        certificate_der=leaf.public_bytes(Encoding.DER),
        algorithm=method,
    )
    return signature, _c14n(result.signed_xml)


def _attribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def verify_signed_xml(
    signed_xml: str | bytes,
    trust_anchors_pem: bytes,
    expected_content: bytes | Mapping[str, Any],
    allowed_iins: set[str],
    on: datetime,
) -> EdsSignature:
    """Who signed this application's content, or a SignatureRefused naming what is wrong (see the module doc).

    `expected_content` is the canonical content (bytes) or the application (a mapping, canonicalised here).
    `on` is the moment of signing (timezone-aware; a naive value is taken as UTC).
    """
    expected = (
        expected_content if isinstance(expected_content, bytes) else canonical_application_content(expected_content)
    )
    signature, signed = verify_xml_signature(signed_xml, trust_anchors_pem, on)
    try:
        expected_c14n = _c14n(etree.fromstring(expected, parser=safe_parser()))
    except etree.XMLSyntaxError as exc:
        raise ValueError("The expected canonical content is not XML.") from exc
    if signed != expected_c14n:
        raise _refuse("eds.content_mismatch", "The signed document is not this application's content.")
    if not signature.iin or signature.iin not in allowed_iins:
        raise _refuse("eds.iin_mismatch", "The certificate belongs to someone other than the applicant.")
    return signature

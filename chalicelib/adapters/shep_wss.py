"""WS-Security for the e-government gateway's channel: the participant signs every message it sends.

The signature (XMLDSig through signxml) sits in `soapenv:Header/wsse:Security` beside a `wsu:Timestamp`, and
covers two references by `wsu:Id`: the SOAP Body and the Timestamp (exclusive C14N, SHA-256 digests); KeyInfo
carries the signing certificate (X509Data). The gateway refuses a message whose signature is missing, does not
verify, does not cover both, or whose certificate does not chain to a CA it trusts.

Key custody is behind the `EnvelopeSigner` port:
- `PemEnvelopeSigner` signs with a key and certificate given as PEM (the local stack's come from its test CA,
  local/dev_ca.py; in AWS from Secrets Manager secrets, GATEWAY_SIGNING_KEY_PEM_ARN / GATEWAY_SIGNING_CERT_PEM_ARN);
- `KmsEnvelopeSigner` signs in AWS KMS (an RSA_2048 SIGN_VERIFY key, GATEWAY_SIGNING_KMS_KEY_ID: the private key
  never leaves KMS's HSMs), with the certificate issued for that key's public key (GATEWAY_SIGNING_CERT_PEM).
  Only the canonical SignedInfo (about 1 KB, no personal data) goes to KMS, as MessageType RAW with
  RSASSA_PKCS1_V1_5_SHA_256: KMS hashes it with SHA-256, exactly what signxml's RSA-SHA256 signs locally.

Algorithms: RSA-SHA256 here. The real gateway's participants sign with their NCA (ҰКО) certificates; whether the
gateway requires GOST 34.310 (Kalkan) signatures from a participant is an assumption to check with its operator.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from chalicelib.adapters.shep_soap import SOAP_ENV, body_of, rfc3339

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
WSU_ID = f"{{{WSU_NS}}}Id"


class EnvelopeSigner(Protocol):
    def sign(self, envelope: Any, now: datetime) -> Any:
        """Add the wsse:Security header (Timestamp and Signature over Body and Timestamp) to the envelope; return it."""
        ...


def _security_header(envelope: Any, now: datetime, ttl_s: int) -> tuple[Any, str, str]:
    from lxml import etree

    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    if header is None:
        header = etree.Element(f"{{{SOAP_ENV}}}Header")
        envelope.insert(0, header)
    security = etree.SubElement(header, f"{{{WSSE_NS}}}Security", nsmap={"wsse": WSSE_NS, "wsu": WSU_NS})
    security.set(f"{{{SOAP_ENV}}}mustUnderstand", "1")
    timestamp_id, body_id = f"TS-{uuid.uuid4()}", f"Body-{uuid.uuid4()}"
    timestamp = etree.SubElement(security, f"{{{WSU_NS}}}Timestamp", {WSU_ID: timestamp_id})
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Created").text = rfc3339(now)
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Expires").text = rfc3339(now + timedelta(seconds=ttl_s))
    body_of(envelope).set(WSU_ID, body_id)
    return security, body_id, timestamp_id


class _XmlEnvelopeSigner:
    """The WS-Security signing itself (signxml, detached XMLDSig over Body and Timestamp), for any private key
    object with cryptography's `sign(data, padding, algorithm)`."""

    def __init__(self, key: Any, chain: list[Any], ttl_s: int) -> None:
        if not chain:
            raise ValueError("The gateway signing certificate must be set (GATEWAY_SIGNING_CERT_PEM).")
        self._key = key
        self._chain = chain
        self.ttl_s = ttl_s

    @property
    def certificate(self) -> Any:
        return self._chain[0]

    def sign(self, envelope: Any, now: datetime) -> Any:
        from signxml.algorithms import (
            CanonicalizationMethod,
            DigestAlgorithm,
            SignatureConstructionMethod,
            SignatureMethod,
        )
        from signxml.signer import XMLSigner

        security, body_id, timestamp_id = _security_header(envelope, now, self.ttl_s)
        signer = XMLSigner(
            method=SignatureConstructionMethod.detached,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        signature = signer.sign(
            envelope,
            key=self._key,
            cert=list(self._chain),
            reference_uri=[f"#{body_id}", f"#{timestamp_id}"],
            id_attribute="Id",
        )
        security.append(signature)
        return envelope


def _chain_from(cert_pem: bytes | str) -> list[Any]:
    from cryptography import x509

    cert_bytes = cert_pem.encode() if isinstance(cert_pem, str) else cert_pem
    if not cert_bytes.strip():
        raise ValueError(
            "The gateway signing certificate must be set (GATEWAY_SIGNING_CERT_PEM): the gateway "
            "refuses unsigned messages."
        )
    return x509.load_pem_x509_certificates(cert_bytes)


class PemEnvelopeSigner(_XmlEnvelopeSigner):
    """EnvelopeSigner with a private key and certificate (chain) in PEM, e.g. read from a secret."""

    def __init__(self, key_pem: bytes | str, cert_pem: bytes | str, *, ttl_s: int = 300) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key_bytes = key_pem.encode() if isinstance(key_pem, str) else key_pem
        if not key_bytes.strip():
            raise ValueError(
                "The gateway signing key must be set (GATEWAY_SIGNING_KEY_PEM, or "
                "GATEWAY_SIGNING_KMS_KEY_ID): the gateway refuses unsigned messages."
            )
        super().__init__(load_pem_private_key(key_bytes, password=None), _chain_from(cert_pem), ttl_s)


class KmsRsaKey:
    """The private half of a KMS RSA key as signxml sees a key: `sign()` is a KMS Sign call."""

    SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"

    def __init__(self, kms: Callable[[], Any], key_id: str) -> None:
        self._kms = kms
        self.key_id = key_id
        self._public: Any = None

    def public_key(self) -> Any:
        if self._public is None:
            from cryptography.hazmat.primitives.serialization import load_der_public_key

            self._public = load_der_public_key(self._kms().get_public_key(KeyId=self.key_id)["PublicKey"])
        return self._public

    @property
    def key_size(self) -> int:
        return int(self.public_key().key_size)

    def sign(self, data: bytes, padding: Any, algorithm: Any) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

        if not isinstance(padding, PKCS1v15) or not isinstance(algorithm, hashes.SHA256):
            raise ValueError("The KMS gateway key signs RSA PKCS#1 v1.5 with SHA-256 only.")
        answer = self._kms().sign(
            KeyId=self.key_id, Message=data, MessageType="RAW", SigningAlgorithm=self.SIGNING_ALGORITHM
        )
        return bytes(answer["Signature"])


class KmsEnvelopeSigner(_XmlEnvelopeSigner):
    """EnvelopeSigner whose key stays in AWS KMS (an HSM): one KMS Sign call per message."""

    def __init__(self, kms: Callable[[], Any], key_id: str, cert_pem: bytes | str, *, ttl_s: int = 300) -> None:
        if not key_id:
            raise ValueError("GATEWAY_SIGNING_KMS_KEY_ID names the KMS key that signs messages to the gateway.")
        super().__init__(KmsRsaKey(kms, key_id), _chain_from(cert_pem), ttl_s)


# -- verification (the gateway's side: the simulator, and tests) ----------------------------------------------------


class WssRefused(Exception):
    """Why the gateway refuses a message's security: `code` is a fault code of gateway_services.json."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class VerifiedSender:
    certificate: Any
    subject: str


def _chain_ok(leaf: Any, intermediates: list[Any], anchors: list[Any], at: datetime) -> bool:
    from cryptography import x509
    from cryptography.x509 import verification

    def signing_usage(_policy: Any, _cert: Any, usage: x509.KeyUsage) -> None:
        if not usage.digital_signature:
            raise ValueError("the certificate's key usage does not allow signing")

    def is_ca(_policy: Any, _cert: Any, constraints: x509.BasicConstraints) -> None:
        if not constraints.ca:
            raise ValueError("an issuer on the chain is not a CA")

    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(anchors))
        .time(at)
        .extension_policies(
            ee_policy=verification.ExtensionPolicy.permit_all().require_present(
                x509.KeyUsage, verification.Criticality.AGNOSTIC, signing_usage
            ),
            ca_policy=verification.ExtensionPolicy.permit_all().require_present(
                x509.BasicConstraints, verification.Criticality.AGNOSTIC, is_ca
            ),
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, intermediates)
    except verification.VerificationError:
        return False
    return True


def verify_envelope(
    envelope: Any,
    trust_anchors_pem: bytes,
    now: datetime,
    *,
    max_skew_s: int = 300,
    certificates_at: datetime | None = None,
) -> VerifiedSender:
    """Check a received envelope's WS-Security as the gateway does. Raises WssRefused with SIGNATURE_MISSING,
    MESSAGE_EXPIRED, CERTIFICATE_UNTRUSTED or SIGNATURE_INVALID; returns the signer's certificate otherwise.

    The Timestamp is checked against `now`; the certificate chain at `certificates_at` (default: `now`), which a
    simulator running on a test clock sets to the real time.

    The signature must verify and its references must be exactly the envelope's own Body and the Security
    header's Timestamp (resolved by signxml, which refuses ambiguous ids), so a wrapped or moved Body fails."""
    from base64 import b64decode

    from cryptography import x509
    from lxml import etree
    from signxml.exceptions import InvalidCertificate, InvalidInput, InvalidSignature, SignXMLException
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    security = header.find(f"{{{WSSE_NS}}}Security") if header is not None else None
    signature = security.find(f"{{{DS_NS}}}Signature") if security is not None else None
    if signature is None:
        raise WssRefused("SIGNATURE_MISSING", "The message is not signed (no wsse:Security/ds:Signature).")
    timestamp: Any = security.find(f"{{{WSU_NS}}}Timestamp") if security is not None else None
    try:
        created = datetime.fromisoformat(timestamp.findtext(f"{{{WSU_NS}}}Created").replace("Z", "+00:00"))
        expires = datetime.fromisoformat(timestamp.findtext(f"{{{WSU_NS}}}Expires").replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        raise WssRefused("MESSAGE_EXPIRED", "The message has no readable wsu:Timestamp.") from None
    skew = timedelta(seconds=max_skew_s)
    if (
        created.tzinfo is None
        or expires.tzinfo is None
        or not created - skew <= now <= expires + skew
        or created > now + skew
    ):
        raise WssRefused("MESSAGE_EXPIRED", "The message's timestamp is outside its validity.")

    certificates = []
    for element in signature.iter(f"{{{DS_NS}}}X509Certificate"):
        try:
            certificates.append(x509.load_der_x509_certificate(b64decode("".join((element.text or "").split()))))
        except ValueError:
            raise WssRefused("SIGNATURE_INVALID", "The signing certificate cannot be read.") from None
    if not certificates:
        raise WssRefused("SIGNATURE_INVALID", "The signature carries no certificate.")
    leaf, intermediates = certificates[0], certificates[1:]
    anchors = x509.load_pem_x509_certificates(trust_anchors_pem)
    certificates_at = (certificates_at or now).astimezone(UTC)
    if not anchors or not _chain_ok(leaf, intermediates, anchors, certificates_at):
        raise WssRefused("CERTIFICATE_UNTRUSTED", "The signing certificate is not trusted by the gateway.")

    try:
        results = XMLVerifier().verify(
            etree.tostring(envelope),
            x509_cert=leaf,
            id_attribute="Id",
            expect_config=SignatureConfiguration(
                location=".//", expect_references=2, verification_time=certificates_at
            ),
        )
    except (InvalidSignature, InvalidCertificate):
        raise WssRefused("SIGNATURE_INVALID", "The signature does not verify.") from None
    except (InvalidInput, SignXMLException, ValueError, etree.LxmlError):
        raise WssRefused("SIGNATURE_INVALID", "The signature is malformed.") from None
    signed = results if isinstance(results, list) else [results]
    body, expected = body_of(envelope), set()
    for element in (body, timestamp):
        expected.add(etree.tostring(element, method="c14n", exclusive=True))
    covered = {etree.tostring(r.signed_xml, method="c14n", exclusive=True) for r in signed if r.signed_xml is not None}
    if covered != expected:
        raise WssRefused("SIGNATURE_INVALID", "The signature must cover the Body and the Timestamp.")
    return VerifiedSender(leaf, leaf.subject.rfc4514_string())

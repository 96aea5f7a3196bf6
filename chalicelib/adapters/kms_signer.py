"""Signing result documents with the provider's AWS KMS asymmetric key, and verifying them locally.

Key spec: ECC_NIST_P256 with ECDSA_SHA_256. Chosen over RSA_2048/RSASSA_PSS_SHA_256 because the
signature is ~72 bytes instead of 256 (it travels in every result JSON and may go into a QR code), the
public key is 91 bytes of DER, and elliptic-curve signing is what Kazakhstan's own EDS (GOST R 34.10-2015)
does, so the stand-in behaves like the real thing.

The scheme (what a third party needs to verify with nothing but the public key PEM):

    input     = canonical JSON of {"algorithm", "document", "key_id", "signed_at"}   (see signing_input)
    digest    = SHA-256(input)                                                        (32 bytes)
    signature = ECDSA P-256 with SHA-256 over `digest` taken as the message            (DER, base64)

i.e. `public_key.verify(signature, digest, ECDSA(SHA256()))`. The digest is sent to KMS with
MessageType RAW, not DIGEST: KMS then hashes it once more. This is deliberate: moto (the local stack and
the tests) ignores MessageType=DIGEST and hashes anyway (getmoto/moto#10202 is still open), so DIGEST
would give signatures that verify under moto and fail against AWS, or the other way round. RAW over the
32-byte digest behaves the same on both, keeps the document itself out of KMS (only a hash leaves the
function) and has no 4 KB message limit. The algorithm label below names this scheme exactly, so a future
scheme gets a new label and old documents keep verifying.

Verification never calls KMS per document: each trusted key's public key is fetched once (GetPublicKey)
and kept for the life of the signer, which bootstrap builds once per process.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.result_document import (
    SignedResult,
    SignerIdentity,
    VerifyOutcome,
    VerifyReason,
    canonical_bytes,
    format_instant,
    signing_input,
    verification_code,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
    from mypy_boto3_kms import KMSClient

SIGNING_ALGORITHM = "ECDSA_P256_SHA256_OVER_SHA256_DIGEST"
KMS_KEY_SPEC: Final[Literal["ECC_NIST_P256"]] = "ECC_NIST_P256"
KMS_SIGNING_ALGORITHM: Final[Literal["ECDSA_SHA_256"]] = "ECDSA_SHA_256"


class SigningKeyMisconfigured(RuntimeError):
    """The configured KMS key cannot sign result documents (wrong usage or spec)."""


class SigningFailed(RuntimeError):
    """KMS returned a signature that does not verify against the key's public key."""


@dataclass(frozen=True, slots=True)
class _TrustedKey:
    key_id: str  # the bare KMS key id (UUID): what signed results carry
    arn: str
    public_key: EllipticCurvePublicKey
    pem: str


def _bare_key_id(arn_or_id: str) -> str:
    return arn_or_id.rsplit("/", 1)[-1] if arn_or_id.startswith("arn:") else arn_or_id


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KmsResultSigner:
    """Signs with the current key; verifies against it and any previous keys still trusted.

    KMS asymmetric keys do not rotate: a new key is created and the old one kept in `previous_key_ids`
    so that results it signed keep verifying.
    """

    algorithm = SIGNING_ALGORITHM

    def __init__(
        self,
        kms_client_factory: Callable[[], KMSClient],
        key_id: str,
        *,
        previous_key_ids: Iterable[str] = (),
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client_factory = kms_client_factory
        self._client: KMSClient | None = None
        self._configured = [key_id, *previous_key_ids]
        self._clock = clock
        self._resolved: dict[str, _TrustedKey] = {}  # configured id (may be an alias) -> key

    def _kms(self) -> KMSClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def _key(self, configured_id: str) -> _TrustedKey:
        key = self._resolved.get(configured_id)
        if key is None:
            key = self._fetch(configured_id)
            self._resolved[configured_id] = key
        return key

    def _fetch(self, configured_id: str) -> _TrustedKey:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        response = self._kms().get_public_key(KeyId=configured_id)
        usable = response.get("KeyUsage") == "SIGN_VERIFY" and KMS_SIGNING_ALGORITHM in response.get(
            "SigningAlgorithms", []
        )
        public_key = serialization.load_der_public_key(response["PublicKey"])
        # The curve is checked on the key itself: moto reports only the deprecated CustomerMasterKeySpec.
        if not usable or not (
            isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1)
        ):
            raise SigningKeyMisconfigured(f"KMS key {configured_id} must be a SIGN_VERIFY {KMS_KEY_SPEC} key.")
        pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        arn = response["KeyId"]
        return _TrustedKey(key_id=_bare_key_id(arn), arn=arn, public_key=public_key, pem=pem.decode("ascii"))

    def _trusted(self, key_id: str) -> _TrustedKey | None:
        for configured_id in self._configured:
            key = self._key(configured_id)
            if key.key_id == key_id:
                return key
        return None

    def public_key_pem(self) -> str:
        """The current key's public key (SubjectPublicKeyInfo PEM), for anyone who verifies offline."""
        return self._key(self._configured[0]).pem

    def sign(self, document: Mapping[str, Any]) -> SignedResult:
        """Sign a result document. Raises InvalidValue if it cannot be canonicalised (floats, ...)."""
        frozen = json.loads(canonical_bytes(document))  # a private copy, in exactly the signed form
        key = self._key(self._configured[0])
        signed_at = format_instant(self._clock())
        digest = hashlib.sha256(
            signing_input(frozen, key_id=key.key_id, algorithm=SIGNING_ALGORITHM, signed_at=signed_at)
        ).digest()
        response = self._kms().sign(
            KeyId=key.arn, Message=digest, MessageType="RAW", SigningAlgorithm=KMS_SIGNING_ALGORITHM
        )
        signed = SignedResult(
            document=frozen,
            signature_b64=base64.b64encode(response["Signature"]).decode("ascii"),
            key_id=key.key_id,
            algorithm=SIGNING_ALGORITHM,
            signed_at=signed_at,
        )
        if not self.verify(signed).valid:
            raise SigningFailed(f"KMS key {key.key_id} returned a signature that does not verify.")
        return signed

    def verify(self, signed: SignedResult) -> VerifyOutcome:
        """Check a signed result against the trusted public keys, locally (no KMS call once keys are cached)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            code = verification_code(signed.document)
        except InvalidValue:
            return VerifyOutcome.invalid(VerifyReason.DOCUMENT_MALFORMED)
        if signed.algorithm != SIGNING_ALGORITHM:
            return VerifyOutcome.invalid(VerifyReason.ALGORITHM_UNSUPPORTED, code)
        key = self._trusted(signed.key_id)
        if key is None:
            return VerifyOutcome.invalid(VerifyReason.KEY_UNKNOWN, code)
        try:
            signature = base64.b64decode(signed.signature_b64.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            return VerifyOutcome.invalid(VerifyReason.SIGNATURE_MALFORMED, code)
        if not signature:
            return VerifyOutcome.invalid(VerifyReason.SIGNATURE_MALFORMED, code)
        try:
            digest = hashlib.sha256(signed.signing_input()).digest()
        except InvalidValue:
            return VerifyOutcome.invalid(VerifyReason.DOCUMENT_MALFORMED, code)
        try:
            key.public_key.verify(signature, digest, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return VerifyOutcome.invalid(VerifyReason.SIGNATURE_MISMATCH, code)
        issuer = signed.document.get("issuer")
        return VerifyOutcome(
            valid=True,
            reason=VerifyReason.VALID,
            signer=SignerIdentity(key_id=key.key_id, issuer=issuer if isinstance(issuer, Mapping) else {}),
            verification_code=code,
        )


def create_signing_key(kms_client: KMSClient, alias: str) -> str:
    """Create (or find, if the alias exists) the result-signing key for the local stack and tests; its key id."""
    alias_name = alias if alias.startswith("alias/") else f"alias/{alias}"
    try:
        existing = kms_client.describe_key(KeyId=alias_name)["KeyMetadata"]
    except kms_client.exceptions.NotFoundException:
        existing = None
    if existing is not None:
        if existing.get("KeyUsage") != "SIGN_VERIFY" or existing.get("KeySpec") != KMS_KEY_SPEC:
            raise SigningKeyMisconfigured(f"{alias_name} names a key that is not a SIGN_VERIFY {KMS_KEY_SPEC} key.")
        return existing["KeyId"]
    key_id = kms_client.create_key(
        Description="Signs result documents (assignment notices and refusals) of the social-benefits back office",
        KeyUsage="SIGN_VERIFY",
        KeySpec=KMS_KEY_SPEC,
    )["KeyMetadata"]["KeyId"]
    kms_client.create_alias(AliasName=alias_name, TargetKeyId=key_id)
    return key_id

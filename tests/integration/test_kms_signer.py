"""The KMS result signer under moto: sign with KMS, verify locally with the cached public key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from moto import mock_aws

from chalicelib.adapters.kms_signer import SIGNING_ALGORITHM, KmsResultSigner, create_signing_key
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.result_document import ResultDocument, SignedResult, VerifyReason, verification_code

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def kms() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("kms", region_name="eu-central-1")


def kms_calls(kms: Any) -> list[str]:
    """Every KMS operation the client sends from now on, by name (a botocore event hook, not a mock)."""
    seen: list[str] = []

    def record(model: Any, **_: Any) -> None:
        seen.append(model.name)

    kms.meta.events.register("before-call.kms", record)
    return seen


def a_document(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "application_id": "APP-2026-000123",
        "service_id": "targeted-social-assistance",
        "service_name": {"ru": "Государственная адресная социальная помощь", "kk": "Атаулы әлеуметтік көмек"},
        "applicant_iin_masked": "8801****1234",
        "applicant_full_name": "Әлиева Гүлнұр Серікқызы",
        "decision": {"outcome": "approved", "amount_monthly": 45600, "reasons": [{"rule_id": "tsa.income"}]},
        "issued_at": NOW,
        "issuer_office_id": "employment-center:KZ-AKT",
        "issuer_name": {"ru": "Центр занятости населения", "kk": "Халықты жұмыспен қамту орталығы"},
        "language": "kk",
    }
    fields.update(changes)
    return ResultDocument(**fields).to_dict()


def a_signer(kms: Any, alias: str = "result-signing", **kwargs: Any) -> KmsResultSigner:
    key_id = create_signing_key(kms, alias)
    return KmsResultSigner(lambda: kms, key_id, clock=lambda: NOW, **kwargs)


def test_signs_a_document_that_then_verifies_and_names_its_signer(kms: Any) -> None:
    # Given a signer over a fresh SIGN_VERIFY key
    signer = a_signer(kms)
    document = a_document()

    # When it signs a result document
    signed = signer.sign(document)

    # Then the envelope carries the document, the key, the scheme and the instant, and it verifies
    assert signed.document == document
    assert signed.algorithm == SIGNING_ALGORITHM
    assert signed.signed_at == "2026-11-23T09:30:00Z"
    outcome = signer.verify(signed)
    assert outcome.valid is True
    assert outcome.reason is VerifyReason.VALID
    assert outcome.signer is not None
    assert outcome.signer.key_id == signed.key_id
    assert outcome.signer.issuer["office_id"] == "employment-center:KZ-AKT"
    assert outcome.verification_code == verification_code(document)


def test_a_signed_result_survives_a_round_trip_through_json(kms: Any) -> None:
    # Given a signed result serialised as the API would
    signer = a_signer(kms)
    signed = signer.sign(a_document())

    # When a caller sends it back
    returned = SignedResult.from_dict(signed.to_dict())

    # Then it still verifies
    assert signer.verify(returned).valid is True


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda d: d["decision"].update(amount_monthly=456000), id="amount"),
        pytest.param(lambda d: d["applicant"].update(full_name="Другой Человек"), id="name"),
        pytest.param(lambda d: d["decision"].update(outcome="refused"), id="outcome"),
        pytest.param(lambda d: d.update(issued_at="2026-11-24T09:30:00Z"), id="issued_at"),
        pytest.param(lambda d: d.update(note="added later"), id="added-field"),
    ],
)
def test_any_change_to_the_document_makes_it_invalid(kms: Any, tamper: Any) -> None:
    # Given a signed result
    signer = a_signer(kms)
    envelope = signer.sign(a_document()).to_dict()

    # When one field of the document is changed
    tamper(envelope["document"])

    # Then it no longer verifies, and no signer is named
    outcome = signer.verify(SignedResult.from_dict(envelope))
    assert outcome.valid is False
    assert outcome.reason is VerifyReason.SIGNATURE_MISMATCH
    assert outcome.signer is None


def test_a_changed_signature_is_invalid(kms: Any) -> None:
    # Given a signed result whose signature has one byte flipped
    signer = a_signer(kms)
    signed = signer.sign(a_document())
    raw = bytearray(base64.b64decode(signed.signature_b64))
    raw[-1] ^= 0x01
    tampered = SignedResult(**{**signed.to_dict(), "signature_b64": base64.b64encode(bytes(raw)).decode()})

    # When it is verified
    outcome = signer.verify(tampered)

    # Then it is invalid
    assert (outcome.valid, outcome.reason) == (False, VerifyReason.SIGNATURE_MISMATCH)


def test_a_signature_that_is_not_base64_is_malformed(kms: Any) -> None:
    signer = a_signer(kms)
    signed = signer.sign(a_document())

    outcome = signer.verify(SignedResult(**{**signed.to_dict(), "signature_b64": "not base64!"}))

    assert (outcome.valid, outcome.reason) == (False, VerifyReason.SIGNATURE_MALFORMED)


def test_a_changed_signing_instant_is_invalid(kms: Any) -> None:
    signer = a_signer(kms)
    signed = signer.sign(a_document())

    outcome = signer.verify(SignedResult(**{**signed.to_dict(), "signed_at": "2026-01-01T00:00:00Z"}))

    assert (outcome.valid, outcome.reason) == (False, VerifyReason.SIGNATURE_MISMATCH)


def test_another_algorithm_label_is_unsupported(kms: Any) -> None:
    signer = a_signer(kms)
    signed = signer.sign(a_document())

    outcome = signer.verify(SignedResult(**{**signed.to_dict(), "algorithm": "ECDSA_SHA_256"}))

    assert (outcome.valid, outcome.reason) == (False, VerifyReason.ALGORITHM_UNSUPPORTED)


def test_an_unknown_key_id_is_invalid_with_its_own_reason(kms: Any) -> None:
    # Given a result signed by another office's key that this signer does not trust
    ours = a_signer(kms, "ours")
    theirs = a_signer(kms, "theirs")
    signed_elsewhere = theirs.sign(a_document())

    # When our signer verifies it
    outcome = ours.verify(signed_elsewhere)

    # Then the key is unknown
    assert (outcome.valid, outcome.reason) == (False, VerifyReason.KEY_UNKNOWN)


def test_a_signature_made_with_another_trusted_key_does_not_pass_for_the_current_one(kms: Any) -> None:
    # Given a signer that trusts an old key and a new one, and a result the old key signed
    old = a_signer(kms, "old")
    new_key_id = create_signing_key(kms, "new")
    signer = KmsResultSigner(lambda: kms, new_key_id, previous_key_ids=[old.sign(a_document()).key_id])
    signed_by_old = old.sign(a_document())
    relabelled = SignedResult(**{**signed_by_old.to_dict(), "key_id": signer.sign(a_document()).key_id})

    # When the old result is verified as is, and relabelled as the new key's
    as_is = signer.verify(signed_by_old)
    forged = signer.verify(relabelled)

    # Then the old key still vouches for its own result, and the relabelled one fails
    assert as_is.valid is True
    assert (forged.valid, forged.reason) == (False, VerifyReason.SIGNATURE_MISMATCH)


def test_the_public_key_is_fetched_once_and_verification_never_calls_kms(kms: Any) -> None:
    # Given a signer and a record of every KMS call it makes
    signer = a_signer(kms)
    calls = kms_calls(kms)

    # When it signs twice, exports its public key and verifies many times
    first = signer.sign(a_document())
    second = signer.sign(a_document(application_id="APP-2026-000124"))
    signer.public_key_pem()
    for _ in range(20):
        assert signer.verify(first).valid and signer.verify(second).valid

    # Then KMS saw one GetPublicKey and one Sign per document, nothing else
    assert calls == ["GetPublicKey", "Sign", "Sign"]


def test_anyone_can_verify_with_the_public_key_pem_alone(kms: Any) -> None:
    # Given a signed result and the signer's public key as published
    signer = a_signer(kms)
    signed = signer.sign(a_document())
    public_key = serialization.load_pem_public_key(signer.public_key_pem().encode())
    assert isinstance(public_key, ec.EllipticCurvePublicKey)

    # When a third party follows the documented scheme: SHA-256 of the signing input, ECDSA-SHA256 over it
    digest = hashlib.sha256(signed.signing_input()).digest()

    # Then the signature checks out (verify raises if not)
    public_key.verify(base64.b64decode(signed.signature_b64), digest, ec.ECDSA(hashes.SHA256()))


def test_a_document_with_a_float_is_refused_before_kms_is_asked(kms: Any) -> None:
    signer = a_signer(kms)
    document = a_document()
    document["decision"]["amount_monthly"] = 45600.5
    calls = kms_calls(kms)

    with pytest.raises(InvalidValue) as error:
        signer.sign(document)

    assert error.value.code == "result.float"
    assert calls == []


def test_creating_the_signing_key_twice_returns_the_same_key(kms: Any) -> None:
    # Given the local stack created its key once
    first = create_signing_key(kms, "alias/result-signing")

    # When it starts again
    second = create_signing_key(kms, "result-signing")

    # Then it finds the same SIGN_VERIFY key instead of making a new one
    assert first == second
    metadata = kms.describe_key(KeyId=first)["KeyMetadata"]
    assert (metadata["KeyUsage"], metadata["KeySpec"]) == ("SIGN_VERIFY", "ECC_NIST_P256")

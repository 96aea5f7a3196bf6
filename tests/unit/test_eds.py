"""EDS (XMLDSig) verification against the development CA: each refusal has its own code."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from chalicelib.adapters.eds import verify_signed_xml
from chalicelib.domain.signing import SignatureRefused, canonical_application_content
from local import test_ca
from local.test_ca import Credential, create_root_ca, issue_citizen_certificate, new_key, sign_xml

APPLICANT_IIN = "880101300123"
REPRESENTATIVE_IIN = "900215400456"
NOW = datetime.now(UTC)
LONG_AGO = datetime(2015, 1, 1, tzinfo=UTC)

APPLICATION: dict[str, Any] = {
    "id": "01JD3K7ZQ8X4V2N5M6P9R0S1T2",
    "service_id": "targeted-social-assistance",
    "channel": "portal",
    "applicant": {"iin": APPLICANT_IIN, "phone": "+77011234567", "region": "KZ-AKT"},
    "subjects": [{"iin": "150301500017", "relation": "child"}],
    "bank_account": {"iban": "KZ86601A123456789012"},
    "language": "kk",
    "status": "awaiting_signature",
}


@pytest.fixture(scope="module")
def ca() -> Credential:
    return create_root_ca(now=LONG_AGO, valid_days=365 * 30)


@pytest.fixture(scope="module")
def citizen_key() -> Any:
    return new_key()


@pytest.fixture(scope="module")
def citizen(ca: Credential, citizen_key: Any) -> Credential:
    return issue_citizen_certificate(ca, iin=APPLICANT_IIN, name="ИВАНОВА АЙГУЛЬ", key=citizen_key)


@pytest.fixture(scope="module")
def signed(citizen: Credential) -> bytes:
    return sign_xml(canonical_application_content(APPLICATION), citizen.key, citizen.certificate)


def _refusal(ca: Credential, signed_xml: bytes, **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "trust_anchors_pem": ca.certificate_pem,
        "expected_content": APPLICATION,
        "allowed_iins": {APPLICANT_IIN},
        "on": NOW,
    } | overrides
    with pytest.raises(SignatureRefused) as error:
        verify_signed_xml(signed_xml, **arguments)
    return error.value.code


def test_a_valid_signature_names_the_signer(ca: Credential, citizen: Credential, signed: bytes) -> None:
    # Given the applicant's content signed with their certificate from a trusted CA
    # When verified
    signature = verify_signed_xml(signed, ca.certificate_pem, APPLICATION, {APPLICANT_IIN, REPRESENTATIVE_IIN}, NOW)
    # Then the signer's IIN, name and certificate serial come back
    assert signature.iin == APPLICANT_IIN
    assert signature.subject_common_name == "ИВАНОВА АЙГУЛЬ"
    assert signature.certificate_serial == format(citizen.certificate.serial_number, "x")
    assert signature.signed_at is None


def test_the_expected_content_may_be_given_as_canonical_bytes_or_as_text(ca: Credential, signed: bytes) -> None:
    content = canonical_application_content(APPLICATION)
    assert verify_signed_xml(signed.decode(), ca.certificate_pem, content, {APPLICANT_IIN}, NOW).iin == APPLICANT_IIN


def test_server_fields_outside_the_signed_content_do_not_matter(ca: Credential, signed: bytes) -> None:
    # Given the same application after the server moved its status on
    application = APPLICATION | {"status": "submitted", "registered_at": "2026-11-23T09:00:00Z"}
    # Then the signature still matches it
    assert verify_signed_xml(signed, ca.certificate_pem, application, {APPLICANT_IIN}, NOW).iin == APPLICANT_IIN


def test_someone_elses_certificate_is_an_iin_mismatch(ca: Credential, signed: bytes) -> None:
    assert _refusal(ca, signed, allowed_iins={REPRESENTATIVE_IIN}) == "eds.iin_mismatch"


def test_an_expired_certificate_is_refused(ca: Credential, citizen_key: Any) -> None:
    # Given a certificate that expired in 2021
    expired = issue_citizen_certificate(
        ca,
        iin=APPLICANT_IIN,
        name="ИВАНОВА АЙГУЛЬ",
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        not_after=datetime(2021, 1, 1, tzinfo=UTC),
        key=citizen_key,
    )
    signed = sign_xml(canonical_application_content(APPLICATION), citizen_key, expired.certificate)
    # When verified for a signature made today
    # Then it is expired
    assert _refusal(ca, signed) == "eds.expired"
    # But a signature dated on a day it was valid passes
    on_the_day = datetime(2020, 6, 1, 12, 0, tzinfo=UTC)
    assert verify_signed_xml(signed, ca.certificate_pem, APPLICATION, {APPLICANT_IIN}, on_the_day).iin == APPLICANT_IIN


def test_a_certificate_not_yet_valid_is_refused_as_expired(ca: Credential, citizen_key: Any) -> None:
    future = issue_citizen_certificate(
        ca,
        iin=APPLICANT_IIN,
        name="X",
        not_before=NOW + timedelta(days=2),
        not_after=NOW + timedelta(days=400),
        key=citizen_key,
    )
    signed = sign_xml(canonical_application_content(APPLICATION), citizen_key, future.certificate)
    assert _refusal(ca, signed) == "eds.expired"


def test_a_certificate_from_another_ca_is_untrusted(ca: Credential, citizen_key: Any) -> None:
    # Given a certificate with the right IIN from a CA that is not a trust anchor
    rogue_ca = create_root_ca("TEST ROGUE CA", now=LONG_AGO, valid_days=365 * 30)
    rogue = issue_citizen_certificate(rogue_ca, iin=APPLICANT_IIN, name="ИВАНОВА АЙГУЛЬ", key=citizen_key)
    signed = sign_xml(canonical_application_content(APPLICATION), citizen_key, rogue.certificate)
    # Then it is untrusted
    assert _refusal(ca, signed) == "eds.untrusted"


def test_tampered_content_is_refused(ca: Credential, signed: bytes) -> None:
    # Given the signed document with the IBAN changed after signing
    tampered = signed.replace(b"KZ86601A123456789012", b"KZ86601A999999999999")
    assert tampered != signed
    # Then the digest no longer verifies
    assert (
        _refusal(ca, tampered, expected_content=APPLICATION | {"bank_account": {"iban": "KZ86601A999999999999"}})
        == "eds.tampered"
    )


def test_a_tampered_signature_value_is_refused(ca: Credential, signed: bytes) -> None:
    # Given the signature value with one byte flipped
    match = re.search(rb"<ds:SignatureValue>([^<]+)</ds:SignatureValue>", signed)
    assert match
    raw = bytearray(base64.b64decode(match.group(1)))
    raw[10] ^= 0x01
    tampered = signed.replace(match.group(1), base64.b64encode(bytes(raw)))
    # Then
    assert _refusal(ca, tampered) == "eds.tampered"


def test_a_signature_over_another_application_is_a_content_mismatch(ca: Credential, citizen: Credential) -> None:
    # Given a valid signature over a different application of the same person
    other = APPLICATION | {"id": "01JD3K7ZQ8X4V2N5M6P9R0S1T3"}
    signed_other = sign_xml(canonical_application_content(other), citizen.key, citizen.certificate)
    # When presented for this application
    # Then the content does not match
    assert _refusal(ca, signed_other) == "eds.content_mismatch"


@pytest.mark.parametrize(
    "document",
    [
        b"not xml at all",
        b"<SignedApplication/>",
        b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
    ],
)
def test_documents_that_are_not_signed_xml_are_malformed(ca: Credential, document: bytes) -> None:
    assert _refusal(ca, document) == "eds.malformed"


def test_a_signature_without_a_certificate_is_malformed(ca: Credential, signed: bytes) -> None:
    stripped = re.sub(rb"<ds:KeyInfo>.*</ds:KeyInfo>", b"", signed, flags=re.DOTALL)
    assert _refusal(ca, stripped) == "eds.malformed"


def test_every_refusal_is_an_unprocessable_value() -> None:
    assert SignatureRefused("eds.tampered", "x").status == 422


def test_the_canonical_content_is_stable_xml_wrapping_sorted_json() -> None:
    # Given the same application with keys in another order and a server-only field
    shuffled = dict(reversed(list(APPLICATION.items()))) | {"status": "submitted"}
    # Then the canonical content is the same bytes, and escapes XML specials
    assert canonical_application_content(shuffled) == canonical_application_content(APPLICATION)
    content = canonical_application_content(APPLICATION | {"details": {"note": "a<b & c"}})
    assert content.startswith(
        b'<SignedApplication xmlns="urn:kz:social-benefits:application:1" id="01JD3K7ZQ8X4V2N5M6P9R0S1T2"'
    )
    assert b"a&lt;b &amp; c" in content and b'"language":"kk"' in content and b"awaiting_signature" not in content


def test_the_development_ca_cli_writes_a_trust_anchor(tmp_path: Path) -> None:
    # When the CLI writes a CA and a citizen into a folder
    assert test_ca.main([str(tmp_path), "--iin", APPLICANT_IIN, "--name", "ИВАНОВА АЙГУЛЬ"]) == 0
    # Then the CA is a loadable trust anchor, clearly marked as a test CA, and the citizen's IIN is in the subject
    anchor = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    assert "NOT A REAL CA" in anchor.subject.rfc4514_string()
    citizen = x509.load_pem_x509_certificate((tmp_path / "citizen.pem").read_bytes())
    assert f"IIN{APPLICANT_IIN}" in citizen.subject.rfc4514_string()
    assert (tmp_path / "ca-key.pem").exists() and (tmp_path / "citizen-key.pem").exists()

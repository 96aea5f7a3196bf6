"""Signing an application over the API: an SMS one-time password or an EDS signature (real crypto, the test CA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.signing import canonical_application_content
from local.test_ca import Credential, create_root_ca, issue_citizen_certificate, new_key, sign_xml
from tests.support.api import post
from tests.support.fakes import FakeClock, FakeRegistries
from tests.support.people import CARED, FATHER, MOTHER, STRANGER, child_benefit_body
from tests.support.sms import PHONE, caregiver_body, code_in, sent_sms

OTP_SECRET = "test-otp-secret-at-least-16-bytes"


@pytest.fixture(scope="module")
def ca() -> Credential:
    return create_root_ca()


@pytest.fixture(scope="module")
def citizen_key() -> Any:
    return new_key()


@pytest.fixture
def clock(api: Any, ca: Credential, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    """The app on moto, trusting the test CA, with a clock the test moves."""
    from chalicelib.bootstrap import container
    from chalicelib.config import secret

    monkeypatch.setenv("OTP_SECRET", OTP_SECRET)  # the shared test value is shorter than the 16 bytes OTPs need
    secret.cache_clear()
    app = container()
    app.settings = replace(app.settings, eds_trust_anchors_pem=ca.certificate_pem.decode())
    fake = FakeClock(datetime.now(UTC))
    app.clock = fake  # type: ignore[misc]
    # The registries asked while signing: the signer's number in the mobile citizens database, the representative's
    # power of attorney in e-notary
    power = {
        "number": "НД-2026-0042",
        "principal_iin": MOTHER,
        "agent_iin": FATHER,
        "valid_until": "2030-12-31",
        "revoked": False,
    }
    app.__dict__["gateway"] = FakeRegistries(
        {("mobile", MOTHER): {"phone": PHONE, "language": "ru"}, ("e_notary", FATHER): {"powers_of_attorney": [power]}}
    )
    yield fake
    secret.cache_clear()


def file_caregiver(api: Any, token: Any, iin: str = MOTHER, **overrides: Any) -> str:
    created = post(api, "/applications", {**caregiver_body(iin), **overrides}, token(iin))
    assert created.status_code == 201, created.body
    assert created.json_body["status"] == "awaiting_signature"
    return str(created.json_body["id"])


def request_code(api: Any, token: Any, app_id: str, iin: str = MOTHER) -> Any:
    return post(api, f"/applications/{app_id}/otp", {}, token(iin))


def sign_with(api: Any, token: Any, app_id: str, body: dict[str, Any], iin: str = MOTHER) -> Any:
    return post(api, f"/applications/{app_id}/signature", body, token(iin))


def signed_by(credential: Credential, app_id: str) -> str:
    from chalicelib.bootstrap import container
    from chalicelib.services.signing import application_content

    content = canonical_application_content(application_content(container().repo.get(app_id)))
    return sign_xml(content, credential.key, credential.certificate).decode()


# --- OTP ------------------------------------------------------------------------------------------------


def test_an_otp_sent_by_sms_signs_and_registers_the_application(api: Any, token: Any, clock: FakeClock) -> None:
    # Given a caregiver-allowance application awaiting its signature
    app_id = file_caregiver(api, token)
    # When the applicant asks for a code
    sent = request_code(api, token, app_id)
    # Then one SMS with a 6-digit code goes to the application's phone, and only its masked form is shown
    assert sent.status_code == 200, sent.body
    assert sent.json_body["sent_to"] == "+7*******567"
    assert [phone for phone, _ in sent_sms()] == [PHONE]
    code = code_in(sent_sms()[0][1])
    # When they sign with it
    signed = sign_with(api, token, app_id, {"method": "otp", "code": code})
    # Then the application is submitted, registered with a due date, and its registry lookups are under way
    assert signed.status_code == 200, signed.body
    body = signed.json_body
    assert body["status"] == "checking" and body["due_date"] and body["registered_at"]
    change = next(e for e in body["timeline"] if e["type"] == "status_changed" and e["detail"]["to"] == "submitted")
    assert change["detail"]["from"] == "awaiting_signature"
    assert change["detail"]["method"] == "otp" and change["detail"]["sent_to"] == "+7*******567"
    assert "registered" in [e["type"] for e in body["timeline"]]
    # And no part of the code or its hash is shown anywhere
    assert code not in signed.body.decode() and "code_hash" not in signed.body.decode()


def test_an_expired_code_is_refused(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    request_code(api, token, app_id)
    code = code_in(sent_sms()[-1][1])
    # When the code is used after its 5 minutes
    clock.advance(minutes=5, seconds=1)
    response = sign_with(api, token, app_id, {"method": "otp", "code": code})
    # Then
    assert response.status_code == 422 and response.json_body["code"] == "otp.expired"


def test_a_used_code_cannot_sign_again(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    request_code(api, token, app_id)
    code = code_in(sent_sms()[-1][1])
    assert sign_with(api, token, app_id, {"method": "otp", "code": code}).status_code == 200
    # When the same code is sent again
    again = sign_with(api, token, app_id, {"method": "otp", "code": code})
    # Then the application is no longer awaiting a signature, and nothing changes
    assert again.status_code == 409 and again.json_body["code"] == "signature.not_awaiting"
    assert request_code(api, token, app_id).json_body["code"] == "signature.not_awaiting"


def test_wrong_codes_are_counted_per_code_then_per_application(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    request_code(api, token, app_id)
    code = code_in(sent_sms()[-1][1])
    wrong = "000000" if code != "000000" else "111111"
    # When 5 wrong codes are tried, the caller learns how many tries are left each time
    left = []
    for _ in range(5):
        response = sign_with(api, token, app_id, {"method": "otp", "code": wrong})
        assert response.status_code == 422 and response.json_body["code"] == "otp.invalid"
        left.append(response.json_body["tries_left"])
    assert left == [4, 3, 2, 1, 0]
    # Then even the right code no longer works for this code
    dead = sign_with(api, token, app_id, {"method": "otp", "code": code})
    assert dead.status_code == 429 and dead.json_body["code"] == "otp.too_many_attempts"
    # When a new code is sent a minute later and 5 more wrong codes are tried
    clock.advance(seconds=61)
    assert request_code(api, token, app_id).status_code == 200
    for _ in range(5):
        sign_with(api, token, app_id, {"method": "otp", "code": wrong})
    # Then the application is locked for the rest of the hour, with Retry-After
    locked = request_code(api, token, app_id)
    assert locked.status_code == 429 and locked.json_body["code"] == "otp.locked"
    assert 0 < int(locked.headers["Retry-After"]) <= 3600
    fresh = code_in(sent_sms()[-1][1])
    assert sign_with(api, token, app_id, {"method": "otp", "code": fresh}).json_body["code"] == "otp.locked"
    # And after the hour has passed, a new code can be asked for and used
    clock.advance(hours=1)
    assert request_code(api, token, app_id).status_code == 200
    assert sign_with(api, token, app_id, {"method": "otp", "code": code_in(sent_sms()[-1][1])}).status_code == 200


def test_a_new_code_waits_a_minute(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    assert request_code(api, token, app_id).status_code == 200
    # When another code is asked for 20 seconds later
    clock.advance(seconds=20)
    again = request_code(api, token, app_id)
    # Then it is refused with the wait, and no second SMS goes out
    assert again.status_code == 429 and again.json_body["code"] == "otp.resend_too_soon"
    assert 39 <= int(again.headers["Retry-After"]) <= 41
    assert len(sent_sms()) == 1
    # And a minute after the first, a new code is sent and the old one is no good
    old = code_in(sent_sms()[-1][1])
    clock.advance(seconds=41)
    assert request_code(api, token, app_id).status_code == 200
    new = code_in(sent_sms()[-1][1])
    if old != new:
        assert sign_with(api, token, app_id, {"method": "otp", "code": old}).json_body["code"] == "otp.invalid"
    assert sign_with(api, token, app_id, {"method": "otp", "code": new}).status_code == 200


def test_signing_without_a_code_requested_is_a_conflict(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    response = sign_with(api, token, app_id, {"method": "otp", "code": "123456"})
    assert response.status_code == 409 and response.json_body["code"] == "otp.not_issued"


def test_only_the_owner_may_ask_for_a_code_or_sign(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    assert request_code(api, token, app_id, iin=STRANGER).status_code == 404
    assert sign_with(api, token, app_id, {"method": "otp", "code": "123456"}, iin=STRANGER).status_code == 404
    assert post(api, f"/applications/{app_id}/otp", {}, token(STRANGER, "official", org="x")).status_code == 403
    assert sent_sms() == []


def test_a_signer_without_a_registered_number_cannot_get_a_code(api: Any, token: Any, clock: FakeClock) -> None:
    from chalicelib.bootstrap import container

    app_id = file_caregiver(api, token)
    container().gateway.records.pop(("mobile", MOTHER))  # type: ignore[attr-defined]
    response = request_code(api, token, app_id)
    assert response.status_code == 422 and response.json_body["code"] == "otp.no_registered_phone"
    assert sent_sms() == []


def test_a_service_that_needs_no_signature_is_never_awaiting_one(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = post(api, "/applications", child_benefit_body(), token(MOTHER)).json_body["id"]
    response = request_code(api, token, app_id)
    assert response.status_code == 409 and response.json_body["code"] == "signature.not_awaiting"


def test_a_signature_request_needs_its_method_and_value(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    missing = sign_with(api, token, app_id, {"method": "otp"})
    assert missing.status_code == 422 and missing.json_body["errors"][0]["field"] == "code"
    unknown = sign_with(api, token, app_id, {"method": "fax"})
    assert unknown.status_code == 422 and unknown.json_body["errors"][0]["field"] == "method"


def test_refusals_are_in_the_callers_language(api: Any, token: Any, clock: FakeClock) -> None:
    app_id = file_caregiver(api, token)
    response = post(
        api,
        f"/applications/{app_id}/signature",
        {"method": "otp", "code": "1"},
        token(MOTHER),
        **{"Accept-Language": "kk"},
    )
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json_body["detail"] == "Бұл өтінішке код жіберілмеген: алдымен кодты сұраңыз."


# --- EDS ------------------------------------------------------------------------------------------------


def test_an_eds_signature_by_the_applicant_registers_the_application(
    api: Any, token: Any, clock: FakeClock, ca: Credential, citizen_key: Any
) -> None:
    app_id = file_caregiver(api, token)
    citizen = issue_citizen_certificate(ca, iin=MOTHER, name="АХМЕТОВА АЙГЕРІМ", key=citizen_key)
    response = sign_with(api, token, app_id, {"method": "eds", "signed_xml": signed_by(citizen, app_id)})
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == "checking" and response.json_body["due_date"]
    change = next(e for e in response.json_body["timeline"] if e["detail"].get("to") == "submitted")
    serial = format(citizen.certificate.serial_number, "x")
    assert change["detail"]["method"] == "eds" and change["detail"]["signer"] == "applicant"
    assert change["detail"]["certificate_serial"] == f"{serial[:4]}****{serial[-4:]}"
    assert serial not in response.body.decode() and MOTHER[4:8] not in change["detail"]["signer_iin"]


def test_the_representative_may_sign_with_their_eds(
    api: Any, token: Any, clock: FakeClock, ca: Credential, citizen_key: Any
) -> None:
    # Given an application filed by a representative under a power of attorney
    representative = {"iin": FATHER, "power_of_attorney": "НД-2026-0042"}
    body = caregiver_body(MOTHER, representative=representative)
    created = post(api, "/applications", body, token(FATHER))
    assert created.status_code == 201, created.body
    app_id = created.json_body["id"]
    # When the representative signs with their own certificate
    rep = issue_citizen_certificate(ca, iin=FATHER, name="АХМЕТОВ БОЛАТ", key=citizen_key)
    response = sign_with(api, token, app_id, {"method": "eds", "signed_xml": signed_by(rep, app_id)}, iin=FATHER)
    # Then it is accepted as the representative's signature
    assert response.status_code == 200, response.body
    change = next(e for e in response.json_body["timeline"] if e["detail"].get("to") == "submitted")
    assert change["detail"]["signer"] == "representative"


def _refusal(api: Any, token: Any, app_id: str, signed_xml: str) -> tuple[int, str]:
    response = sign_with(api, token, app_id, {"method": "eds", "signed_xml": signed_xml})
    return response.status_code, response.json_body["code"]


def test_each_eds_refusal_has_its_own_code_and_changes_nothing(
    api: Any, token: Any, clock: FakeClock, ca: Credential, citizen_key: Any
) -> None:
    from chalicelib.bootstrap import container

    app_id = file_caregiver(api, token)
    other_id = file_caregiver(api, token)
    citizen = issue_citizen_certificate(ca, iin=MOTHER, name="АХМЕТОВА АЙГЕРІМ", key=citizen_key)
    good = signed_by(citizen, app_id)
    rogue_ca = create_root_ca("TEST ROGUE CA")
    rogue = issue_citizen_certificate(rogue_ca, iin=MOTHER, name="АХМЕТОВА АЙГЕРІМ", key=citizen_key)
    expired = issue_citizen_certificate(
        ca,
        iin=MOTHER,
        name="АХМЕТОВА АЙГЕРІМ",
        key=citizen_key,
        not_before=datetime.now(UTC) - timedelta(days=400),
        not_after=datetime.now(UTC) - timedelta(days=1),
    )
    stranger = issue_citizen_certificate(ca, iin=STRANGER, name="БӨТЕН АДАМ", key=citizen_key)
    iban = caregiver_body()["bank_account"]["iban"]
    tampered = good.replace(iban, iban[:-3] + "999")
    assert tampered != good
    cases = {
        "eds.malformed": "<SignedApplication/>",
        "eds.untrusted": signed_by(rogue, app_id),
        "eds.expired": signed_by(expired, app_id),
        "eds.tampered": tampered,
        "eds.content_mismatch": signed_by(citizen, other_id),
        "eds.iin_mismatch": signed_by(stranger, app_id),
    }
    before = container().repo.get(app_id).version
    for code, signed_xml in cases.items():
        assert _refusal(api, token, app_id, signed_xml) == (422, code)
    # Then the application was not touched, and the good signature still works
    assert container().repo.get(app_id).version == before
    assert sign_with(api, token, app_id, {"method": "eds", "signed_xml": good}).status_code == 200


def test_the_cared_person_cannot_sign_for_the_applicant(
    api: Any, token: Any, clock: FakeClock, ca: Credential, citizen_key: Any
) -> None:
    app_id = file_caregiver(api, token)
    cared = issue_citizen_certificate(ca, iin=CARED, name="ҚАМҚОРДАҒЫ", key=citizen_key)
    assert _refusal(api, token, app_id, signed_by(cared, app_id)) == (422, "eds.iin_mismatch")


def test_the_signed_content_is_the_application_as_filed(api: Any, token: Any, clock: FakeClock) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.signing import application_content

    app_id = file_caregiver(api, token)
    content = canonical_application_content(application_content(container().repo.get(app_id))).decode()
    payload = re.search(r'<Content type="application/json">(.*)</Content>', content)
    assert payload
    assert f'"id":"{app_id}"' in payload.group(1)
    assert '"service_id":"caregiver-allowance"' in payload.group(1) and "awaiting_signature" not in content

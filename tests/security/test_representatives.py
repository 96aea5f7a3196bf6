"""Acting for someone else: a power of attorney the e-notary registry confirms at filing, before anything is asked
about the principal; the one-time password to the signer's number in the mobile citizens database, never to a number
typed into the body (none registered: EDS only, said in a problem document); the principal told by notice and SMS."""

from __future__ import annotations

from typing import Any

import pytest

from local.gateway_sim import GatewaySimulator
from tests.security.support import record_gateway
from tests.support.api import get, post
from tests.support.fakes import FakeClock, FakeRegistries
from tests.support.people import CARED, FATHER, MOTHER, STRANGER
from tests.support.pipeline import body_for, drain
from tests.support.sms import caregiver_body, sent_sms

TYPED_PHONE = "+77019999999"  # a number the person filing typed: the stranger's own


def file_as(api: Any, token: Any, family: dict[str, Any], representative: dict[str, str], caller: str) -> Any:
    body = body_for(family)
    body["representative"] = representative
    body["applicant"]["phone"] = TYPED_PHONE
    return post(api, "/applications", body, token(caller))


@pytest.mark.parametrize("how", ["made-up number", "someone else's power", "revoked power"])
def test_a_stranger_cannot_file_as_a_representative(api: Any, gateway: GatewaySimulator, token: Any, how: str) -> None:
    calls = record_gateway()
    victim_family = gateway.family("caregiver-eligible")  # a carer with no power of attorney given to anyone
    victim = victim_family["applicant"]
    if how == "made-up number":
        stranger, representative = STRANGER, {"iin": STRANGER, "power_of_attorney": "ЕНИС-2026-999999"}
    elif how == "someone else's power":  # a real number, of another family
        real = gateway.family("caregiver-eligible-representative")["representative"]
        stranger, representative = STRANGER, {"iin": STRANGER, "power_of_attorney": real["power_of_attorney"]}
    else:
        revoked = gateway.family("caregiver-representative-power-revoked")
        victim_family, victim = revoked, revoked["applicant"]
        stranger, representative = revoked["representative"]["iin"], revoked["representative"]
    response = file_as(api, token, victim_family, representative, stranger)
    # Then the filing is refused, with the field and its code
    assert response.status_code == 422, response.body
    assert response.json_body["code"] == "representative.power_of_attorney_not_confirmed"
    assert response.json_body["errors"][0]["field"] == "representative.power_of_attorney"
    # and the one thing asked was the e-notary registry, about the would-be representative: nothing about the victim
    assert calls.calls == [("e_notary", stranger)]
    # nothing was stored: no application in the victim's History, no code sent anywhere
    assert get(api, "/applications", token(victim)).json_body["items"] == []
    assert sent_sms() == []


def test_a_confirmed_representative_files_the_principal_is_told_and_the_code_goes_to_the_signers_number(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    calls = record_gateway()
    family = gateway.family("caregiver-eligible-representative")
    agent, principal = family["representative"]["iin"], family["applicant"]
    agent_phone = (gateway.answer_of("mobile", agent) or {})["phone"]
    principal_phone = (gateway.answer_of("mobile", principal) or {})["phone"]
    # When the representative files (typing their own number as the applicant's)
    created = file_as(api, token, family, family["representative"], agent)
    assert created.status_code == 201, created.body
    app_id = created.json_body["id"]
    # Then e-notary was asked first, about the representative; then the principal's registered number
    assert calls.calls[:2] == [("e_notary", agent), ("mobile", principal)]
    timeline = [e["type"] for e in created.json_body["timeline"]]
    assert timeline[:2] == ["created", "power_of_attorney_confirmed"]
    # and the principal is told by notice and by SMS to their registered number, not the typed one
    drain()
    notices = get(api, "/notifications", token(principal)).json_body["items"]
    assert "filed_on_your_behalf" in [n["purpose"] for n in notices]
    assert "filed_on_your_behalf" not in [
        n["purpose"] for n in get(api, "/notifications", token(agent)).json_body["items"]
    ]
    assert any(app_id in text for to, text in sent_sms() if to == principal_phone)
    # When the representative asks for the one-time password
    sent = post(api, f"/applications/{app_id}/otp", {}, token(agent))
    assert sent.status_code == 200, sent.body
    # Then it goes to the representative's number in the mobile citizens database, never to the typed one
    assert sent.json_body["sent_to"].endswith(agent_phone[-3:])
    assert [to for to, text in sent_sms() if text.lower().startswith("код") or text.startswith("Code")] == [agent_phone]
    assert TYPED_PHONE not in [to for to, _ in sent_sms()]


def test_no_registered_number_means_eds_only_said_in_a_problem_document(api: Any, token: Any) -> None:
    from chalicelib.bootstrap import container

    power = {
        "number": "НД-2026-0042",
        "principal_iin": MOTHER,
        "agent_iin": FATHER,
        "valid_until": "2030-12-31",
        "revoked": False,
    }
    container().__dict__["gateway"] = FakeRegistries({("e_notary", FATHER): {"powers_of_attorney": [power]}})
    body = caregiver_body(MOTHER, CARED, representative={"iin": FATHER, "power_of_attorney": "нд-2026-0042"})
    created = post(api, "/applications", body, token(FATHER))
    assert created.status_code == 201, created.body
    response = post(api, f"/applications/{created.json_body['id']}/otp", {}, token(FATHER))
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json_body["code"] == "otp.no_registered_phone"
    assert "EDS" in response.json_body["detail"] or "ЭЦП" in response.json_body["detail"]
    assert sent_sms() == []


def test_a_code_sent_to_one_owner_is_not_entered_by_the_other(api: Any, token: Any) -> None:
    from chalicelib.bootstrap import container

    power = {
        "number": "НД-2026-0042",
        "principal_iin": MOTHER,
        "agent_iin": FATHER,
        "valid_until": "2030-12-31",
        "revoked": False,
    }
    container().__dict__["gateway"] = FakeRegistries(
        {
            ("e_notary", FATHER): {"powers_of_attorney": [power]},
            ("mobile", MOTHER): {"phone": "+77015550001"},
            ("mobile", FATHER): {"phone": "+77015550002"},
        }
    )
    body = caregiver_body(MOTHER, CARED, representative={"iin": FATHER, "power_of_attorney": "НД-2026-0042"})
    app_id = post(api, "/applications", body, token(FATHER)).json_body["id"]
    assert post(api, f"/applications/{app_id}/otp", {}, token(MOTHER)).status_code == 200
    signed = post(api, f"/applications/{app_id}/signature", {"method": "otp", "code": "000000"}, token(FATHER))
    assert signed.status_code == 409 and signed.json_body["code"] == "otp.not_issued"

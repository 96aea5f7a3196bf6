"""The eligibility pre-check tells a caller about themself: the applicant is the caller; a subject is checked only
once the registries link them to the caller; of another person the answer says met or not met, never their data; a
pre-check as someone's representative needs the power of attorney confirmed first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.identity import mask_iin
from local.gateway_sim import GatewaySimulator
from tests.security.support import record_gateway, reveals, traces_of
from tests.support.api import post
from tests.support.people import STRANGER
from tests.support.pipeline import body_for

# What registries hold about a person that no one else may learn from a pre-check
PRIVATE_WORDS = ("mental", "legal_capacity", "disability", "group", "income", "region", "locality", "established")


def precheck_body(family: dict[str, Any]) -> dict[str, Any]:
    body = body_for(family)
    for key in ("service_id", "channel"):
        body.pop(key)
    return body


def precheck(api: Any, token: Any, service_id: str, body: dict[str, Any], caller: str) -> Any:
    return post(api, f"/eligibility/{service_id}", body, token(caller))


def test_a_stranger_naming_themself_representative_learns_nothing_and_nothing_is_asked(
    api: Any, gateway: GatewaySimulator, token: Any
) -> None:
    calls = record_gateway()
    family = gateway.family("caregiver-eligible")
    body = precheck_body(family)
    body["representative"] = {"iin": STRANGER, "power_of_attorney": "ЕНИС-2026-000001"}
    response = precheck(api, token, "caregiver-allowance", body, STRANGER)
    assert response.status_code == 422, response.body
    assert response.json_body["code"] == "representative.power_of_attorney_not_confirmed"
    assert calls.calls == [("e_notary", STRANGER)]
    assert reveals(response.body, *traces_of(family["applicant"]), *traces_of(family["members"][0]["iin"])) == []


def test_the_applicant_is_the_caller(api: Any, gateway: GatewaySimulator, token: Any) -> None:
    calls = record_gateway()
    family = gateway.family("caregiver-eligible")
    response = precheck(api, token, "caregiver-allowance", precheck_body(family), STRANGER)
    assert response.status_code == 422
    assert response.json_body["errors"][0]["code"] == "applicant.not_caller"
    assert calls.calls == []


@pytest.mark.parametrize("scenario", ["caregiver-eligible", "tsa-income-just-above-line"])
def test_a_subject_the_registries_do_not_link_to_the_caller_is_not_checked(
    api: Any, gateway: GatewaySimulator, token: Any, scenario: str
) -> None:
    calls = record_gateway()
    family = gateway.family(scenario)
    stranger = gateway.family("caregiver-representative-power-revoked")["members"][0]["iin"]  # someone's mother
    body = precheck_body(family)
    body["subjects"][-1]["iin"] = stranger
    response = precheck(api, token, family["service_id"], body, family["applicant"])
    assert response.status_code == 422, response.body
    assert [e["code"] for e in response.json_body["errors"]] == ["eligibility.subject_not_linked"]
    # only the caller's own family records were read; nothing at all about the person named
    assert calls.about(stranger) == []
    assert {iin for _, iin in calls.calls} == {family["applicant"]}
    assert reveals(response.body, *traces_of(stranger)) == []


def test_of_a_linked_person_the_answer_says_met_or_not_met_and_nothing_more(
    api: Any, gateway: GatewaySimulator, token: Any
) -> None:
    family = gateway.family("caregiver-eligible")
    cared = family["members"][0]["iin"]
    response = precheck(api, token, "caregiver-allowance", precheck_body(family), family["applicant"])
    assert response.status_code == 200, response.body
    answer = response.json_body
    assert answer["would_be"] == "approved"
    reasons = answer["decision"]["reasons"]
    others = [r for r in reasons if r["about"] == "other"]
    assert others, reasons  # the cared person's disability, care needs, ... are there as outcomes
    for reason in others:
        assert set(reason) == {"rule_id", "outcome", "about"} and reason["outcome"] in ("met", "not_met")
    # nothing names or describes the cared person: not their IIN (clear or masked), not a value of theirs
    assert reveals(response.body, *traces_of(cared)) == []
    own = mask_iin(family["applicant"])
    for reason in reasons:
        if reason["about"] == "applicant":
            assert all(f["person_masked_iin"] == own for f in reason["facts"])
    other_text = json.dumps(others)
    assert [w for w in PRIVATE_WORDS if w in other_text.replace("rule_id", "")] == [] or all(
        set(r) == {"rule_id", "outcome", "about"} for r in others
    )


def test_the_tsa_precheck_says_only_whether_the_account_is_the_callers_own(
    api: Any, gateway: GatewaySimulator, token: Any
) -> None:
    family = gateway.family("tsa-income-just-above-line")
    someone = gateway.family("caregiver-eligible-representative")  # a Halyk account of another person
    body = precheck_body(family)
    body["bank_account"] = {"iban": someone["iban"]}
    response = precheck(api, token, "targeted-social-assistance", body, family["applicant"])
    assert response.status_code == 200, response.body
    (owner,) = [r for r in response.json_body["decision"]["reasons"] if r["rule_id"] == "tsa.bank_owner"]
    assert owner["outcome"] == "not_met"
    # who holds the account is not said (not even masked), nor anything of the family members beyond outcomes
    assert reveals(response.body, *traces_of(someone["applicant"])) == []
    for member in family["members"]:
        assert reveals(response.body, *traces_of(member["iin"])) == []


def test_a_confirmed_representative_may_precheck_for_the_principal(
    api: Any, gateway: GatewaySimulator, token: Any
) -> None:
    calls = record_gateway()
    family = gateway.family("caregiver-eligible-representative")
    agent = family["representative"]["iin"]
    response = precheck(api, token, "caregiver-allowance", precheck_body(family), agent)
    assert response.status_code == 200, response.body
    assert calls.calls[0] == ("e_notary", agent)
    assert reveals(response.body, *traces_of(family["members"][0]["iin"])) == []

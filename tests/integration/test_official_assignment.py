"""An official's decision takes the one-assignment claim a machine decision takes (services/assignments.py).

The family: a father and a mother of one disabled child. The mother files with a bank account the registry does not
know, so her application goes to an official (the bank certificate is read by a person); the father files on the
portal and the machine decides his. Whichever approval comes second must not become a second assignment."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.assignments import ASSIGNED, AssignmentExists, mask_application_id
from chalicelib.domain.banking import make_iban
from chalicelib.domain.documents import waiting_for
from chalicelib.domain.identity import mask_iin
from chalicelib.entrypoints.views import application_view
from chalicelib.services.intake import submit_application, withdraw_application
from local.gateway_sim import GatewaySimulator
from tests.integration.test_desk import OFFICIAL_IIN, _upload
from tests.integration.test_pipeline import reload
from tests.support.officials import OfficialCa
from tests.support.pipeline import body_for, drain

SERVICE = "child-disability-benefit"
FAMILY = "child-disability-eligible-father"


def _parents(sim: GatewaySimulator) -> tuple[dict[str, Any], str, str]:
    family = sim.family(FAMILY)
    child = family["members"][0]["iin"]
    births = sim.answer_of("civil_births", child)
    assert births is not None
    mother = next(p["iin"] for p in births["parents"] if p["relation"] == "mother")
    assert sim.answer_of("bank_accounts", mother) is None  # her account is not in the registry
    return family, child, mother


def _file_as_mother(family: dict[str, Any], mother: str, key: str) -> Any:
    from chalicelib.bootstrap import container

    body = body_for(family)
    body["applicant"] = {**body["applicant"], "iin": mother, "phone": "+77005550942"}
    body["bank_account"] = {"iban": make_iban("722", "0000004242424").value}
    filed = submit_application(
        body, Caller(mother, "citizen"), container().intake(), render=application_view, idempotency_key=key
    )
    assert filed.application is not None
    return filed.application


def _file_as_father(family: dict[str, Any], key: str) -> Any:
    from chalicelib.bootstrap import container

    filed = submit_application(
        body_for(family),
        Caller(family["applicant"], "citizen"),
        container().intake(),
        render=application_view,
        idempotency_key=key,
    )
    assert filed.application is not None
    return filed.application


def _to_the_official(app_id: str, mother: str, iban: str) -> Caller:
    """The mother uploads her bank certificate; an official of the deciding office accepts it with its facts."""
    from chalicelib.bootstrap import container
    from chalicelib.services.review import review_document

    assert reload(app_id).status is Status.AWAITING_DOCUMENTS
    _upload(app_id, "bank_account_certificate", Caller(mother, "citizen"), b"%PDF-1.7 bank certificate")
    [document] = reload(app_id).data["documents"]
    official = Caller(OFFICIAL_IIN, "official", org=reload(app_id).handling_office, name="САПАРОВА ДИНАРА")
    facts = {"accounts": [{"iban": iban, "bank_code": iban[4:7], "owner_iin": mother, "opened_on": "2020-01-15"}]}
    review_document(app_id, document["document_id"], {"accept": True, "facts": facts}, official, container().review())
    drain()
    return official


def _sign(app_id: str, draft: dict[str, Any], official: Caller, ca: OfficialCa) -> Any:
    from chalicelib.bootstrap import container
    from chalicelib.services.official import sign_decision

    signed = ca.sign(draft["to_sign"], ca.official(OFFICIAL_IIN))
    return sign_decision(
        app_id, {"draft_id": draft["draft_id"], "signed_xml": signed}, official, container().official()
    )


def test_the_official_path_approves_and_records_the_assignment(
    gateway: GatewaySimulator, official_ca: OfficialCa
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.official import draft_decision

    family, child, mother = _parents(gateway)
    app = _file_as_mother(family, mother, "mother-1")
    drain()
    official = _to_the_official(app.id, mother, app.bank_iban)
    assert waiting_for(reload(app.id)) == "official_decision"
    draft = draft_decision(app.id, official, container().official())
    assert draft["decision"]["outcome"] == "approved"

    decided = _sign(app.id, draft, official, official_ca)

    assert decided.status is Status.APPROVED
    held = container().assignments.get(SERVICE, child)
    assert held is not None and held.holder == app.id and held.state == ASSIGNED
    assert held.period_from is not None and held.period_from.isoformat() == decided.decision["period_from"]
    # and the father's later filing for the same child is stopped: the official's approval is the assignment
    with pytest.raises(AssignmentExists) as stopped:
        _file_as_father(family, "father-late")
    assert mask_application_id(app.id) in str(stopped.value)


def test_an_official_cannot_sign_a_second_assignment(gateway: GatewaySimulator, official_ca: OfficialCa) -> None:
    """The mother's application holds no claim (the father's first filing held it, then was withdrawn); the
    official drafts her approval; meanwhile the father files again and the machine approves him. The official's
    signature over the approval is refused naming his assignment, and her application ends refused, signed."""
    from chalicelib.bootstrap import container
    from chalicelib.services.official import draft_decision

    family, child, mother = _parents(gateway)
    first = _file_as_father(family, "father-1")  # holds the pending claim on the child
    app = _file_as_mother(family, mother, "mother-1")  # finds it held: takes none
    withdraw_application(first.id, Caller(family["applicant"], "citizen"), container().intake())
    drain()
    official = _to_the_official(app.id, mother, app.bank_iban)
    assert waiting_for(reload(app.id)) == "official_decision"
    draft = draft_decision(app.id, official, container().official())
    assert draft["decision"]["outcome"] == "approved"
    # Meanwhile the father files again and the machine approves his application: the child's assignment is his
    second = _file_as_father(family, "father-2")
    drain()
    assert reload(second.id).status is Status.APPROVED

    # When the official signs the approval drafted before
    with pytest.raises(AssignmentExists) as refused:
        _sign(app.id, draft, official, official_ca)

    # Then it is refused with a 409 naming the existing assignment, masked, and no second assignment exists
    assert refused.value.code == "assignment.exists" and refused.value.status == 409
    message = str(refused.value)
    assert mask_application_id(second.id) in message and mask_iin(child) in message
    assert child not in message and second.id not in message
    held = container().assignments.get(SERVICE, child)
    assert held is not None and held.holder == second.id and held.state == ASSIGNED
    waiting = reload(app.id)
    assert waiting.status is Status.DECIDING and "draft" not in waiting.data
    assert container().results.get(app.id) is None
    assert waiting_for(waiting) == "official_decision"  # the officials still act: the next draft is a refusal
    # When the official drafts again: the rules' refusal names the assignment, and signing it ends the application
    again = draft_decision(app.id, official, container().official())
    assert again["decision"]["outcome"] == "refused"
    failed = [r for r in again["decision"]["reasons"] if r["outcome"] == "not_met"]
    assert [r["rule_id"] for r in failed] == ["assignment.exists"]
    assert mask_application_id(second.id) in failed[0]["text"]["ru"]
    decided = _sign(app.id, again, official, official_ca)
    assert decided.status is Status.REFUSED
    held = container().assignments.get(SERVICE, child)
    assert held is not None and held.holder == second.id and held.state == ASSIGNED
    assert reload(second.id).status is Status.APPROVED


def test_an_official_case_waits_while_another_open_application_holds_the_claim(
    gateway: GatewaySimulator, official_ca: OfficialCa
) -> None:
    """While the father's open application holds the claim, the mother's case is not handed to the officials to
    draft an approval nobody could sign: it waits (`assignment`) and comes back to them once his is decided, as
    the refusal naming his assignment."""
    from chalicelib.bootstrap import container
    from chalicelib.domain.assignments import PENDING
    from chalicelib.services.official import draft_decision
    from chalicelib.services.review import review_document
    from tests.support.sms import run_queue

    family, child, mother = _parents(gateway)
    app = _file_as_mother(family, mother, "mother-1")
    drain()
    _upload(app.id, "bank_account_certificate", Caller(mother, "citizen"), b"%PDF-1.7 bank certificate")
    # The father files too; as if he had filed first, his application holds the pending claim on the child
    father = _file_as_father(family, "father-1")
    store = container().assignments
    claim = store.get(SERVICE, child)
    assert claim is not None and claim.holder == app.id
    assert store.put([claim.taken_by(father.id, PENDING)])
    # When the official accepts the mother's bank certificate and only her decision runs (his lookups still queued)
    [document] = reload(app.id).data["documents"]
    official = Caller(OFFICIAL_IIN, "official", org=reload(app.id).handling_office)
    facts = {
        "accounts": [
            {"iban": app.bank_iban, "bank_code": app.bank_iban[4:7], "owner_iin": mother, "opened_on": "2020-01-15"}
        ]
    }
    review_document(app.id, document["document_id"], {"accept": True, "facts": facts}, official, container().review())
    run_queue("decisions")
    # Then she waits for his application, not for an official
    waiting = reload(app.id)
    assert waiting.status is Status.DECIDING and waiting_for(waiting) == "assignment"
    assert reload(father.id).status is not Status.APPROVED
    # When his application is decided (the machine approves it)
    drain()
    assert reload(father.id).status is Status.APPROVED
    # Then hers is back with the officials, and the draft is the refusal naming his assignment
    back = reload(app.id)
    assert back.status is Status.DECIDING and waiting_for(back) == "official_decision"
    draft = draft_decision(app.id, official, container().official())
    assert draft["decision"]["outcome"] == "refused"
    assert mask_application_id(father.id) in str(draft["decision"]["reasons"])
    assert _sign(app.id, draft, official, official_ca).status is Status.REFUSED


def test_over_http_the_refused_signature_is_a_409_problem_naming_the_assignment_masked(
    gateway: GatewaySimulator, official_ca: OfficialCa, token: Any
) -> None:
    """What the official's console and any client get: a problem document, the stable code, the assignment named
    only masked (the other applicant's application number and the child's IIN are not given out)."""
    from chalice.test import Client

    import app as app_module
    from chalicelib.bootstrap import container
    from tests.support.api import get, post

    family, child, mother = _parents(gateway)
    first = _file_as_father(family, "father-1")
    app = _file_as_mother(family, mother, "mother-1")
    withdraw_application(first.id, Caller(family["applicant"], "citizen"), container().intake())
    drain()
    official = _to_the_official(app.id, mother, app.bank_iban)
    bearer = token(OFFICIAL_IIN, "official", org=official.org)
    with Client(app_module.app) as client:
        draft = get(client, f"/applications/{app.id}/decision/draft", bearer).json_body
        assert draft["decision"]["outcome"] == "approved"
        second = _file_as_father(family, "father-2")
        drain()
        signed = official_ca.sign(draft["to_sign"], official_ca.official(OFFICIAL_IIN))
        answer = post(
            client, f"/applications/{app.id}/decision", {"draft_id": draft["draft_id"], "signed_xml": signed}, bearer
        )

    assert answer.status_code == 409
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    problem = answer.json_body
    assert problem["code"] == "assignment.exists" and problem["detail"].startswith("Этому лицу")  # ru, one language
    held = problem["assignment"]
    assert held["state"] == "assigned"
    assert held["application"] == mask_application_id(second.id) and held["subject"] == mask_iin(child)
    assert held["period_from"] == reload(second.id).decision["period_from"]
    assert second.id not in str(problem) and child not in str(problem)
    assert reload(app.id).status is Status.DECIDING

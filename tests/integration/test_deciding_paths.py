"""No application waits in `deciding` with no one able to act on it.

The decision step (services/decisions._decide) is the only way into `deciding`, and it leaves in one of three ways:
the machine decides and seals (final at once), a fact came from paper (an official drafts and signs), or the rules
cannot decide on the facts held (the office asks the agency in writing, an official reviews the reply, then drafts
and signs). Each path is walked here to its end, and at every stop in `deciding` the work queue names who acts and
that person has a route that works.

Two waits in `deciding` are the machine's, not a person's, and end without anyone acting: `parameters` (a poverty-line
figure not loaded: the deadline sweep decides again each day, tests/integration/test_poverty_line_wait.py) and
`assignment` (another open application holds the claim on a beneficiary: its decision wakes this one, and the sweep
asks again each day; tests/integration/test_official_assignment.py walks it back to the officials)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.documents import waiting_for
from local.gateway_sim import GatewaySimulator
from tests.integration.test_desk import OFFICIAL_IIN, _bank_facts, _upload, _waiting_for_bank_document
from tests.integration.test_pipeline import file, reload
from tests.support.officials import OfficialCa
from tests.support.pipeline import drain
from tests.support.sms import run_queue

ACTORS_IN_DECIDING = {"official_decision", "agency_reply", "document_review"}


def _sign(app_id: str, official: Caller, ca: OfficialCa) -> Any:
    from chalicelib.bootstrap import container
    from chalicelib.services.official import draft_decision, sign_decision

    draft = draft_decision(app_id, official, container().official())
    signed = ca.sign(draft["to_sign"], ca.official(OFFICIAL_IIN))
    return sign_decision(
        app_id, {"draft_id": draft["draft_id"], "signed_xml": signed}, official, container().official()
    )


def _someone_can_act(app_id: str) -> str:
    app = reload(app_id)
    assert app.status is Status.DECIDING
    who = waiting_for(app)
    assert who in ACTORS_IN_DECIDING, who
    return str(who)


def test_the_machine_path_never_stops_in_deciding(gateway: GatewaySimulator) -> None:
    app = file(gateway, "caregiver-eligible", channel="state_corp")
    drain()
    assert reload(app.id).status is Status.APPROVED
    assert reload(app.id).decision["verification_code"]


def test_the_paper_path_stops_for_an_official_who_signs(gateway: GatewaySimulator, official_ca: OfficialCa) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.review import review_document

    app, citizen, official = _waiting_for_bank_document(gateway)
    _upload(app.id, "bank_account_certificate", citizen, b"%PDF-1.7 certificate")
    [document] = reload(app.id).data["documents"]
    assert waiting_for(reload(app.id)) == "document_review"
    review_document(
        app.id, document["document_id"], {"accept": True, "facts": _bank_facts(app)}, official, container().review()
    )
    drain()
    assert _someone_can_act(app.id) == "official_decision"
    assert _sign(app.id, official, official_ca).status is Status.APPROVED


def _fail_lookup(app_id: str, registry: str) -> None:
    """A registry answer that failed for good (the rules then lack it)."""
    from chalicelib.adapters.lookup_store import LookupItem

    for item in LookupItem.query(f"APP#{app_id}", LookupItem.sk.startswith(f"LOOKUP#{registry}#")):
        item.update(actions=[LookupItem.status.set("failed"), LookupItem.data.set("{}")])


@pytest.mark.parametrize("registry", ["mental_health", "social_payments"])
def test_the_undecidable_path_stops_for_the_office_and_ends_signed(
    gateway: GatewaySimulator, official_ca: OfficialCa, registry: str
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.domain.errors import DomainError
    from chalicelib.services.documents import request_upload
    from chalicelib.services.official import DraftFactsMissing, draft_decision
    from chalicelib.services.review import review_document

    app = file(gateway, "caregiver-eligible", channel="state_corp")
    run_queue("lookups")
    _fail_lookup(app.id, registry)
    drain()
    # Then it waits in deciding for the office to get the agency's reply, and the draft says what is missing
    assert _someone_can_act(app.id) == "agency_reply"
    official = Caller(OFFICIAL_IIN, "official", org=reload(app.id).handling_office)
    with pytest.raises(DraftFactsMissing) as missing:
        draft_decision(app.id, official, container().official())
    assert all(e.field.startswith(f"{registry}:") for e in missing.value.errors)
    # When the office uploads the agency's reply for each missing fact and an official accepts it
    kind = f"agency_reply:{registry}"
    facts = {"mental_health": {"registered": False}, "social_payments": {"assignments": []}}[registry]
    for _ in missing.value.errors:
        _upload(app.id, kind, official, b"%PDF-1.7 the agency's reply")
        received = next(d for d in reload(app.id).data["documents"] if d["state"] == "document_received")
        assert waiting_for(reload(app.id)) == "document_review"
        try:
            person = {"person_iin": next(t.iin for t in _targets(app.id, kind))}
        except StopIteration:  # pragma: no cover - nothing left to answer
            break
        review_document(
            app.id, received["document_id"], {"accept": True, "facts": facts, **person}, official, container().review()
        )
        drain()
    # Then an official decides and signs it
    assert _someone_can_act(app.id) == "official_decision"
    try:
        decided = _sign(app.id, official, official_ca)
    except DomainError as exc:  # pragma: no cover - shown on failure
        raise AssertionError(exc.code) from exc
    assert decided.status is Status.APPROVED
    with pytest.raises(DomainError):
        request_upload(app.id, kind, "application/pdf", official, container().documents())


def _targets(app_id: str, kind: str) -> list[Any]:
    from chalicelib.bootstrap import container
    from chalicelib.services.documents import awaited

    return awaited(reload(app_id), container().lookup_store.for_application(app_id)).get(kind, [])

"""The official's desk refuses whoever may not act and whatever is not what it claims: an agency reply from a citizen,
another office's official, a stale draft, a certificate of another IIN, an expired one, one from an unknown CA, a
revoked one, and an object that matches no issued slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.application import Status
from local.gateway_sim import GatewaySimulator
from local.test_ca import create_root_ca
from tests.integration.test_desk import OFFICIAL_IIN, _bank_facts, _put, _upload, _waiting_for_bank_document
from tests.integration.test_pipeline import file, reload
from tests.support.api import get, post
from tests.support.officials import OfficialCa
from tests.support.pipeline import drain

OTHER_OFFICIAL = "870202400024"


@pytest.fixture
def deciding(gateway: GatewaySimulator, official_ca: OfficialCa) -> Any:
    """An application whose bank certificate an official accepted: it waits for an official's signed decision."""
    from chalicelib.bootstrap import container
    from chalicelib.services.review import review_document

    app, citizen, official = _waiting_for_bank_document(gateway)
    _upload(app.id, "bank_account_certificate", citizen, b"%PDF-1.7 certificate")
    [document] = reload(app.id).data["documents"]
    review_document(
        app.id, document["document_id"], {"accept": True, "facts": _bank_facts(app)}, official, container().review()
    )
    drain()
    waiting = reload(app.id)
    assert waiting.status is Status.DECIDING and waiting.data["official_decision"]
    return waiting


@pytest.fixture
def client(deciding: Any) -> Any:
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app) as api:
        yield api


def _draft(client: Any, app: Any, bearer: str) -> dict[str, Any]:
    answer = get(client, f"/applications/{app.id}/decision/draft", bearer)
    assert answer.status_code == 200, answer.json_body
    return dict(answer.json_body)


def test_a_citizen_cannot_upload_an_agency_reply(api: Any, gateway: GatewaySimulator, token: Any) -> None:
    app = file(gateway, "tsa-no-residence-registration")
    drain()
    mine = token(app.applicant.iin)
    refused = post(
        api,
        f"/applications/{app.id}/documents",
        {"kind": "agency_reply:address", "content_type": "application/pdf"},
        mine,
    )
    assert refused.status_code == 404
    office = token(OFFICIAL_IIN, "official", org=app.handling_office)
    given = post(
        api,
        f"/applications/{app.id}/documents",
        {"kind": "agency_reply:address", "content_type": "application/pdf"},
        office,
    )
    assert given.status_code == 201, given.json_body


def test_an_object_matching_no_issued_slot_changes_nothing(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container

    app, citizen, _ = _waiting_for_bank_document(gateway)
    slot_key = _upload(app.id, "bank_account_certificate", citizen, b"%PDF-1.7 genuine")
    before = reload(app.id)
    # When objects are written beside it with no slot: a made-up key, and the used slot's key again
    _put(f"uploads/{app.id}/bank_account_certificate/{'f' * 32}", b"%PDF-1.7 forged")
    _put(f"uploads/{app.id}/agency_reply~address/{'e' * 32}", b"%PDF-1.7 forged")
    _put(slot_key, b"%PDF-1.7 replaced")
    drain()
    # Then the application is as it was (one document, the same version) and the strays are quarantined
    after = reload(app.id)
    assert after.version == before.version and len(after.data["documents"]) == 1
    listed = (
        container().client("s3").list_objects_v2(Bucket=container().settings.documents_bucket, Prefix="quarantine/")
    )
    assert listed["KeyCount"] == 3


def test_an_official_of_another_office_cannot_review_or_decide(gateway: GatewaySimulator, api: Any, token: Any) -> None:
    app, citizen, _ = _waiting_for_bank_document(gateway)
    _upload(app.id, "bank_account_certificate", citizen, b"%PDF-1.7 certificate")
    [document] = reload(app.id).data["documents"]
    stranger = token(OTHER_OFFICIAL, "official", org="employment-center:KZ-ALA")
    base = f"/applications/{app.id}"
    assert get(api, f"{base}/documents/{document['document_id']}", stranger).status_code == 404
    assert (
        post(
            api,
            f"{base}/documents/{document['document_id']}/review",
            {"accept": False, "reason": "unreadable"},
            stranger,
        ).status_code
        == 404
    )
    assert get(api, f"{base}/decision/draft", stranger).status_code == 404
    assert post(api, f"{base}/decision", {"draft_id": "x", "signed_xml": "<a/>"}, stranger).status_code == 404
    # nor can the applicant review their own document
    mine = token(app.applicant.iin)
    assert (
        post(
            api, f"{base}/documents/{document['document_id']}/review", {"accept": True, "facts": _bank_facts(app)}, mine
        ).status_code
        == 403
    )
    assert reload(app.id).data["documents"][0]["state"] == "document_received"


def test_a_draft_made_stale_by_a_new_fact_is_refused(
    client: Any, deciding: Any, token: Any, official_ca: OfficialCa
) -> None:
    from chalicelib.bootstrap import container

    me = token(OFFICIAL_IIN, "official", org=deciding.handling_office)
    draft = _draft(client, deciding, me)
    # When a fact changes after the draft was made
    [bank] = [r for r in container().lookup_store.for_application(deciding.id) if r.registry == "bank_accounts"]
    container().lookup_store.provide_document(
        deciding.id,
        bank.key,
        bank.provided_document or "",
        data={**bank.data, "accounts": []},
        source_system=bank.source_system,
    )
    signed = official_ca.sign(draft["to_sign"], official_ca.official(OFFICIAL_IIN))
    refused = post(
        client, f"/applications/{deciding.id}/decision", {"draft_id": draft["draft_id"], "signed_xml": signed}, me
    )
    # Then the signature is refused as stale and nothing is decided
    assert refused.status_code == 409 and refused.json_body["code"] == "decision.draft_stale"
    assert reload(deciding.id).status is Status.DECIDING


def test_a_signed_xml_that_is_not_the_draft_is_refused(
    client: Any, deciding: Any, token: Any, official_ca: OfficialCa
) -> None:
    me = token(OFFICIAL_IIN, "official", org=deciding.handling_office)
    draft = _draft(client, deciding, me)
    other = draft["to_sign"].replace('"outcome":"approved"', '"outcome":"refused"')
    assert other != draft["to_sign"]
    signed = official_ca.sign(other, official_ca.official(OFFICIAL_IIN))
    refused = post(
        client, f"/applications/{deciding.id}/decision", {"draft_id": draft["draft_id"], "signed_xml": signed}, me
    )
    assert refused.status_code == 422 and refused.json_body["code"] == "decision.draft_mismatch"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("another_iin", "eds.not_signer"),
        ("expired", "eds.untrusted"),
        ("unknown_ca", "eds.untrusted"),
        ("revoked", "eds.revoked"),
    ],
)
def test_a_certificate_that_may_not_sign_is_refused(
    client: Any, deciding: Any, token: Any, official_ca: OfficialCa, case: str, code: str
) -> None:
    me = token(OFFICIAL_IIN, "official", org=deciding.handling_office)
    draft = _draft(client, deciding, me)
    now = datetime.now(UTC)
    certificate = {
        "another_iin": lambda: official_ca.official(OTHER_OFFICIAL),
        "expired": lambda: official_ca.official(
            OFFICIAL_IIN, not_before=now - timedelta(days=400), not_after=now - timedelta(days=1)
        ),
        "unknown_ca": lambda: official_ca.official(OFFICIAL_IIN, ca=create_root_ca("ROGUE CA")),
        "revoked": lambda: official_ca.official(OFFICIAL_IIN),
    }[case]()
    if case == "revoked":
        official_ca.revoke(certificate)
    refused = post(
        client,
        f"/applications/{deciding.id}/decision",
        {"draft_id": draft["draft_id"], "signed_xml": official_ca.sign(draft["to_sign"], certificate)},
        me,
    )
    assert refused.status_code == 422, refused.json_body
    assert refused.json_body["code"] == code
    assert reload(deciding.id).status is Status.DECIDING


def test_the_same_official_with_a_valid_certificate_decides(
    client: Any, deciding: Any, token: Any, official_ca: OfficialCa
) -> None:
    me = token(OFFICIAL_IIN, "official", org=deciding.handling_office)
    draft = _draft(client, deciding, me)
    signed = official_ca.sign(draft["to_sign"], official_ca.official(OFFICIAL_IIN))
    # A colleague of the same office cannot sign a draft made for someone else
    colleague = token(OTHER_OFFICIAL, "official", org=deciding.handling_office)
    theirs = post(
        client,
        f"/applications/{deciding.id}/decision",
        {"draft_id": draft["draft_id"], "signed_xml": signed},
        colleague,
    )
    assert theirs.status_code == 409 and theirs.json_body["code"] == "decision.draft_stale"
    done = post(
        client, f"/applications/{deciding.id}/decision", {"draft_id": draft["draft_id"], "signed_xml": signed}, me
    )
    assert done.status_code == 200, done.json_body
    assert done.json_body["status"] == "approved"
    # and a second signature changes nothing
    again = post(
        client, f"/applications/{deciding.id}/decision", {"draft_id": draft["draft_id"], "signed_xml": signed}, me
    )
    assert again.status_code == 409


def test_no_caller_but_an_official_reaches_the_draft(client: Any, deciding: Any, token: Any) -> None:
    citizen = token(deciding.applicant.iin)
    assert get(client, f"/applications/{deciding.id}/decision/draft", citizen).status_code == 403

"""The official's desk in-process: an upload waits for review, a rejection asks the applicant again, accepted facts
go to an official, whose EDS-signed decision is the result. moto, the gateway simulator and the app's own handlers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.errors import ApplicationNotFound, ValidationFailed
from local.gateway_sim import GatewaySimulator
from tests.integration.test_pipeline import file, reload
from tests.support.officials import OfficialCa
from tests.support.pipeline import drain

OFFICIAL_IIN = "850101300015"


def _put(key: str, body: bytes, content_type: str = "application/pdf") -> None:
    """The browser's POST to the upload slot: the slot's policy makes it send the slot's Content-Type."""
    from chalicelib.bootstrap import container

    container().client("s3").put_object(
        Bucket=container().settings.documents_bucket, Key=key, Body=body, ContentType=content_type
    )


def _upload(app_id: str, kind: str, caller: Caller, body: bytes, content_type: str = "application/pdf") -> str:
    from chalicelib.bootstrap import container
    from chalicelib.services.documents import request_upload

    slot = request_upload(app_id, kind, content_type, caller, container().documents())
    key = slot["upload"]["fields"]["key"]
    _put(key, body, content_type)
    drain()
    return str(key)


def _bank_facts(app: Any) -> dict[str, Any]:
    return {
        "accounts": [
            {
                "iban": app.bank_iban,
                "bank_code": app.bank_iban[4:7],
                "owner_iin": app.applicant.iin,
                "opened_on": "2020-01-15",
            }
        ]
    }


def _waiting_for_bank_document(sim: GatewaySimulator) -> tuple[Any, Caller, Caller]:
    app = file(sim, "tsa-bank-account-not-found")
    drain()
    app = reload(app.id)
    assert app.status is Status.AWAITING_DOCUMENTS
    return (
        app,
        Caller(app.applicant.iin, "citizen"),
        Caller(OFFICIAL_IIN, "official", org=app.handling_office, name="САПАРОВА ДИНАРА"),
    )


def test_an_upload_waits_for_an_official_and_decides_nothing(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container

    app, citizen, _ = _waiting_for_bank_document(gateway)
    # When the applicant uploads the bank certificate
    _upload(app.id, "bank_account_certificate", citizen, b"%PDF-1.7 a scan")
    # Then it is a document waiting for review, its lookup waits with it, and nothing is decided
    done = reload(app.id)
    assert done.status is Status.AWAITING_DOCUMENTS
    [document] = done.data["documents"]
    assert document["state"] == "document_received" and document["kind"] == "bank_account_certificate"
    [lookup] = [r for r in container().lookup_store.for_application(app.id) if r.registry == "bank_accounts"]
    assert lookup.status == "document_received"
    assert "document_received" in [e.type for e in done.timeline]
    assert done.decision is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>not a scan</html>", "upload.wrong_type"),
        (b"\x89PNG\r\n\x1a\n a png where a pdf was asked", "upload.wrong_type"),
        (b"", "upload.empty"),
    ],
)
def test_an_object_that_is_not_what_its_slot_says_is_quarantined(
    gateway: GatewaySimulator, body: bytes, reason: str
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.documents import object_landed

    app, citizen, _ = _waiting_for_bank_document(gateway)
    before = reload(app.id)
    key = _upload(app.id, "bank_account_certificate", citizen, body)
    # Then the object is moved out of the uploads, nothing is recorded, and a redelivery changes nothing either
    after = reload(app.id)
    assert after.data.get("documents") is None
    assert after.status is before.status and len(after.timeline) == len(before.timeline)
    s3 = container().client("s3")
    bucket = container().settings.documents_bucket
    assert s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount") == 0
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"quarantine/{key}").get("KeyCount") == 1
    assert object_landed(key, container().documents()).startswith("quarantined:")
    assert [r.status for r in container().lookup_store.for_application(app.id) if r.registry == "bank_accounts"] == [
        "not_found"
    ]
    assert reason


def test_an_object_matching_no_issued_slot_changes_nothing(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container

    app, _, _ = _waiting_for_bank_document(gateway)
    before = reload(app.id)
    # When someone writes an object under the application's upload prefix without a slot (the local S3 takes it)
    key = f"uploads/{app.id}/bank_account_certificate/{'0' * 32}"
    _put(key, b"%PDF-1.7 forged")
    drain()
    # Then nothing changes and the object is quarantined
    after = reload(app.id)
    assert after.version == before.version
    assert [r.status for r in container().lookup_store.for_application(app.id) if r.registry == "bank_accounts"] == [
        "not_found"
    ]
    s3 = container().client("s3")
    assert s3.list_objects_v2(Bucket=container().settings.documents_bucket, Prefix="quarantine/").get("KeyCount") == 1


def test_a_citizen_cannot_ask_to_upload_an_agency_reply(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.documents import request_upload

    app = file(gateway, "tsa-no-residence-registration")
    drain()
    citizen = Caller(app.applicant.iin, "citizen")
    official = Caller(OFFICIAL_IIN, "official", org=app.handling_office)
    kinds = {k for k in ("agency_reply:address",)}
    with pytest.raises(ApplicationNotFound):
        request_upload(app.id, "agency_reply:address", "application/pdf", citizen, container().documents())
    # while the office may
    slot = request_upload(app.id, "agency_reply:address", "application/pdf", official, container().documents())
    assert slot["kind"] in kinds


def test_reject_then_accept_then_the_official_signs_and_the_result_names_them(
    gateway: GatewaySimulator, official_ca: OfficialCa
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.official import draft_decision, sign_decision
    from chalicelib.services.results import verify_result
    from chalicelib.services.review import read_document, review_document

    app, citizen, official = _waiting_for_bank_document(gateway)
    _upload(app.id, "bank_account_certificate", citizen, b"%PDF-1.7 blurred")
    [first] = reload(app.id).data["documents"]
    # When the official reads it (audited) and rejects it as unreadable
    read = read_document(app.id, first["document_id"], official, container().review())
    assert read["download_url"].startswith("http")
    view = review_document(
        app.id,
        first["document_id"],
        {"accept": False, "reason": "unreadable", "comment": "page 2 is blurred"},
        official,
        container().review(),
    )
    assert view["state"] == "rejected"
    drain()
    # Then the applicant is asked again (notice and SMS) and the lookup is missing again
    asked = reload(app.id)
    assert asked.status is Status.AWAITING_DOCUMENTS
    assert any(m for m in json.dumps([e.to_dict() for e in asked.timeline]).split() if "document_reviewed" in m)
    notices = container().notification_store.notices(("person", app.applicant.iin), cursor=None, limit=50).items
    assert any(n.purpose == "document_rejected" for n in notices)
    # When the second upload is accepted with facts of the wrong shape, each bad field is named
    _upload(app.id, "bank_account_certificate", citizen, b"%PDF-1.7 sharp")
    second = next(d for d in reload(app.id).data["documents"] if d["state"] == "document_received")
    with pytest.raises(ValidationFailed) as bad:
        review_document(
            app.id,
            second["document_id"],
            {"accept": True, "facts": {"accounts": [{"iban": 5}]}},
            official,
            container().review(),
        )
    assert {e.field for e in bad.value.errors} >= {"facts.accounts[0].iban", "facts.accounts[0].owner_iin"}
    # And then with the facts the certificate states
    review_document(
        app.id, second["document_id"], {"accept": True, "facts": _bank_facts(app)}, official, container().review()
    )
    drain()
    # Then the application waits for the official's decision: the rules decide, the official signs
    waiting = reload(app.id)
    assert waiting.status is Status.DECIDING
    assert waiting.data["official_decision"]["reason"] == "facts_from_documents"
    [bank] = [r for r in container().lookup_store.for_application(app.id) if r.registry == "bank_accounts"]
    assert bank.status == "provided" and "official:" in bank.source_system and "document:" in bank.source_system
    draft = draft_decision(app.id, official, container().official())
    assert draft["decision"]["outcome"] == "approved"
    me = official_ca.official(OFFICIAL_IIN)
    signed_xml = official_ca.sign(draft["to_sign"], me)
    decided = sign_decision(
        app.id, {"draft_id": draft["draft_id"], "signed_xml": signed_xml}, official, container().official()
    )
    assert decided.status is Status.APPROVED
    # And the result verifies and names the official, not the provider's seal
    stored = container().results.get(app.id)
    assert stored is not None
    answer = verify_result(container().signer, stored, container().eds_verifier)
    assert answer["valid"] is True
    assert answer["signer"]["kind"] == "official"
    assert answer["signer"]["name"] == "САПАРОВА ДИНАРА" and answer["signer"]["position"] == "Главный специалист"
    audit = [e.action for e in container().audit.for_application(app.id)]
    assert {"document_read", "document_reviewed", "decision_signed"} <= set(audit)


def test_a_kept_document_keeps_its_type_so_the_official_sees_it_in_the_page(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.review import read_document

    app, citizen, official = _waiting_for_bank_document(gateway)
    _upload(app.id, "bank_account_certificate", citizen, b"\x89PNG\r\n\x1a\n scan", "image/png")
    [document] = reload(app.id).data["documents"]
    s3 = container().client("s3")
    bucket = container().settings.documents_bucket
    [kept] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="received/").get("Contents", [])]
    # the copy into received/ keeps the type checked by the worker (a copy with new metadata drops it otherwise,
    # and a browser then downloads an extension-less file instead of showing the scan)
    assert s3.head_object(Bucket=bucket, Key=kept)["ContentType"] == "image/png"
    read = read_document(app.id, document["document_id"], official, container().review())
    assert "response-content-disposition=inline" in read["download_url"]

"""Proactive services in-process: a signed registry event, offers by SMS, signed SMS replies, the application and
its decision, the result SMS; replays, timers and STOP. moto stands in for AWS, the gateway simulator for the
registries, and the app's own handlers do the work (drain())."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.application import Status
from chalicelib.domain.banking import Iban
from chalicelib.domain.webhook_signature import signature_header
from local.gateway_sim import GatewaySimulator
from tests.support import world
from tests.support.api import JSON, get
from tests.support.fakes import FakeClock
from tests.support.pipeline import body_for, drain
from tests.support.sms import sent_sms, webhook

gateway, clock = world.gateway, world.clock  # the fixtures, shared with the security suite

GATEWAY_SECRET = "test-gateway-secret"


class Family:
    """A seeded family of the proactive scenario: the child, both parents and their registered phones."""

    def __init__(self, sim: GatewaySimulator, scenario: str) -> None:
        family = sim.family(scenario)
        self.child = family["members"][0]["iin"]
        parents = {p["relation"]: p["iin"] for p in (sim.answer_of("civil_births", self.child) or {})["parents"]}
        self.mother, self.father = parents["mother"], parents.get("father")
        self.mother_phone = (sim.answer_of("mobile", self.mother) or {})["phone"]
        self.father_phone = (sim.answer_of("mobile", self.father) or {}).get("phone") if self.father else None
        self.iban = family["iban"]


def post_event(
    api: Any,
    at: datetime,
    subject: str,
    *,
    event_id: str = "ev-1",
    kind: str = "child_disability_established",
    secret: str = GATEWAY_SECRET,
) -> Any:
    raw = json.dumps(
        {"event_id": event_id, "type": kind, "subject_iin": subject, "occurred_at": "2026-11-23T08:00:00Z"}
    ).encode()
    headers = {**JSON, "X-Signature": signature_header(secret.encode(), int(at.timestamp()), raw)}
    return api.http.post("/webhooks/registry-events", body=raw, headers=headers)


def reply(api: Any, clock: FakeClock, phone: str, text: str, message_id: str) -> Any:
    response = webhook(
        api,
        {"message_id": message_id, "from": phone, "text": text, "received_at": clock.now().isoformat()},
        at=clock.now(),
    )
    drain()
    return response


def texts_to(phone: str) -> list[str]:
    return [text for to, text in sent_sms() if to == phone]


def applications_of(iin: str) -> list[Any]:
    from chalicelib.bootstrap import container

    return container().repo.history(iin, cursor=None, limit=10).items


def test_from_a_registry_event_to_an_assigned_benefit_by_sms(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    family = Family(gateway, "child-disability-proactive-ru")
    # Given the gateway reports that the child's disability is established
    response = post_event(api, clock.now(), family.child)
    assert response.status_code == 200 and response.json_body == {"status": "accepted"}
    drain()
    # Then both parents get the offer in Russian, with the reply words
    assert texts_to(family.mother_phone) == [texts_to(family.father_phone)[0]]
    assert "Ответьте ДА/НЕТ" in texts_to(family.mother_phone)[0]
    # When the mother consents
    reply(api, clock, family.mother_phone, " да ", "sms-1")
    # Then she is asked to confirm her account, masked, and the father is told the mother took it
    assert texts_to(family.mother_phone)[-1] == (
        f"Выплата на счет {Iban(family.iban).masked}. Верно - ответьте 1, иначе дайте IBAN"
    )
    assert family.iban not in " ".join(t for _, t in sent_sms())
    assert "оформил другой родитель" in texts_to(family.father_phone)[-1]
    # When she confirms it
    reply(api, clock, family.mother_phone, "1", "sms-2")
    # Then an application was filed on the proactive channel, decided, and she was told by SMS
    (app,) = applications_of(family.mother)
    assert app.channel == "proactive" and app.status is Status.APPROVED, app.timeline[-1]
    assert app.bank_iban == family.iban and app.filer.role == "citizen"
    assert any("одобрена" in t for t in texts_to(family.mother_phone))
    # And the whole conversation is in the application's timeline
    types = [e.type for e in app.timeline]
    assert types[:5] == [
        "proactive_offer_made",
        "proactive_sms_received",
        "proactive_consent_given",
        "proactive_sms_sent",
        "proactive_sms_received",
    ]
    assert "proactive_account_confirmed" in types and types.index("proactive_account_confirmed") < types.index(
        "created"
    )
    assert family.iban not in json.dumps([e.to_dict() for e in app.timeline])
    # And her consent is in her personal account: who, what, when, by which message
    consents = get(api, "/consents", token(family.mother)).json_body["items"]
    assert [(c["service_id"], c["message_id"], c["application_id"], c["revoked_at"]) for c in consents] == [
        ("child-disability-benefit", "sms-1", app.id, None)
    ]
    # When the father replies ДА later
    reply(api, clock, family.father_phone, "ДА", "sms-3")
    # Then he is told the other parent applied, and no second application exists
    assert "оформил другой родитель" in texts_to(family.father_phone)[-1]
    assert applications_of(family.father) == []


def test_replayed_webhooks_have_no_second_effect(api: Any, gateway: GatewaySimulator, clock: FakeClock) -> None:
    family = Family(gateway, "child-disability-proactive-kk")
    post_event(api, clock.now(), family.child)
    # The gateway sends the same event again (before and after it was handled)
    again = post_event(api, clock.now(), family.child)
    assert again.status_code == 200 and again.json_body == {"status": "duplicate"}
    drain()
    assert post_event(api, clock.now(), family.child).json_body == {"status": "duplicate"}
    drain()
    # One offer per parent, in Kazakh
    assert len(texts_to(family.mother_phone)) == 1 and "ИӘ/ЖОҚ" in texts_to(family.mother_phone)[0]
    # The same SMS reply delivered twice by the provider is answered once
    first = reply(api, clock, family.mother_phone, "иә", "sms-1")
    second = reply(api, clock, family.mother_phone, "иә", "sms-1")
    assert first.json_body == {"status": "accepted"} and second.json_body == {"status": "duplicate"}
    assert len(texts_to(family.mother_phone)) == 2


def test_a_bad_or_stale_signature_is_refused(api: Any, gateway: GatewaySimulator, clock: FakeClock) -> None:
    family = Family(gateway, "child-disability-proactive-ru")
    forged = post_event(api, clock.now(), family.child, secret="not-the-secret")
    stale = post_event(api, clock.now() - timedelta(minutes=6), family.child)
    assert (forged.status_code, stale.status_code) == (401, 401)
    assert stale.json_body["code"] == "webhook.timestamp_stale"
    unknown = post_event(api, clock.now(), family.child, kind="marriage_registered")
    assert unknown.status_code == 422
    drain()
    assert sent_sms() == []


def test_an_unanswered_offer_gets_one_reminder_then_expires(
    api: Any, gateway: GatewaySimulator, clock: FakeClock
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.proactive import run_proactive_timers

    family = Family(gateway, "child-disability-proactive-ru")
    post_event(api, clock.now(), family.child)
    drain()
    # Nothing is due the next day
    clock.advance(hours=24)
    assert run_proactive_timers(container().proactive())["reminders"] == 0
    # After two days each parent gets one reminder, with the last day to answer
    clock.advance(hours=25)
    assert run_proactive_timers(container().proactive()) == {"due": 2, "reminders": 2, "expired": 0}
    drain()
    assert "ответьте ДА/НЕТ до" in texts_to(family.mother_phone)[-1]
    assert run_proactive_timers(container().proactive())["due"] == 0
    # After the week both offers expire and the parents are told
    clock.advance(days=6)
    assert run_proactive_timers(container().proactive()) == {"due": 2, "reminders": 0, "expired": 2}
    drain()
    last = texts_to(family.mother_phone)[-1]
    assert last.startswith("Предложение «") and "закрыто" in last
    assert len(texts_to(family.mother_phone)) == 3
    # And a late consent is told the offer is closed, with no application filed
    reply(api, clock, family.mother_phone, "да", "late-1")
    last = texts_to(family.mother_phone)[-1]
    assert last.startswith("Предложение «") and "закрыто" in last
    assert applications_of(family.mother) == []
    # The notices are in the personal account too
    purposes = [
        n.purpose
        for n in container().notification_store.notices(("person", family.mother), cursor=None, limit=10).items
    ]
    assert purposes == ["proactive_expired", "proactive_reminder", "proactive_offer"]


def test_stop_after_the_application_withdraws_it_and_revokes_the_consent(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container

    family = Family(gateway, "child-disability-proactive-ru")
    gateway.set_down("disability")  # the application stays open while the registry is out
    post_event(api, clock.now(), family.child)
    drain()
    reply(api, clock, family.mother_phone, "да", "sms-1")
    webhook(
        api,
        {"message_id": "sms-2", "from": family.mother_phone, "text": "1", "received_at": clock.now().isoformat()},
        at=clock.now(),
    )
    from tests.support.sms import run_queue

    run_queue("proactive")
    (app,) = applications_of(family.mother)
    # When she sends STOP
    reply(api, clock, family.mother_phone, "СТОП", "sms-3")
    # Then the application is withdrawn, the revocation is in its timeline and in her consents
    app = container().repo.get(app.id)
    assert app.status is Status.WITHDRAWN
    assert "proactive_consent_revoked" in [e.type for e in app.timeline]
    (consent,) = get(api, "/consents", token(family.mother)).json_body["items"]
    assert consent["revoked_message_id"] == "sms-3" and consent["revoked_at"]
    assert "согласие отозвано" in " ".join(texts_to(family.mother_phone))
    gateway.set_down("disability", False)


def test_a_first_group_disability_offers_the_carers_allowance_to_one_family_member(
    api: Any, gateway: GatewaySimulator, clock: FakeClock
) -> None:
    family = gateway.family("caregiver-eligible")
    cared, carer_phone = family["members"][0]["iin"], family["phone"]
    post_event(api, clock.now(), cared, kind="disability_group1_established")
    drain()
    assert ["пособие по уходу" in t for t in texts_to(carer_phone)] == [True]
    reply(api, clock, carer_phone, "да", "c-1")
    reply(api, clock, carer_phone, "1", "c-2")
    (app,) = applications_of(family["applicant"])
    assert app.service_id == "caregiver-allowance" and app.channel == "proactive"
    # the seeded family meets every condition (first group, care needed, carer capable, nothing assigned yet)
    assert app.status is Status.APPROVED, app.timeline[-1]
    assert app.decision["amount_monthly"] > 0


def test_no_offer_when_the_benefit_is_already_assigned(api: Any, gateway: GatewaySimulator, clock: FakeClock) -> None:
    family = Family(gateway, "child-disability-already-assigned")
    post_event(api, clock.now(), family.child)
    drain()
    assert sent_sms() == []


def test_a_parent_who_consents_but_never_confirms_lets_the_other_take_it(
    api: Any, gateway: GatewaySimulator, clock: FakeClock
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.domain.proactive import OfferState
    from chalicelib.services.proactive import run_proactive_timers

    family = Family(gateway, "child-disability-proactive-ru")
    post_event(api, clock.now(), family.child)
    drain()
    # Given the mother consented first, so the father was told the offer is closed
    reply(api, clock, family.mother_phone, "да", "m-1")
    assert "оформил другой родитель" in texts_to(family.father_phone)[-1]
    # When she never confirms an account and the account question expires
    clock.advance(hours=73)
    run_proactive_timers(container().proactive())
    drain()
    # Then the father is offered the benefit again, by SMS
    last = texts_to(family.father_phone)[-1]
    assert last.startswith("Оформить «") and "ДА/НЕТ до" in last
    # And his consent takes it now
    reply(api, clock, family.father_phone, "да", "f-1")
    store = container().proactive_store
    (fathers,) = store.offers_on_phone(family.father_phone)
    assert fathers.state is OfferState.AWAITING_ACCOUNT
    assert store.claim_group(fathers.group_id, "someone-else") == fathers.id
    assert "proactive_offer_renewed" in [e.type for e in fathers.events]
    assert applications_of(family.mother) == []


# --- the Digital Documents question --------------------------------------------------------------------------


def file_on_portal(api: Any, gateway: GatewaySimulator, token: Any, scenario: str) -> tuple[str, str]:
    """A seeded family's application filed on the portal by its applicant, the queues drained: (id, phone)."""
    family = gateway.family(scenario)
    response = api.http.post(
        "/applications",
        body=json.dumps(body_for(family)),
        headers={**JSON, "Authorization": f"Bearer {token(family['applicant'])}"},
    )
    assert response.status_code == 201, response.json_body
    drain()
    return response.json_body["id"], family["phone"]


def wallet_reads(gateway: GatewaySimulator) -> int:
    return sum(1 for r in gateway.requests if r.get("registry") == "digital_documents")


def test_a_consent_by_sms_fetches_the_birth_certificate_from_digital_documents(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container

    # Given a child born abroad (no births record) whose certificate is in the mother's wallet
    app_id, phone = file_on_portal(api, gateway, token, "child-disability-birth-certificate-in-wallet")
    # Then she is asked by SMS, and nothing is read from her wallet before she answers
    app = container().repo.get(app_id)
    assert app.status is Status.CHECKING and app.data["digital_documents"] == {
        "state": "asking",
        "documents": ["birth_certificate"],
    }
    assert "Цифровых документов" in texts_to(phone)[-1] and "ДА/НЕТ" in texts_to(phone)[-1]
    assert wallet_reads(gateway) == 0
    # When she consents
    reply(api, clock, phone, "Да", "dd-1")
    # Then the certificate is fetched once, completes the births lookup and the benefit is decided
    assert wallet_reads(gateway) == 1
    app = container().repo.get(app_id)
    assert app.status is Status.APPROVED, [e.type for e in app.timeline]
    (births,) = [r for r in container().lookup_store.for_application(app_id) if r.registry == "civil_births"]
    assert (births.status, births.provided_document) == ("provided", "digital_documents:birth_certificate:ZG-0042817")
    # And the conversation and the fetch are in the timeline, she was thanked, and her consent is recorded
    types = [e.type for e in app.timeline]
    for expected in (
        "digital_documents_consent_requested",
        "digital_documents_sms_received",
        "digital_documents_consent_given",
        "digital_documents_fetched",
    ):
        assert expected in types
    assert "documents_needed" not in json.dumps([e.to_dict() for e in app.timeline])
    assert any("не загружайте" in t for t in texts_to(phone))
    (consent,) = get(api, "/consents", token(app.applicant.iin)).json_body["items"]
    assert (consent["message_id"], consent["application_id"]) == ("dd-1", app_id)
    # And the wallet read is in the application's audit trail
    reads = [e for e in container().audit.for_application(app_id) if e.registry == "digital_documents"]
    assert [(e.action, e.actor_role) for e in reads] == [("registry_read", "system")]


def test_a_refusal_asks_for_the_upload_and_reads_nothing(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container

    app_id, phone = file_on_portal(api, gateway, token, "child-disability-birth-certificate-in-wallet")
    # An unclear answer gets the help text; then she refuses
    reply(api, clock, phone, "что это?", "dd-1")
    assert texts_to(phone)[-1].startswith(f"№{app_id}: ДА")
    reply(api, clock, phone, "нет", "dd-2")
    app = container().repo.get(app_id)
    assert app.status is Status.AWAITING_DOCUMENTS
    assert app.data["digital_documents"]["state"] == "declined"
    assert wallet_reads(gateway) == 0
    # told once by SMS to upload (the reply); the documents_needed notice is not repeated by SMS on the portal
    assert sum("загрузите" in t for t in texts_to(phone)) == 1
    # A replayed answer changes nothing and sends nothing more
    before = len(texts_to(phone))
    reply(api, clock, phone, "нет", "dd-2")
    assert len(texts_to(phone)) == before


def test_silence_falls_back_to_the_upload_after_the_period(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container
    from chalicelib.services.proactive import run_proactive_timers

    app_id, phone = file_on_portal(api, gateway, token, "child-disability-birth-certificate-in-wallet")
    # Nothing happens before the period ends (no reminder for this question)
    clock.advance(hours=23)
    assert run_proactive_timers(container().proactive())["due"] == 0
    clock.advance(hours=2)
    assert run_proactive_timers(container().proactive()) == {"due": 1, "reminders": 0, "expired": 1}
    drain()
    app = container().repo.get(app_id)
    assert app.status is Status.AWAITING_DOCUMENTS and app.data["digital_documents"]["state"] == "expired"
    assert "digital_documents_expired" in [e.type for e in app.timeline]
    assert wallet_reads(gateway) == 0
    # A late yes is told the documents are not taken from the wallet, and still nothing is read
    reply(api, clock, phone, "да", "dd-late")
    assert "не берем" in texts_to(phone)[-1]
    assert wallet_reads(gateway) == 0


def test_a_document_the_wallet_lacks_is_still_asked_for(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container

    app_id, phone = file_on_portal(api, gateway, token, "child-disability-born-abroad")
    reply(api, clock, phone, "да", "dd-1")
    app = container().repo.get(app_id)
    assert wallet_reads(gateway) == 1
    assert app.status is Status.AWAITING_DOCUMENTS
    (fetched,) = [e for e in app.timeline if e.type == "digital_documents_fetched"]
    assert fetched.detail == {"documents": [], "not_in_wallet": ["birth_certificate"]}


def test_stop_while_asked_falls_back_and_stop_after_consent_revokes_it(
    api: Any, gateway: GatewaySimulator, clock: FakeClock, token: Any
) -> None:
    from chalicelib.bootstrap import container

    app_id, phone = file_on_portal(api, gateway, token, "child-disability-birth-certificate-in-wallet")
    reply(api, clock, phone, "СТОП", "dd-1")
    app = container().repo.get(app_id)
    assert app.status is Status.AWAITING_DOCUMENTS and app.data["digital_documents"]["state"] == "revoked"
    assert wallet_reads(gateway) == 0

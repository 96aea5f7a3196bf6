"""The Digital Documents question as a pure state machine (an Offer of kind digital_documents) and the wallet's
documents: nothing is fetched before the applicant's answer, and every other ending falls back to the upload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.digital_documents import DigitalDocumentsPolicy, document_for, wallet_documents
from chalicelib.domain.proactive import (
    Answer,
    DialoguePolicy,
    Offer,
    OfferState,
    classify,
    needs_accounts,
    new_documents_request,
    next_timer,
    on_timer,
    respond,
)
from tests.support.people import CHILD, MOTHER

POLICY = DialoguePolicy.from_data()
WALLET = DigitalDocumentsPolicy.from_data()
NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def question() -> Offer:
    return new_documents_request(
        offer_id="DD-A1",
        application_id="A1",
        service_id="child-disability-benefit",
        person_iin=MOTHER,
        phone="+77005550001",
        language="ru",
        region="KZ-SEV",
        documents=["birth_certificate"],
        now=NOW,
        valid=WALLET.consent_valid,
    )


def say(o: Offer, text: str, message_id: str, after: timedelta = timedelta(minutes=5)) -> Answer | None:
    reply = classify(text, POLICY)
    assert not needs_accounts(o, reply, NOW + after)  # a documents question never reads bank accounts
    return respond(o, reply, message_id, NOW + after, POLICY)


def test_the_question_is_sent_once_and_waits_the_period_without_a_reminder() -> None:
    o = question()
    assert o.pending == ["sms:digital_documents_consent"]
    assert o.expires_at == NOW + timedelta(hours=24)
    assert next_timer(o, POLICY) == o.offered_at  # the SMS still to send: the next sweep sends it if a crash did not
    o.pending.clear()
    assert next_timer(o, POLICY) == o.expires_at
    assert on_timer(o, NOW + timedelta(hours=23), POLICY) is False
    assert o.pending == []


def test_consent_closes_it_and_leaves_the_fetch_to_do() -> None:
    o = question()
    o.pending.clear()
    answer = say(o, " да! ", "m1")
    assert answer == Answer("digital_documents_consented")
    assert o.state is OfferState.CONSENTED and o.consent_message_id == "m1"
    assert o.pending == ["consent", "fetch_documents"]
    assert [e.type for e in o.events][-3:] == [
        "digital_documents_sms_received",
        "digital_documents_consent_given",
        "digital_documents_sms_sent",
    ]
    # The same message again answers the same and does nothing more
    assert say(o, "да", "m1") == answer and o.pending == ["consent", "fetch_documents"]
    # A later yes gets nothing (already fetched)
    assert say(o, "да", "m2") is None


def test_refusal_falls_back_to_the_upload() -> None:
    o = question()
    o.pending.clear()
    assert say(o, "нет", "m1") == Answer("digital_documents_not_used")
    assert o.state is OfferState.DECLINED and o.pending == ["documents_fallback"]


def test_unclear_answers_get_help_three_times_then_silence() -> None:
    o = question()
    answers = [say(o, "что это", f"m{i}") for i in range(5)]
    assert [a.purpose if a else None for a in answers] == ["digital_documents_help"] * 3 + [None, None]
    assert o.state is OfferState.OFFERED


def test_silence_expires_it_without_an_sms_and_falls_back() -> None:
    o = question()
    o.pending.clear()
    assert on_timer(o, NOW + timedelta(hours=24), POLICY) is True
    assert o.state is OfferState.EXPIRED and o.pending == ["documents_fallback"]
    o.pending.clear()
    # A late yes is told the documents are not taken from the wallet, and fetches nothing
    assert say(o, "да", "late", after=timedelta(hours=30)) == Answer("digital_documents_not_used")
    assert o.pending == []


def test_a_yes_after_the_period_but_before_the_timer_ran_is_too_late() -> None:
    o = question()
    o.pending.clear()
    assert say(o, "да", "m1", after=timedelta(hours=25)) == Answer("digital_documents_not_used")
    assert o.state is OfferState.EXPIRED and o.pending == ["documents_fallback"]


def test_stop_while_asked_falls_back_and_stop_after_consent_revokes_the_consent() -> None:
    asked = question()
    asked.pending.clear()
    say(asked, "STOP", "m1")
    assert asked.state is OfferState.REVOKED
    assert set(asked.pending) == {"documents_fallback", "notice:consent_revoked"}
    consented = question()
    consented.pending.clear()
    say(consented, "да", "m1")
    consented.pending.clear()
    say(consented, "стоп", "m2")
    assert consented.state is OfferState.REVOKED
    assert set(consented.pending) == {"revoke_consent", "notice:consent_revoked"}


def test_it_survives_the_store_round_trip() -> None:
    o = question()
    again = Offer.from_dict(o.to_dict())
    assert (again.kind, again.documents, again.application_id) == ("digital_documents", ["birth_certificate"], "A1")


def test_the_wallet_holds_identity_birth_and_residence_documents_only() -> None:
    assert WALLET.fetchable(
        ["bank_account_certificate", "birth_certificate", None, "identity_document", "birth_certificate"]
    ) == ["birth_certificate", "identity_document"]
    assert WALLET.fetchable(["power_of_attorney", "medical_record_form_035"]) == []


def test_the_document_about_the_person_asked_for_is_the_one_taken() -> None:
    answer = {
        "documents": [
            {"kind": "birth_certificate", "number": "N1", "person_iin": MOTHER, "data": {"parents": []}},
            {
                "kind": "birth_certificate",
                "number": "N2",
                "person_iin": CHILD,
                "data": {"parents": [{"iin": MOTHER, "relation": "mother"}]},
            },
            {"kind": "identity_document", "number": "N3", "person_iin": CHILD},  # no data: not usable
        ]
    }
    documents = wallet_documents(answer)
    found = document_for(documents, "birth_certificate", CHILD)
    assert found is not None and found.reference == "digital_documents:birth_certificate:N2"
    assert found.data == {"parents": [{"iin": MOTHER, "relation": "mother"}]}
    assert document_for(documents, "identity_document", CHILD) is None
    assert wallet_documents(None) == []

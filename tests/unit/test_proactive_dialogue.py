"""The proactive SMS dialogue as a pure state machine (domain/proactive.py): no AWS, no mocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.application import Applicant, Application, Filer, Status, Subject
from chalicelib.domain.banking import Iban, make_iban
from chalicelib.domain.proactive import (
    Answer,
    BankAccount,
    Claimant,
    DialoguePolicy,
    Offer,
    OfferState,
    ReplyKind,
    claimants,
    classify,
    close_taken,
    conversation,
    has_applied,
    needs_accounts,
    new_offer,
    next_timer,
    on_timer,
    receives,
    reopen_taken,
    respond,
)
from tests.support.people import CHILD, FATHER, HALYK_IBAN, KASPI_IBAN, MOTHER, STRANGER, iin

POLICY = DialoguePolicy.from_data()
NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 10:00 in Almaty
CHILD_RULE = POLICY.rule("child_disability_established")
CARER_RULE = POLICY.rule("disability_group1_established")
MINE = BankAccount(HALYK_IBAN, MOTHER, "2021-06-15")
OLDER_MINE = BankAccount(KASPI_IBAN, MOTHER, "2015-01-10")
HUSBANDS = BankAccount(make_iban("601", "0000000000999").value, FATHER, "2020-01-01")


def offer(person: str = MOTHER, *, n: int = 1, language: str | None = "ru") -> Offer:
    return new_offer(
        offer_id=f"PE0001-{n}",
        group_id="PE0001",
        rule=CHILD_RULE,
        claimant=Claimant(person, "mother"),
        subject_iin=CHILD,
        phone="+77005550001",
        language=language,
        region="KZ-SEV",
        now=NOW,
        policy=POLICY,
    )


def say(
    o: Offer,
    text: str,
    message_id: str,
    *,
    after: timedelta = timedelta(minutes=5),
    accounts: tuple[BankAccount, ...] = (MINE, HUSBANDS),
    taken: bool = False,
) -> Answer | None:
    reply = classify(text, POLICY)
    given = accounts if needs_accounts(o, reply, NOW + after) else ()
    return respond(o, reply, message_id, NOW + after, POLICY, accounts=given, claimed_by_other=taken)


def purpose(answer: Answer | None) -> str | None:
    return answer.purpose if answer else None


# --- reading replies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ДА", " да ", "Да!", "д а", "ИӘ", "иә", "Иә.", "yes", "YES", "1", "ия", "da"])
def test_consent_words_are_read_whatever_the_case_spacing_or_punctuation(text: str) -> None:
    assert classify(text, POLICY).kind is ReplyKind.CONSENT


@pytest.mark.parametrize("text", ["НЕТ", "нет", "ЖОҚ", "жоқ", "жок", "No", "0", " net "])
def test_refusal_words_are_read_too(text: str) -> None:
    assert classify(text, POLICY).kind is ReplyKind.REFUSAL


@pytest.mark.parametrize("text", ["STOP", "stop", "СТОП", "Стоп!"])
def test_stop_is_read_in_both_alphabets(text: str) -> None:
    assert classify(text, POLICY).kind is ReplyKind.STOP


def test_a_word_tells_the_language_and_a_digit_does_not() -> None:
    assert classify("иә", POLICY).language == "kk"
    assert classify("да", POLICY).language == "ru"
    assert classify("1", POLICY).language is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("KZ49 6010 0000 0000 0123", ReplyKind.ACCOUNT),
        ("kz123", ReplyKind.ACCOUNT),
        ("12345", ReplyKind.OTHER),
        ("да, согласна", ReplyKind.OTHER),
        ("Что это?", ReplyKind.OTHER),
        ("", ReplyKind.OTHER),
    ],
)
def test_anything_else_is_an_account_number_or_unclear(text: str, kind: ReplyKind) -> None:
    assert classify(text, POLICY).kind is kind


# --- the offer -------------------------------------------------------------------------------------------


def test_a_new_offer_waits_with_its_sms_to_send_and_its_reminder_scheduled() -> None:
    o = offer()
    assert o.state is OfferState.OFFERED and o.pending == ["sms:proactive_offer"]
    assert o.expires_at == NOW + timedelta(days=7)
    assert [e.type for e in o.events] == ["proactive_offer_made"]
    o.pending.clear()
    assert next_timer(o, POLICY) == NOW + timedelta(hours=48)


def test_unclear_replies_get_the_help_text_three_times_then_silence() -> None:
    # Given an offer
    o = offer()
    # When the citizen sends five unclear messages
    answers = [say(o, "что это?", f"m{i}") for i in range(5)]
    # Then the first three get the help text and the last two nothing; the offer still waits
    assert [purpose(a) for a in answers] == ["proactive_help"] * 3 + [None, None]
    assert o.state is OfferState.OFFERED
    # And a reply word still works after that
    assert purpose(say(o, "нет", "m5")) == "proactive_declined"


def test_a_refusal_closes_the_offer_and_a_late_consent_is_told_so() -> None:
    o = offer()
    assert purpose(say(o, "НЕТ", "m1")) == "proactive_declined"
    assert o.state is OfferState.DECLINED and "notice:proactive_declined" in o.pending
    assert next_timer(o, POLICY) == o.offered_at  # an effect is left: the sweep finishes it
    o.pending.clear()
    assert next_timer(o, POLICY) is None
    assert purpose(say(o, "да", "m2")) == "proactive_declined"
    assert o.state is OfferState.DECLINED and o.consent_at is None


def test_consent_proposes_the_newest_account_in_their_name_masked_and_1_confirms_it() -> None:
    # Given an offer and a mother with two accounts of her own and her husband's
    o = offer()
    # When she consents
    answer = say(o, "Да", "m1", accounts=(OLDER_MINE, MINE, HUSBANDS))
    # Then the newest account of hers is proposed, masked, and her consent is recorded with its message id
    assert answer == Answer("proactive_ask_account", {"masked_iban": Iban(HALYK_IBAN).masked})
    assert answer.values["masked_iban"].startswith("KZ** **** ")
    assert o.state is OfferState.AWAITING_ACCOUNT and o.consent_message_id == "m1" and o.consent_at is not None
    assert o.pending[-2:] == ["consent", "close_others"]
    # When she confirms with 1
    assert say(o, "1", "m2") is None  # the application's own "registered" SMS answers
    # Then the application is to be filed to that account
    assert o.state is OfferState.APPLIED and o.iban == HALYK_IBAN and "apply" in o.pending
    assert [e.type for e in o.events][-1] == "proactive_account_confirmed"
    # And the timeline reads the two replies as what they were: a consent, then the account confirmed
    assert [e.detail["reply"] for e in o.events if e.type == "proactive_sms_received"] == ["consent", "confirm_account"]


def test_a_wrong_iban_and_someone_elses_iban_each_get_their_reply_and_an_own_iban_is_taken() -> None:
    # Given a consent
    o = offer()
    say(o, "да", "m1")
    # When she sends an IBAN with a bad check digit
    wrong = HALYK_IBAN[:2] + ("00" if HALYK_IBAN[2:4] != "00" else "01") + HALYK_IBAN[4:]
    assert purpose(say(o, wrong, "m2")) == "proactive_iban_invalid"
    # And her husband's IBAN
    answer = say(o, HUSBANDS.iban, "m3")
    assert answer == Answer("proactive_iban_not_owner", {"masked_iban": Iban(HUSBANDS.iban).masked})
    assert o.state is OfferState.AWAITING_ACCOUNT
    # When she sends her own older account, spaced as the bank app shows it
    spaced = " ".join(OLDER_MINE.iban[i : i + 4] for i in range(0, 20, 4))
    assert say(o, spaced, "m4", accounts=(OLDER_MINE, MINE)) is None
    # Then that is the account paid to
    assert o.state is OfferState.APPLIED and o.iban == OLDER_MINE.iban


def test_account_errors_are_answered_three_times_then_silence() -> None:
    o = offer()
    say(o, "да", "m1")
    answers = [say(o, "KZ0000", f"m{i}") for i in range(2, 7)]
    assert [purpose(a) for a in answers] == ["proactive_iban_invalid"] * 3 + [None, None]


def test_with_no_account_on_file_the_citizen_is_asked_for_an_iban() -> None:
    o = offer()
    assert purpose(say(o, "иә", "m1", accounts=())) == "proactive_ask_iban"
    assert purpose(say(o, "1", "m2", accounts=())) == "proactive_ask_iban"  # nothing to confirm
    assert o.language == "ru"  # known from the mobile-citizens database: a Kazakh word does not change it


def test_an_unknown_language_is_both_until_a_word_tells_it() -> None:
    o = offer(language=None)
    assert o.languages == ("kk", "ru")
    say(o, "1", "m1")
    assert o.languages == ("kk", "ru")
    o2 = offer(language=None)
    say(o2, "ИӘ", "m1")
    assert o2.language == "kk"


def test_the_same_message_twice_is_answered_once() -> None:
    o = offer()
    first = say(o, "да", "m1")
    events = len(o.events)
    again = say(o, "да", "m1")
    assert again == first and len(o.events) == events and o.state is OfferState.AWAITING_ACCOUNT


# --- timers ------------------------------------------------------------------------------------------------


def test_one_reminder_then_expiry() -> None:
    o = offer()
    o.pending.clear()
    # Nothing is due before 48 hours
    assert not on_timer(o, NOW + timedelta(hours=47), POLICY)
    # Then one reminder
    assert on_timer(o, NOW + timedelta(hours=49), POLICY)
    assert o.pending == ["sms:proactive_reminder:1"] and o.reminders_sent == 1
    o.pending.clear()
    assert next_timer(o, POLICY) == o.expires_at
    assert not on_timer(o, NOW + timedelta(hours=100), POLICY)  # never a second reminder
    # Then the offer expires and the citizen is told
    assert on_timer(o, NOW + timedelta(days=7), POLICY)
    assert o.state is OfferState.EXPIRED and o.pending == ["sms:proactive_expired"]
    o.pending.clear()
    assert next_timer(o, POLICY) is None
    # And a late consent learns the offer is closed
    assert purpose(say(o, "да", "late", after=timedelta(days=8))) == "proactive_expired"


def test_a_reply_after_the_period_expires_the_offer_even_before_the_sweep() -> None:
    o = offer()
    assert purpose(say(o, "да", "m1", after=timedelta(days=7, minutes=1))) == "proactive_expired"
    assert o.state is OfferState.EXPIRED and o.consent_at is None


def test_an_unconfirmed_account_expires_too() -> None:
    o = offer()
    say(o, "да", "m1")
    o.pending.clear()
    assert next_timer(o, POLICY) == NOW + timedelta(minutes=5, hours=72)
    assert on_timer(o, NOW + timedelta(hours=73), POLICY)
    assert o.state is OfferState.EXPIRED


# --- two parents ----------------------------------------------------------------------------------------


def test_with_two_parents_the_first_to_consent_takes_it_and_the_other_is_told() -> None:
    mother, father = offer(MOTHER, n=1), offer(FATHER, n=2)
    # The mother consents first
    say(mother, "да", "m1")
    # The father's waiting offer is closed (close_others) and he is told by SMS
    assert close_taken(father, NOW + timedelta(minutes=6))
    assert father.state is OfferState.TAKEN_BY_OTHER and "sms:proactive_taken_by_other_parent" in father.pending
    # His later consent is answered accordingly
    assert purpose(say(father, "да", "f1")) == "proactive_taken_by_other_parent"
    # And the mother's offer is not closed by anyone else's consent
    assert not close_taken(mother, NOW)


def test_a_consent_that_loses_the_race_is_told_the_other_parent_took_it() -> None:
    father = offer(FATHER, n=2)
    assert purpose(say(father, "ИӘ", "f1", taken=True)) == "proactive_taken_by_other_parent"
    assert father.state is OfferState.TAKEN_BY_OTHER and father.consent_at is None


# --- STOP ----------------------------------------------------------------------------------------------


def test_stop_before_consent_closes_the_offer() -> None:
    o = offer()
    assert purpose(say(o, "STOP", "m1")) == "consent_revoked"
    assert o.state is OfferState.REVOKED and "revoke_consent" not in o.pending


def test_stop_after_consent_revokes_it() -> None:
    o = offer()
    say(o, "да", "m1")
    assert purpose(say(o, "стоп", "m2")) == "consent_revoked"
    assert o.state is OfferState.REVOKED and o.revoked_message_id == "m2"
    assert "revoke_consent" in o.pending and "withdraw" not in o.pending


def test_stop_after_the_application_withdraws_it() -> None:
    o = offer()
    say(o, "да", "m1")
    say(o, "1", "m2")
    assert purpose(say(o, "Stop", "m3")) == "consent_revoked"
    assert {"revoke_consent", "withdraw", "notice:consent_revoked"} <= set(o.pending)
    assert say(o, "stop", "m4") is None  # nothing left to revoke


def test_stop_on_a_declined_offer_has_nothing_to_revoke() -> None:
    o = offer()
    say(o, "нет", "m1")
    assert say(o, "STOP", "m2") is None


# --- which offer a phone's SMS answers ----------------------------------------------------------------------


def test_the_newest_open_offer_answers_else_a_recently_closed_one() -> None:
    older, newer = offer(n=1), offer(n=2)
    newer.offered_at += timedelta(hours=1)
    assert conversation([older, newer], NOW, POLICY) is newer
    say(newer, "нет", "m1")
    assert conversation([older, newer], NOW, POLICY) is older
    say(older, "нет", "m2")
    assert conversation([older, newer], NOW + timedelta(days=1), POLICY) is not None
    assert conversation([older, newer], NOW + timedelta(days=31), POLICY) is None


# --- who may claim ------------------------------------------------------------------------------------------

ON = date(2026, 11, 24)


def test_a_child_is_claimed_by_both_parents_and_a_guardian() -> None:
    guardian = iin(date(1960, 1, 1), "female", 60)
    found = claimants(
        CHILD_RULE,
        CHILD,
        {
            "civil_births": {
                "children": [],
                "parents": [{"iin": MOTHER, "relation": "mother"}, {"iin": FATHER, "relation": "father"}],
            },
            "adoption": None,
            "guardianship": {"wards": [], "guardians": [guardian]},
        },
        ON,
    )
    assert [(c.iin, c.kinship) for c in found] == [(MOTHER, "mother"), (FATHER, "father"), (guardian, "guardian")]


def test_adoptive_parents_replace_the_birth_parents() -> None:
    adopter = iin(date(1980, 1, 1), "female", 50)
    found = claimants(
        CHILD_RULE,
        CHILD,
        {
            "civil_births": {"children": [], "parents": [{"iin": MOTHER, "relation": "mother"}]},
            "adoption": {"adopted_children": [], "adoptive_parents": [adopter]},
            "guardianship": None,
        },
        ON,
    )
    assert [(c.iin, c.kinship) for c in found] == [(adopter, "adoptive_parent")]


def test_a_carer_is_sought_by_legal_duty_adults_only_eldest_child_first() -> None:
    cared = iin(date(1950, 1, 15), "female", 2000)
    young, elder, minor = (
        iin(date(1985, 1, 1), "male", 10),
        iin(date(1978, 1, 1), "female", 11),
        iin(date(2012, 1, 1), "male", 12),
    )
    found = claimants(
        CARER_RULE,
        cared,
        {
            "guardianship": None,
            "civil_marriages": {
                "married": True,
                "spouse_iin": STRANGER,
                "registered_on": "1970-01-01",
                "registered_abroad": False,
            },
            "civil_births": {
                "parents": [],
                "children": [
                    {"iin": young, "birth_date": "1985-01-01"},
                    {"iin": minor, "birth_date": "2012-01-01"},
                    {"iin": elder, "birth_date": "1978-01-01"},
                ],
            },
        },
        ON,
    )
    assert [(c.iin, c.kinship) for c in found] == [(STRANGER, "spouse"), (elder, "adult_child"), (young, "adult_child")]
    assert CARER_RULE.one_offer_only and not CHILD_RULE.one_offer_only


def test_a_benefit_already_running_for_this_child_is_seen_and_an_ended_one_is_not() -> None:
    payments = {
        "assignments": [
            {"service_id": "child-disability-benefit", "subject_iin": CHILD, "from": "2024-03-01", "to": None}
        ]
    }
    assert receives(payments, "child-disability-benefit", CHILD, ON)
    ended = {"assignments": [{**payments["assignments"][0], "to": "2025-12-31"}]}
    assert not receives(ended, "child-disability-benefit", CHILD, ON)
    assert not receives(payments, "caregiver-allowance", CHILD, ON)
    assert not receives(None, "child-disability-benefit", CHILD, ON)


@pytest.mark.parametrize(
    ("status", "applied"),
    [(Status.CHECKING, True), (Status.APPROVED, True), (Status.REFUSED, False), (Status.WITHDRAWN, False)],
)
def test_an_application_in_the_history_counts_unless_refused_or_withdrawn(status: Status, applied: bool) -> None:
    app = Application(
        id="A1",
        service_id="child-disability-benefit",
        channel="portal",
        status=status,
        applicant=Applicant(MOTHER, None, "KZ-AKT"),
        subjects=(Subject(CHILD, "child"),),
        representative=None,
        bank_iban=None,
        accepted_by=None,
        language="ru",
        filer=Filer(MOTHER, "citizen"),
        handling_office="x",
        created_at=NOW,
    )
    assert has_applied([app], "child-disability-benefit", CHILD) is applied
    assert not has_applied([app], "caregiver-allowance", CHILD)


def test_an_offer_survives_its_stored_form() -> None:
    o = offer()
    say(o, "да", "m1")
    again = Offer.from_dict(o.to_dict(), version=3)
    assert again.to_dict() == o.to_dict() and again.version == 3


def test_a_consent_never_confirmed_lets_the_other_parent_be_offered_it_again() -> None:
    # Given the mother consented first and the father's offer was closed for it
    mother, father = offer(MOTHER, n=1), offer(FATHER, n=2)
    say(mother, "да", "m1")
    assert close_taken(father, NOW + timedelta(minutes=5))
    mother.pending.clear()
    father.pending.clear()
    # When the mother never confirms an account
    expired_at = NOW + timedelta(minutes=5) + POLICY.account_valid
    assert on_timer(mother, expired_at, POLICY)
    # Then her offer expires and gives the benefit up
    assert mother.state is OfferState.EXPIRED and "release_group" in mother.pending
    # And the father's offer is made again, with a fresh period and its own SMS, once
    assert reopen_taken(father, expired_at, POLICY)
    assert father.state is OfferState.OFFERED and father.expires_at == expired_at + POLICY.offer_valid
    assert father.pending == ["sms:proactive_offer_renewed:1"]
    assert not reopen_taken(father, expired_at, POLICY)
    # A STOP during the account question gives it up too; a declined offer is never reopened
    other = offer(MOTHER, n=3)
    say(other, "да", "m1")
    other.pending.clear()
    say(other, "стоп", "m2")
    assert "release_group" in other.pending
    declined = offer(FATHER, n=4)
    say(declined, "нет", "f1")
    assert not reopen_taken(declined, expired_at, POLICY)

"""Notification templates: every purpose in every language, placeholders consistent, every SMS in one segment
(two only where sms.json says why), English SMS in GSM-7."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.data import load_json
from chalicelib.domain import sms
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.notifications import (
    LANGUAGES,
    NOTICE_TEMPLATES,
    PURPOSES,
    REPEATABLE_PURPOSES,
    SMS_TEMPLATES,
    MissingTemplateValues,
    format_amount,
    notification_key,
    placeholders,
    render_notice,
    render_sms,
    resolve_language,
)

MAX_SMS_SEGMENTS = 2
ONE_SEGMENT = 1
DERIVED_FROM_SERVICE_ID = {"service", "service_name"}


def _sms_data() -> dict[str, Any]:
    data: dict[str, Any] = load_json(SMS_TEMPLATES)
    return data


def _service_ids() -> list[str]:
    return [service["id"] for service in load_json("services.json")["services"]]


def _texts(file: str, purpose: str, language: str) -> list[str]:
    template = load_json(file)["templates"][purpose][language]
    return [template] if isinstance(template, str) else [template["title"], template["body"]]


def _longest_values(file: str, language: str) -> dict[str, str]:
    values = {}
    for name, doc in load_json(file)["_placeholders"].items():
        longest = doc["longest"]
        values[name] = longest[language] if isinstance(longest, dict) else longest
    return values


@pytest.mark.parametrize("file", [SMS_TEMPLATES, NOTICE_TEMPLATES])
def test_every_purpose_exists_in_kk_ru_and_en(file: str) -> None:
    # Given a template file
    templates = load_json(file)["templates"]
    # Then it has exactly the known purposes, each in every language
    assert sorted(templates) == sorted(PURPOSES)
    for purpose in PURPOSES:
        assert sorted(templates[purpose]) == sorted(LANGUAGES), purpose


@pytest.mark.parametrize("file", [SMS_TEMPLATES, NOTICE_TEMPLATES])
@pytest.mark.parametrize("purpose", PURPOSES)
def test_placeholders_are_the_same_in_every_language_and_documented(file: str, purpose: str) -> None:
    # Given the templates of one purpose
    documented = set(load_json(file)["_placeholders"])
    per_language = {
        lang: frozenset().union(*(placeholders(text) for text in _texts(file, purpose, lang))) for lang in LANGUAGES
    }
    # Then every language asks for the same values, each documented with a longest value
    assert per_language["kk"] == per_language["ru"] == per_language["en"], per_language
    assert per_language["ru"] <= documented


@pytest.mark.parametrize("file", [SMS_TEMPLATES, NOTICE_TEMPLATES])
def test_every_documented_placeholder_has_a_longest_value_per_language(file: str) -> None:
    for name, doc in load_json(file)["_placeholders"].items():
        assert doc["about"], name
        longest = doc["longest"]
        if isinstance(longest, dict):
            assert sorted(longest) == sorted(LANGUAGES), name


@pytest.mark.parametrize("file", [SMS_TEMPLATES, NOTICE_TEMPLATES])
def test_the_documented_longest_service_names_are_the_longest_there_are(file: str) -> None:
    # Given the short names of every service in the catalog (and the catalog's full names)
    short_names = _sms_data()["short_names"]
    assert sorted(short_names) == sorted(_service_ids())
    documented = load_json(file)["_placeholders"]
    for lang in LANGUAGES:
        # Then the documented longest value is the real maximum, so the segment check below covers them all
        assert documented["service"]["longest"][lang] == max((n[lang] for n in short_names.values()), key=len)
        if "service_name" in documented:
            full = [s["name"][lang] for s in load_json("services.json")["services"]]
            assert documented["service_name"]["longest"][lang] == max(full, key=len)


def _two_segment_purposes() -> dict[str, str]:
    return {k: v for k, v in _sms_data().get("two_segments", {}).items() if not k.startswith("_")}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_sms_fits_one_segment_with_the_longest_realistic_values(purpose: str, language: str) -> None:
    allowed = MAX_SMS_SEGMENTS if purpose in _two_segment_purposes() else ONE_SEGMENT
    for service_id in _service_ids():
        # Given the longest realistic values and each service's short name
        values = {k: v for k, v in _longest_values(SMS_TEMPLATES, language).items() if k not in DERIVED_FROM_SERVICE_ID}
        values["service_id"] = service_id
        # When the SMS is rendered
        text = render_sms(purpose, language, values)
        # Then it is complete and costs one segment (two only where sms.json says why)
        assert "{" not in text and "}" not in text
        assert sms.segments(text) <= allowed, (purpose, language, service_id, sms.length(text), text)


def test_the_purposes_allowed_two_segments_are_known_and_say_why() -> None:
    for purpose, why in _two_segment_purposes().items():
        assert purpose in PURPOSES and why.strip()
    # the one-time password is never among them: it is sent on every signature
    assert "otp" not in _two_segment_purposes()


@pytest.mark.parametrize("purpose", PURPOSES)
def test_english_sms_stay_in_gsm7(purpose: str) -> None:
    # Given the English text with the longest values (a single non-GSM character would halve what fits)
    values = {k: v for k, v in _longest_values(SMS_TEMPLATES, "en").items() if k not in DERIVED_FROM_SERVICE_ID}
    for service_id in _service_ids():
        text = render_sms(purpose, "en", {**values, "service_id": service_id})
        # Then it travels in GSM-7 (KZT, never the tenge sign)
        assert sms.encoding(text) == "GSM-7", (purpose, text)


def test_the_application_number_documented_is_as_long_as_the_ones_issued() -> None:
    from datetime import UTC, datetime

    from chalicelib.adapters.system import RandomIds

    issued = RandomIds().application_id(datetime(2026, 12, 31, tzinfo=UTC))
    assert len(_sms_data()["_placeholders"]["application_number"]["longest"]) == len(issued)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_notice_renders_with_title_and_body(purpose: str, language: str) -> None:
    # Given the longest values and a service id
    values = {k: v for k, v in _longest_values(NOTICE_TEMPLATES, language).items() if k not in DERIVED_FROM_SERVICE_ID}
    values["service_id"] = "child-disability-benefit"
    # When
    title, body = render_notice(purpose, language, values)
    # Then
    assert title and body
    assert "{" not in title + body and "}" not in title + body
    assert len(title) <= 100


def test_no_notice_stores_the_one_time_code() -> None:
    for purpose in PURPOSES:
        for lang in LANGUAGES:
            for text in _texts(NOTICE_TEMPLATES, purpose, lang):
                assert "code" not in placeholders(text), (purpose, lang)


def test_the_otp_sms_carries_the_code_and_the_warning() -> None:
    # Given a code for an application
    values = {"code": "042917", "application_number": "01JD3K7ZQ8X4V2N5M6P9R0S1T2", "valid_minutes": 5}
    # When rendered in each language
    texts = {lang: render_sms("otp", lang, values) for lang in LANGUAGES}
    # Then the code and the validity appear, with the warning not to share it
    assert all("042917" in text and "5" in text for text in texts.values())
    assert "ешкімге" in texts["kk"].lower() and "никому" in texts["ru"].lower() and "anyone" in texts["en"]


def test_the_registered_sms_names_the_application_and_the_due_date() -> None:
    # Given a TSA application due on a date
    values = {"application_number": "A-1", "service_id": "targeted-social-assistance", "due_date": date(2026, 12, 14)}
    # When
    text = render_sms("registered", "ru", values)
    # Then (the service's name is in the personal-account notice: with it the text would take two segments)
    assert "14.12.2026" in text and "A-1" in text


def test_the_approved_sms_shows_the_amount_grouped_with_the_tenge_sign_or_kzt_in_english() -> None:
    values = {"application_number": "A-1", "amount": 1234567, "period": "01.01.2026-31.03.2026"}
    assert "1 234 567 ₸" in render_sms("approved", "kk", values)
    assert "1 234 567 KZT" in render_sms("approved", "en", values)


def test_the_proactive_offer_asks_for_the_reply_words_of_its_language() -> None:
    values = {"service_id": "child-disability-benefit"}
    assert "ИӘ" in render_sms("proactive_offer", "kk", values) and "ЖОҚ" in render_sms("proactive_offer", "kk", values)
    assert "ДА" in render_sms("proactive_offer", "ru", values) and "НЕТ" in render_sms("proactive_offer", "ru", values)
    assert "YES" in render_sms("proactive_offer", "en", values) and "NO" in render_sms("proactive_offer", "en", values)


def test_the_account_question_shows_only_the_masked_iban() -> None:
    text = render_sms("proactive_ask_account", "ru", {"masked_iban": "KZ** **** 1234"})
    assert "KZ** **** 1234" in text and "1" in text


@pytest.mark.parametrize(
    ("asked", "expected"), [("kk", "kk"), ("kk-KZ", "kk"), ("EN", "en"), ("de", "ru"), ("", "ru"), (None, "ru")]
)
def test_unknown_languages_fall_back_to_russian(asked: str | None, expected: str) -> None:
    assert resolve_language(asked) == expected


def test_an_sms_in_an_unknown_language_is_the_russian_one() -> None:
    values = {"service_id": "child-disability-benefit", "reply_by": date(2026, 12, 1)}
    assert render_sms("proactive_reminder", "de", values) == render_sms("proactive_reminder", "ru", values)


def test_a_missing_value_is_a_clear_error_naming_it() -> None:
    # Given a template that needs an application number and a due date
    # When rendered without them
    with pytest.raises(MissingTemplateValues) as error:
        render_sms("registered", "ru", {"service_id": "caregiver-allowance"})
    # Then the error names both
    assert error.value.code == "notification.missing_values"
    assert "application_number" in error.value.message and "due_date" in error.value.message


def test_an_unknown_purpose_is_refused() -> None:
    with pytest.raises(InvalidValue) as error:
        render_sms("birthday", "ru", {})
    assert error.value.code == "notification.unknown_purpose"


def test_an_instant_is_not_taken_for_a_day() -> None:
    with pytest.raises(TypeError):
        render_sms(
            "proactive_reminder", "ru", {"service_id": "child-disability-benefit", "reply_by": datetime(2026, 1, 1)}
        )


def test_placeholders_must_be_plain_names() -> None:
    assert placeholders("{a} and {b}") == {"a", "b"}
    for bad in ("{a.b}", "{a[0]}", "{a!r}", "{a:>10}", "{}"):
        with pytest.raises(ValueError):
            placeholders(bad)


def test_amounts_are_grouped_by_spaces() -> None:
    assert format_amount(0) == "0"
    assert format_amount(46228) == "46 228"
    assert format_amount(Decimal("1234567.5")) == "1 234 567,50"
    assert format_amount(Decimal("50851.00")) == "50 851"


def test_the_notification_key_is_subject_and_purpose() -> None:
    assert notification_key("01JD3K7Z", "registered") == "01JD3K7Z:registered"
    assert notification_key("01JD3K7Z", "documents_needed", "medical_record_form_035") == (
        "01JD3K7Z:documents_needed:medical_record_form_035"
    )


@pytest.mark.parametrize("purpose", sorted(REPEATABLE_PURPOSES))
def test_a_recurring_purpose_needs_to_say_which_occurrence(purpose: str) -> None:
    with pytest.raises(InvalidValue) as error:
        notification_key("01JD3K7Z", purpose)
    assert error.value.code == "notification.key"


def test_a_notification_key_refuses_unknown_purposes_and_ambiguous_subjects() -> None:
    with pytest.raises(InvalidValue):
        notification_key("01JD3K7Z", "birthday")
    with pytest.raises(InvalidValue):
        notification_key("a:b", "registered")
    with pytest.raises(InvalidValue):
        notification_key("", "registered")


@pytest.mark.parametrize(
    ("amount", "start", "end", "expected"),
    [
        (81871, date(2026, 12, 1), date(2028, 10, 31), "81 871 ₸ в месяц, 01.12.2026-31.10.2028"),
        (81871, date(2026, 12, 1), None, "81 871 ₸ в месяц с 01.12.2026"),
        (None, None, None, "одобрена. Решение и дальнейшие шаги"),
    ],
)
def test_an_approval_names_the_payment_only_when_there_is_one(
    amount: int | None, start: date | None, end: date | None, expected: str
) -> None:
    from chalicelib.services.decisions import _approval
    from chalicelib.services.notifications import template_values

    # Given a decision with a payment for a period, from a day on, or no payment at all
    purpose, values = _approval(amount, start, end)
    service = "special-social-services" if amount is None else "caregiver-allowance"
    # When its SMS is rendered
    text = render_sms(
        purpose, "ru", template_values(None, {"service_id": service, "application_number": "X1", **values}, "ru")
    )
    # Then it reads as the decision is: never "0 ₸", never a period with a dangling dash
    assert expected in text, text
    assert "0 ₸" not in text and not re.search(r"\d{4}-\.", text)

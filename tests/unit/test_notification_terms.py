"""The short texts that fill {reason} and {document}: one per failed rule and document kind, short enough for SMS."""

from __future__ import annotations

import pytest

from chalicelib.data import load_json
from chalicelib.domain import sms
from chalicelib.domain.notifications import LANGUAGES, render_sms
from chalicelib.services.notifications import TERMS_FILE, short_term, template_values

MAX_TERM = 40  # the `longest` value the SMS templates are measured with
MAX_SEGMENTS = 2


def _rule_ids_that_can_fail() -> list[str]:
    reasons = load_json("decision_texts.json")["reasons"]
    return sorted(rule for rule, texts in reasons.items() if "not_met" in texts)


def _document_kinds() -> list[str]:
    plans = load_json("lookup_plans.json")["plans"]
    return sorted({entry["document"] for entries in plans.values() for entry in entries if entry.get("document")})


@pytest.mark.parametrize("section", ["refusal_reasons", "documents"])
def test_every_term_is_short_and_in_every_language(section: str) -> None:
    for name, texts in load_json(TERMS_FILE)[section].items():
        assert sorted(texts) == sorted(LANGUAGES), name
        for language, text in texts.items():
            assert 0 < len(text) <= MAX_TERM, (name, language, text)


def test_every_rule_that_can_refuse_and_every_document_asked_for_has_its_own_text() -> None:
    terms = load_json(TERMS_FILE)
    assert set(_rule_ids_that_can_fail()) <= set(terms["refusal_reasons"])
    assert set(_document_kinds()) <= set(terms["documents"])


def test_an_unknown_rule_or_document_gets_the_generic_text() -> None:
    assert short_term("refusal_reasons", "a.rule_added_later", "ru") == "условие услуги не выполнено"
    assert short_term("documents", "something_new", "kk") == "құжат"


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusal_and_document_sms_stay_within_two_segments(language: str) -> None:
    number = "01JD3K7ZQ8X4V2N5M6P9R0S1T2"
    for rule in load_json(TERMS_FILE)["refusal_reasons"]:
        values = template_values(None, {"application_number": number, "reason": rule}, language)
        assert sms.segments(render_sms("refused", language, values)) <= MAX_SEGMENTS, rule
    for kind in load_json(TERMS_FILE)["documents"]:
        values = template_values(None, {"application_number": number, "document": kind}, language)
        assert sms.segments(render_sms("documents_needed", language, values)) <= MAX_SEGMENTS, kind


def test_dates_from_the_queue_are_shown_as_dates() -> None:
    values = template_values(None, {"due_date": "2026-12-04", "new_due_date": "2026-12-24"}, "ru")
    assert str(values["due_date"]) == "2026-12-04" and values["due_date"].__class__.__name__ == "date"

"""Printable result notices and tickets: the right texts in kk, ru and en, every glyph printable."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pypdf  # dev-only: reads the text back out of the PDFs
import pytest

from chalicelib.adapters.pdf import UnprintableText, render_result_notice, render_ticket, surname_and_initials
from chalicelib.data import DATA_DIR, load_json
from chalicelib.domain.decision import Decision, FactUsed, Reason
from chalicelib.domain.result_document import ResultDocument, verification_code

KAZAKH_LETTERS = "Ә ә Ғ ғ Қ қ Ң ң Ө ө Ұ ұ Ү ү Һ һ І і"
REASON = {
    "kk": "Отбасының жан басына шаққандағы табысы (28 450 ₸) кедейлік шегінен (35 596 ₸) төмен.",
    "ru": "Среднедушевой доход семьи (28 450 ₸) ниже черты бедности (35 596 ₸).",
    "en": "The family's per-capita income (28,450 ₸) is below the poverty line (35,596 ₸).",
}
TITLES = {
    ("kk", "approved"): "Тағайындау туралы хабарлама",
    ("ru", "approved"): "Уведомление о назначении",
    ("en", "approved"): "Assignment notice",
    ("kk", "refused"): "Мемлекеттік қызмет көрсетуден дәлелді бас тарту",
    ("ru", "refused"): "Мотивированный отказ в оказании государственной услуги",
    ("en", "refused"): "Substantiated refusal to provide the public service",
}


@pytest.fixture(autouse=True)
def fpdf_warnings_are_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """fpdf2 logs a warning for a glyph its font lacks; here any fpdf2 warning fails the test."""
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        yield
    warnings = [record.getMessage() for record in caplog.records if record.name.startswith("fpdf")]
    assert warnings == []


def a_reason(outcome: str = "met", rule_id: str = "tsa.per_capita_income") -> Reason:
    fact = FactUsed("income", "8801****1234", "income_quarter", "85 350", "ИС ГЦВП", None)
    return Reason(rule_id=rule_id, outcome=outcome, facts=(fact,), text=REASON)


def a_document(
    outcome: str = "approved",
    *,
    full_name: str = "Әлиева Гүлнұр Серікқызы",
    reasons: tuple[Reason, ...] | None = None,
    amount_monthly: int | None = 45600,
) -> dict[str, Any]:
    approved = outcome == "approved"
    decision = Decision(
        service_id="targeted-social-assistance",
        outcome=outcome,
        amount_monthly=amount_monthly if approved else None,
        period_from=date(2026, 1, 1) if approved else None,
        period_to=date(2026, 3, 31) if approved else None,
        reasons=reasons or (a_reason("met" if approved else "not_met"),),
        parameters=("parameters.json@2026-11-23", "services.json@2026-11-23"),
        decided_on=date(2026, 11, 23),
    )
    return ResultDocument(
        application_id="APP-2026-000123",
        service_id="targeted-social-assistance",
        service_name={
            "kk": "Атаулы әлеуметтік көмек",
            "ru": "Адресная социальная помощь",
            "en": "Targeted social assistance",
        },
        applicant_iin_masked="8801****1234",
        applicant_full_name=full_name,
        decision=decision.to_dict(),
        issued_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        issuer_office_id="employment-center:KZ-AKT",
        issuer_name={"kk": "Ақтөбе облысының жұмыспен қамту орталығы", "ru": "Центр занятости Актюбинской области"},
        language="kk",
    ).to_dict()


def a_ticket(**changes: Any) -> dict[str, Any]:
    return {
        "application_id": "APP-2026-000777",
        "service_name": {
            "kk": "Атаулы әлеуметтік көмек",
            "ru": "Адресная социальная помощь",
            "en": "Targeted social assistance",
        },
        "registered_on": "2026-11-23",
        "due_date": "2026-12-14",
        "office": {
            "id": "akimat:KZ-AKT-0412",
            "name": {
                "kk": "Қарғалы ауылдық округі әкімінің аппараты",
                "ru": "Аппарат акима Каргалинского сельского округа",
            },
        },
        "accepted_by": "Сейітқалиева Айгүл Нұрланқызы",
        **changes,
    }


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader would copy it, with no-break spaces as plain spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_an_assignment_notice_prints_the_decision_in_the_chosen_language(language: str) -> None:
    # Given an approved result document and its verification code
    document = a_document()
    code = verification_code(document)

    # When its notice is rendered in the language
    pdf = render_result_notice(document, language, code)

    # Then it is a PDF with the title, the applicant, the amount in tenge, the reason and the code
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert TITLES[(language, "approved")] in text
    assert "Әлиева Гүлнұр Серікқызы" in text and "8801****1234" in text
    assert ("45,600 ₸" if language == "en" else "45 600 ₸") in text
    assert "01.01.2026 – 31.03.2026" in text
    assert REASON[language] in text.replace("\n", " ")
    # and no rule ids, sources or data versions: they stay in the signed JSON
    assert "tsa.per_capita_income" not in text and "ИС ГЦВП" not in text and "parameters.json" not in text
    assert code in text


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_notice_names_who_signed_and_carries_a_qr_code_of_its_check(language: str) -> None:
    document = a_document()
    code = verification_code(document)
    url = f"https://social-benefits.egov.kz/results/{code}"
    official = {
        "kind": "official",
        "name": "САПАРОВА ДИНАРА",
        "position": "Главный специалист",
        "signed_at": "2026-11-23T09:40:00Z",
    }
    signed = text_of(render_result_notice(document, language, code, signatory=official, verify_url=url))
    labels = load_json("templates/pdf_labels.json")["labels"][language]
    assert "САПАРОВА ДИНАРА" in signed and "Главный специалист" in signed and "23.11.2026" in signed
    assert labels["signed_with_eds"] in signed.replace("\n", " ")
    assert url in signed.replace("\n", "")
    sealed = text_of(render_result_notice(document, language, code, verify_url=url))
    assert labels["provider_seal"] in sealed.replace("\n", " ") and "САПАРОВА" not in sealed
    # the QR code is drawn (many filled squares), not an image a reader could lose
    raw = render_result_notice(document, language, code, verify_url=url)
    assert len(raw) > len(render_result_notice(document, language, code)) + 2000


def test_a_reason_prints_its_dates_as_days_and_a_masked_name_is_not_printed_as_a_name() -> None:
    dated = Reason(rule_id="x.y", outcome="met", facts=(), text={"ru": "Инвалидность установлена 2026-11-24."})
    document = a_document(reasons=(dated,), full_name="8801****1234")
    text = text_of(render_result_notice(document, "ru", verification_code(document)))
    assert "24.11.2026" in text and "2026-11-24" not in text
    assert "Заявитель" not in text


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_refusal_is_titled_as_such_states_no_amount_and_says_how_to_appeal(language: str) -> None:
    document = a_document("refused")

    text = text_of(render_result_notice(document, language, verification_code(document)))

    assert TITLES[(language, "refused")] in text.replace("\n", " ")
    assert "₸" in text  # only inside the reason
    assert "45 600" not in text and "45,600" not in text
    assert load_json("templates/pdf_labels.json")["labels"][language]["appeal_title"].upper() in text


def test_every_kazakh_letter_and_the_tenge_sign_print() -> None:
    # Given a document whose texts hold every Kazakh-specific letter
    document = a_document(full_name=f"Тест {KAZAKH_LETTERS}", amount_monthly=1234)

    # When it is rendered (any missing glyph would raise or log)
    text = text_of(render_result_notice(document, "kk", verification_code(document)))

    # Then the letters and the sign read back unchanged
    assert KAZAKH_LETTERS in text
    assert "1 234 ₸" in text


def test_a_character_the_font_cannot_print_fails_loudly(caplog: pytest.LogCaptureFixture) -> None:
    # Given a name with a character outside the shipped font
    document = a_document(full_name="Ли 李")

    # When the notice is rendered
    # Then it is refused, naming the character, instead of printing an empty box
    with pytest.raises(UnprintableText) as error:
        render_result_notice(document, "ru", verification_code(document))
    assert error.value.characters == ["李"]
    caplog.clear()  # fpdf2 may have warned too; that is the point of this test


def test_a_long_notice_runs_onto_more_pages_with_the_code_on_the_last() -> None:
    document = a_document(reasons=tuple(a_reason(rule_id=f"rule.{n}") for n in range(30)))
    code = verification_code(document)

    reader = pypdf.PdfReader(io.BytesIO(render_result_notice(document, "ru", code)))

    assert len(reader.pages) >= 2
    assert code in reader.pages[-1].extract_text()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_ticket_prints_both_parts_with_dates_office_and_official(language: str) -> None:
    # Given an application accepted at a rural akim's office
    ticket = a_ticket()

    # When its tear-off ticket is rendered
    pdf = render_ticket(ticket, language)

    # Then the ticket and its stub carry the number, dates and the official's surname and initials
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    labels = load_json("templates/pdf_labels.json")["labels"][language]
    assert text.count("APP-2026-000777") == 2
    assert "23.11.2026" in text and "14.12.2026" in text
    assert "Сейітқалиева А.Н." in text
    assert labels["ticket_title"] in text and labels["stub_title"] in text
    assert labels["cut_here"] in text and "✂" in text


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_longest_ticket_at_a_state_corporation_office_stays_on_one_sheet(language: str) -> None:
    """The caregiver allowance at a State Corporation office: the longest service name, four documents taken and
    the State Corporation's day. The stub and the applicant's signature line must not spill onto a second page."""
    from chalicelib.domain.catalog import load_catalog

    service = load_catalog().get("caregiver-allowance")
    ticket = a_ticket(
        service_name=dict(service.name),
        office={"kk": "Ақтөбе қаласы бойынша № 1 ХҚКО", "ru": "ЦОН № 1 города Актобе", "en": "PSC No. 1"},
        registered_at="2026-11-23T09:15:00+00:00",
        due_date_at_state_corp="2026-12-11",
        applicant_name="Модельбаева Лаура Дамировна",
        documents=list(service.required_documents["state_corp"]),
    )
    assert len(ticket["documents"]) >= 4

    reader = pypdf.PdfReader(io.BytesIO(render_ticket(ticket, language)))

    assert len(reader.pages) == 1
    labels = load_json("templates/pdf_labels.json")["labels"][language]
    text = " ".join(reader.pages[0].extract_text().split())
    assert labels["applicant_signature"] in text and labels["result_at_state_corp"] in text


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        render_ticket(a_ticket(), "de")


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Иванова Анна Борисовна", "Иванова А.Б."),
        ("Иванова А.Б.", "Иванова А.Б."),
        ("Smith John", "Smith J."),
        ("Оспанов", "Оспанов"),
    ],
)
def test_the_official_is_named_by_surname_and_initials(name: str, short: str) -> None:
    assert surname_and_initials(name) == short


def test_the_shipped_fonts_are_small_and_licensed() -> None:
    fonts = DATA_DIR / "fonts"
    sizes = sum(path.stat().st_size for path in fonts.glob("*.ttf"))

    assert sizes < 1_000_000
    assert "Bitstream Vera" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")

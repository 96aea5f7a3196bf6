"""Printable documents (fpdf2): the result notice and the tear-off ticket, in kk, ru or en.

Fixed texts come from `data/templates/pdf_labels.json`; the font is DejaVu Sans from `data/fonts/`
(every Kazakh letter and the tenge sign). A document that would print a character the font lacks is
refused (`UnprintableText`) rather than shipped with an empty box where a letter of a name should be.

What the renderer reads, beyond the result document's own fields (see domain.result_document):

    decision = Decision.to_dict() (domain.decision) = {
        "outcome": "approved" | "refused",
        "amount_monthly": 45600 | None,                      # whole tenge a month
        "period_from": "YYYY-MM-DD" | None, "period_to": "YYYY-MM-DD" | None,
        "reasons": [{"rule_id": "...", "outcome": "met" | "not_met" | "info",
                     "text": {"kk": .., "ru": .., "en": ..}, "facts": [{"source_system": "...", ...}]}],
        "parameters": ["parameters.json@2026-11-23", ...],   # versions of the data the rules read
    }
    ticket = {
        "application_id": "...", "service_name": {"kk": .., "ru": ..} | "...",
        "registered_on": "YYYY-MM-DD", "due_date": "YYYY-MM-DD",
        "office": {"id": "...", "name": {..} | "..."} | "...",
        "accepted_by": "Иванова Анна Борисовна" | "Иванова А.Б.",
        "applicant_name": "..."                       # optional, printed on the stub
    }

Localised values are `{language: text}` maps; a missing language falls back to ru, then kk, then en.
fpdf2 is imported inside the functions: it is heavy and most Lambda invocations never print.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from chalicelib.data import data_path, load_json
from chalicelib.domain.local_time import ALMATY

if TYPE_CHECKING:
    from fpdf import FPDF

LABELS_FILE = "templates/pdf_labels.json"
VERIFY_ENDPOINT = "POST /results/verify"
LANGUAGES = ("kk", "ru", "en")
FONT = "DejaVuSans"
_FONT_FILES = {"": "fonts/DejaVuSans.ttf", "B": "fonts/DejaVuSans-Bold.ttf"}
_FALLBACK_LANGUAGES = ("ru", "kk", "en")
TENGE_SIGN = "\u20b8"
_MARGIN = 20.0
_LABEL_WIDTH = 58.0
_GREY = 110
_RULE_GREY = 190


class UnprintableText(ValueError):
    """The text holds characters the shipped font cannot print."""

    def __init__(self, characters: Sequence[str]) -> None:
        listed = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in characters)
        super().__init__(f"The PDF font has no glyph for: {listed}")
        self.characters = list(characters)


def _labels(language: str) -> Mapping[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"Unknown document language {language!r}; expected one of {', '.join(LANGUAGES)}.")
    labels: Mapping[str, str] = load_json(LABELS_FILE)["labels"][language]
    return labels


def _text(value: object, language: str) -> str:
    """A value as text in `language`: plain strings as they are, `{lang: text}` maps by language."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for candidate in (language, *_FALLBACK_LANGUAGES):
            if isinstance(value.get(candidate), str):
                return str(value[candidate])
        for key in ("name", "title"):
            if key in value:
                return _text(value[key], language)
        return ""
    return str(value)


def _day(value: object) -> str:
    """`YYYY-MM-DD` (or the date of an RFC 3339 instant, in Kazakhstan's time) as `DD.MM.YYYY`."""
    if not isinstance(value, str) or not value:
        return ""
    if "T" in value:
        return f"{_local(value):%d.%m.%Y}"
    return f"{date.fromisoformat(value):%d.%m.%Y}"


def _local(instant: str) -> datetime:
    """An instant in Kazakhstan's time: UTC+5 nationwide since 1 March 2024 (tz database's Asia/Almaty)."""
    moment = datetime.fromisoformat(instant)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ALMATY)  # the pinned tzdata package's zone (chalicelib/domain/local_time.py)


def _amount(value: object, language: str) -> str:
    """`45 600 ₸`, `45 600,50 ₸` (kk, ru) or `45,600.50 ₸` (en); integers and decimal strings only."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("An amount is integer tenge or a decimal string.")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"Not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"Not an amount: {value!r}")
    text = f"{amount:,.2f}" if amount != amount.to_integral_value() else f"{amount:,.0f}"
    if language != "en":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0{TENGE_SIGN}"


def surname_and_initials(full_name: str) -> str:
    """`Иванова Анна Борисовна` -> `Иванова А.Б.`; a name already in that form is kept."""
    parts = full_name.split()
    if len(parts) <= 1 or any("." in part for part in parts[1:]):
        return " ".join(parts)
    return f"{parts[0]} {''.join(part[0].upper() + '.' for part in parts[1:])}"


def _new_sheet(language: str, footer: str | None, created: datetime) -> FPDF:
    from fpdf import FPDF

    class _Sheet(FPDF):
        def footer(self) -> None:
            if footer is None:
                return
            self.set_y(-14)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(_GREY)
            self.cell(0, 5, footer.replace("{page}", str(self.page_no())), align="C")

    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    for style, name in _FONT_FILES.items():
        pdf.add_font(FONT, style, str(data_path(name)))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_lang(language)
    pdf.set_creation_date(created)
    pdf.set_creator("social-benefits back office")
    pdf.add_page()
    return pdf


def _finish(pdf: FPDF) -> bytes:
    """The PDF's bytes, unless some character came out as an empty box."""
    missing = sorted({chr(cp) for font in pdf.fonts.values() for cp in getattr(font, "missing_glyphs", ())})
    if missing:
        raise UnprintableText(missing)
    return bytes(pdf.output())


def _write(pdf: FPDF, text: str, *, size: float = 10, bold: bool = False, grey: bool = False, align: str = "L") -> None:
    from fpdf.enums import XPos, YPos

    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(_GREY if grey else 0)
    pdf.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)


def _height(pdf: FPDF, text: str, width: float, size: float, *, bold: bool = False) -> float:
    """How tall `_write` would make `text` in a column `width` wide (a dry run, nothing is drawn)."""
    pdf.set_font(FONT, "B" if bold else "", size)
    lines = pdf.multi_cell(width, size * 0.5, text, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return len(lines) * size * 0.5


def _numbered(pdf: FPDF, number: int, text: str, details: str, *, bold: bool = False) -> None:
    """`1.` in its own column, the text and its grey details wrapping under the text; never split by a page."""
    indent = 8.0
    width = pdf.w - pdf.l_margin - pdf.r_margin - indent
    height = _height(pdf, text, width, 10, bold=bold) + (0.5 + _height(pdf, details, width, 8) if details else 0)
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(FONT, "B" if bold else "", 10)
    pdf.cell(indent, 5, f"{number}.")
    pdf.set_left_margin(pdf.l_margin + indent)
    pdf.set_xy(pdf.l_margin, top)
    _write(pdf, text, size=10, bold=bold)
    if details:
        pdf.ln(0.5)
        _write(pdf, details, size=8, grey=True)
    pdf.set_left_margin(pdf.l_margin - indent)
    pdf.set_x(pdf.l_margin)


def _rule(pdf: FPDF, *, gap: float = 3) -> None:
    pdf.ln(gap)
    pdf.set_draw_color(_RULE_GREY)
    pdf.set_line_width(0.3)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(gap)


def _section(pdf: FPDF, title: str) -> None:
    pdf.ln(4)
    _write(pdf, title.upper(), size=9, bold=True, grey=True)
    pdf.ln(1)


def _fields(
    pdf: FPDF,
    rows: Sequence[tuple[str, str]],
    *,
    emphasise: Callable[[str], bool] = lambda _: False,
    line_height: float = 5.2,
    gap: float = 1.6,
) -> None:
    """Label / value rows with light lines between them; values wrap, labels stay in their column. `line_height`
    and `gap` (mm above and below a row's text) are tighter on the tear-off ticket, which must fit one page."""
    from fpdf.fonts import FontFace

    usable = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_draw_color(_RULE_GREY)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "", 10)
    label_style = FontFace(family=FONT, emphasis="", size_pt=9, color=(_GREY, _GREY, _GREY))
    bold = FontFace(family=FONT, emphasis="BOLD", size_pt=10.5)
    with pdf.table(
        col_widths=(_LABEL_WIDTH, usable - _LABEL_WIDTH),
        width=usable,
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        text_align="LEFT",
        v_align="TOP",
        line_height=line_height,
        padding=(gap, 1, gap, 0),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=label_style)
            row.cell(value, style=bold if emphasise(label) else None)


def render_result_notice(
    document: Mapping[str, Any],
    language: str,
    verification_code: str,
    *,
    signatory: Mapping[str, Any] | None = None,
    verify_url: str | None = None,
) -> bytes:
    """The assignment notice or substantiated refusal for a result document, as PDF bytes.

    `signatory` is who signed: {"kind": "official", "name", "position", "signed_at"} for an official's EDS, or None /
    {"kind": "provider_seal", "signed_at"} for the provider's electronic seal. `verify_url` is the public address
    that checks the code (`GET /results/{code}`), printed and drawn as a QR code."""
    from chalicelib.domain.offices import office_name

    labels = _labels(language)
    decision: Mapping[str, Any] = document["decision"]
    outcome = decision.get("outcome")
    if outcome not in ("approved", "refused"):
        raise ValueError(f"A result notice needs an approved or refused decision, not {outcome!r}.")
    issuer: Mapping[str, Any] = document.get("issuer", {})
    issued_at: str = document["issued_at"]
    issuer_name = _text(issuer.get("name"), language)

    pdf = _new_sheet(
        language,
        f"{labels['application_number']} {document['application_id']}  ·  {labels['page']}",
        datetime.fromisoformat(issued_at),
    )
    pdf.set_title(labels[f"title_{outcome}"])
    pdf.set_author(issuer_name)
    pdf.set_subject(f"{labels['verification_code']}: {verification_code}")

    _write(pdf, labels["provider"], size=8, grey=True)
    _write(pdf, issuer_name, size=11, bold=True)
    office = _text(office_name(str(issuer.get("office_id", ""))), language)
    if office and office != issuer_name:
        _write(pdf, office, size=8, grey=True)
    _rule(pdf, gap=4)

    pdf.ln(2)
    _write(pdf, labels[f"title_{outcome}"], size=16, bold=True, align="C")
    pdf.ln(1)
    _write(
        pdf,
        f"{labels['application_number']} {document['application_id']}  ·  "
        f"{labels['issued_on']} {_local(issued_at):%d.%m.%Y %H:%M}",
        size=9,
        grey=True,
        align="C",
    )
    pdf.ln(6)

    applicant: Mapping[str, Any] = document.get("applicant", {})
    service: Mapping[str, Any] = document.get("service", {})
    full_name = _text(applicant.get("full_name"), language)
    rows = [(labels["applicant"], full_name)] if full_name and "*" not in full_name else []
    rows += [
        (labels["iin"], _text(applicant.get("iin_masked"), language)),
        (labels["service"], _text(service.get("name") or service.get("id"), language)),
        (labels["decision"], labels[f"outcome_{outcome}"]),
    ]
    if decision.get("amount_monthly") is not None:
        rows.append(
            (labels["amount"], labels["per_month"].format(amount=_amount(decision["amount_monthly"], language)))
        )
    if decision.get("period_from"):
        start, end = _day(decision["period_from"]), _day(decision.get("period_to"))
        rows.append((labels["period"], f"{start} – {end}" if end else labels["period_from"].format(**{"from": start})))
    emphasised = {labels["decision"], labels["amount"]}
    _fields(pdf, rows, emphasise=lambda label: label in emphasised)

    reasons: Sequence[Mapping[str, Any]] = decision.get("reasons") or []
    if reasons:
        _section(pdf, labels["grounds"])
        for number, reason in enumerate(reasons, start=1):
            # A sentence for a person: the rule ids, sources and data versions stay in the signed JSON.
            failed = outcome == "refused" and reason.get("outcome") == "not_met"
            _numbered(pdf, number, _dates_as_days(_text(reason.get("text"), language)), "", bold=failed)
            pdf.ln(2)

    if outcome == "refused":
        _section(pdf, labels["appeal_title"])
        _write(pdf, labels["appeal"], size=9)

    _signatory_block(pdf, labels, signatory or {"kind": "provider_seal"}, issued_at)
    _verification_block(pdf, labels, verification_code, verify_url or f"{VERIFY_ENDPOINT} {verification_code}")
    return _finish(pdf)


def _dates_as_days(text: str) -> str:
    """ISO dates in a reason's text (`2026-11-24`) as the notice prints dates (`24.11.2026`)."""
    import re

    return re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", r"\3.\2.\1", text)


def _signatory_block(pdf: FPDF, labels: Mapping[str, str], signatory: Mapping[str, Any], issued_at: str) -> None:
    """Who signed: the official (name, position, date, "signed with EDS") or the provider's electronic seal."""
    signed_at = str(signatory.get("signed_at") or issued_at)
    official = signatory.get("kind") == "official"
    block = 6 + 4 + (3 * 5.5 if official else 5.5) + _height(pdf, labels["provider_seal"], pdf.epw, 9) + 4
    if pdf.get_y() + block > pdf.page_break_trigger:
        pdf.add_page()
    _section(pdf, labels["signatory_title"])
    if official:
        rows = [
            (labels["signatory"], str(signatory.get("name") or "")),
            (labels["position"], str(signatory.get("position") or labels["authorized_official"])),
            (labels["signed_on"], _day(signed_at)),
        ]
        _fields(pdf, rows, emphasise=lambda label: label == labels["signatory"])
        pdf.ln(1.5)
        _write(pdf, labels["signed_with_eds"], size=9, bold=True)
    else:
        _fields(pdf, [(labels["signed_on"], _day(signed_at))])
        pdf.ln(1.5)
        _write(pdf, labels["provider_seal"], size=9)


def _qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """A QR code of `text` (the `qrcode` library's matrix, medium error correction) drawn as squares."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = size / len(matrix)
    pdf.set_fill_color(0)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                pdf.rect(x + col * module, y + row * module, module, module, style="F")
    pdf.set_fill_color(255)


def _verification_block(pdf: FPDF, labels: Mapping[str, str], code: str, url: str) -> None:
    """A framed block with the code, where to check it and its QR code, kept whole on one page."""
    inset, qr_size = 5.0, 30.0
    hint = labels["verification_hint"].format(url=url, endpoint=url)
    text_width = pdf.w - 2 * (_MARGIN + inset) - qr_size - inset
    height = max(3 + 5 + 1.5 + 4.5 + 10 + 1 + _height(pdf, hint, text_width, 8.5) + 3, qr_size + 2 * inset)
    pdf.ln(8)
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    if url.startswith(("http://", "https://")):
        _qr(pdf, url, pdf.w - _MARGIN - inset - qr_size, top + inset, qr_size)
    pdf.set_left_margin(_MARGIN + inset)
    pdf.set_right_margin(_MARGIN + 2 * inset + qr_size)
    pdf.set_xy(_MARGIN + inset, top + 3)
    _write(pdf, labels["verification_title"], size=10, bold=True)
    pdf.ln(1.5)
    _write(pdf, f"{labels['verification_code']}:", size=9, grey=True)
    pdf.set_font(FONT, "B", 18)
    pdf.set_char_spacing(1.2)
    pdf.cell(0, 10, code, new_x="LMARGIN", new_y="NEXT")
    pdf.set_char_spacing(0)
    pdf.ln(1)
    _write(pdf, hint, size=8.5)
    pdf.set_left_margin(_MARGIN)
    pdf.set_right_margin(_MARGIN)
    pdf.set_draw_color(120)
    pdf.set_line_width(0.4)
    pdf.rect(_MARGIN, top, pdf.w - 2 * _MARGIN, height, round_corners=True, corner_radius=2)
    pdf.set_xy(_MARGIN, top + height)


def render_ticket(ticket: Mapping[str, Any], language: str) -> bytes:
    """The tear-off ticket for an application accepted in person: the ticket above the line, the stub below."""
    labels = _labels(language)
    office = ticket.get("office")
    office_name = _text(office, language)
    service_name = _text(ticket.get("service_name") or ticket.get("service_id"), language)
    official = surname_and_initials(_text(ticket.get("accepted_by"), language))
    registered, due = _day(ticket["registered_on"]), _day(ticket["due_date"])
    created = datetime.fromisoformat(ticket["registered_on"]).replace(tzinfo=UTC)

    pdf = _new_sheet(language, None, created)
    pdf.set_auto_page_break(auto=True, margin=12)  # no footer: the ticket and its stub share one sheet
    pdf.set_title(labels["ticket_title"])
    pdf.set_author(office_name)

    def part(title: str, subtitle: str, rows: list[tuple[str, str]], signature: str) -> None:
        _write(pdf, office_name, size=8, grey=True)
        pdf.ln(1.5)
        _write(pdf, title, size=14, bold=True, align="C")
        _write(pdf, subtitle, size=8, grey=True, align="C")
        pdf.ln(3)
        _fields(
            pdf,
            rows,
            emphasise=lambda label: label in {labels["application_number"], labels["result_due"]},
            line_height=4.7,
            gap=1.2,
        )
        pdf.ln(7)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(_GREY)
        pdf.cell(60, 5, f"{signature}:")
        pdf.set_draw_color(0)
        pdf.set_line_width(0.2)
        y = pdf.get_y() + 4.5
        pdf.line(pdf.l_margin + 60, y, pdf.w - pdf.r_margin, y)
        pdf.set_text_color(0)
        pdf.ln(6)

    number = (labels["application_number"], str(ticket["application_id"]))
    when = registered
    if ticket.get("registered_at"):
        when = f"{_local(str(ticket['registered_at'])):%d.%m.%Y %H:%M}"
    applicant = (
        [(labels["applicant"], _text(ticket["applicant_name"], language))] if ticket.get("applicant_name") else []
    )
    due_rows = [(labels["result_due"], due)]
    if ticket.get("due_date_at_state_corp"):
        due_rows.append((labels["result_at_state_corp"], _day(ticket["due_date_at_state_corp"])))
    names: Mapping[str, str] = load_json(LABELS_FILE)["labels"][language].get("documents", {})
    taken = [names.get(str(kind), str(kind).replace("_", " ")) for kind in ticket.get("documents") or ()]
    documents = [(labels["documents_taken"], "\n".join(f"• {name}" for name in taken))] if taken else []
    part(
        labels["ticket_title"],
        labels["ticket_for"],
        [
            number,
            *applicant,
            (labels["service"], service_name),
            (labels["registered_at"], when),
            *due_rows,
            *documents,
            (labels["office"], office_name),
            (labels["accepted_by"], official),
        ],
        labels["official_signature"],
    )

    _tear_line(pdf, labels["cut_here"])

    stub_rows = [number, *applicant]
    stub_rows += [
        (labels["service"], service_name),
        (labels["registered_at"], when),
        *due_rows,
        (labels["accepted_by"], official),
    ]
    part(labels["stub_title"], labels["stub_for"], stub_rows, labels["applicant_signature"])
    return _finish(pdf)


def _tear_line(pdf: FPDF, caption: str) -> None:
    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_draw_color(90)
    pdf.set_line_width(0.3)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.line(0, y, pdf.w, y)
    pdf.set_dash_pattern()
    pdf.set_font(FONT, "", 12)
    pdf.set_fill_color(255)
    pdf.set_xy(pdf.l_margin - 6, y - 3)
    pdf.cell(7, 6, "\u2702", fill=True, align="C")
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(_GREY)
    width = pdf.get_string_width(caption) + 4
    pdf.set_xy((pdf.w - width) / 2, y - 2.5)
    pdf.cell(width, 5, caption, fill=True, align="C")
    pdf.set_text_color(0)
    pdf.set_xy(pdf.l_margin, y + 10)

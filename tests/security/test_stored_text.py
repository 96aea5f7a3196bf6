"""Stored text (names, the accepting official's name, a power of attorney's number): NFC-normalised, control and
format characters refused with a code, lengths and combining marks bounded, and what the PDF font cannot print
refused at input. One validator (chalicelib/domain/text.py) for every such field."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.text import KINDS, printable, stored_text
from tests.support.api import get, post
from tests.support.people import FATHER, MOTHER, STRANGER, child_benefit_body
from tests.support.sms import caregiver_body

OFFICE = "gfc-aktobe-01"

HOSTILE = {
    "right-to-left override": ("Иванова\u202eА.Б.", "text.control_character"),
    "left-to-right isolate": ("\u2066Иванова А.Б.", "text.control_character"),
    "zero-width space": ("Ива\u200bнова А.Б.", "text.control_character"),
    "zero-width joiner": ("Иванова\u200dА.Б.", "text.control_character"),
    "byte order mark": ("\ufeffИванова А.Б.", "text.control_character"),
    "NUL": ("Иванова\x00А.Б.", "text.control_character"),
    "line break": ("Иванова\nА.Б.", "text.control_character"),
    "combining marks": ("И" + "\u0301" * 300 + "ванова", "text.too_many_combining_marks"),
    "three marks on a letter": ("Ива\u0301\u0300\u0302нова", "text.too_many_combining_marks"),
    "a mark on nothing": ("\u0301Иванова", "text.too_many_combining_marks"),
    "emoji": ("Иванова А.Б. \U0001f600", "text.not_printable"),
    "CJK": ("伊万诺娃", "text.not_printable"),
    "private use": ("Иванова \ue000", "text.control_character"),
    "too long": ("Иванова " * 40, "text.too_long"),
    "only spaces": ("   ", "text.empty"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_each_hostile_text_is_refused_with_its_code(case: str) -> None:
    raw, code = HOSTILE[case]
    with pytest.raises(InvalidValue) as refused:
        stored_text(raw, "official_name")
    assert refused.value.code == code
    if raw.strip():
        assert raw.strip() not in refused.value.message  # the message names a code point, never echoes the text


def test_text_is_stored_nfc_normalised_and_trimmed() -> None:
    decomposed = unicodedata.normalize("NFD", "Сейітқалиева  Әйгерім Йұлдызқызы ")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    assert stored_text(decomposed, "person_name") == "Сейітқалиева Әйгерім Йұлдызқызы"
    assert stored_text("Müller-Lüdenscheidt O'Neil № 5", "person_name") == "Müller-Lüdenscheidt O'Neil № 5"
    # a length is counted after NFC: a name typed decomposed is not longer than the same name precomposed
    assert stored_text(unicodedata.normalize("NFD", "Й" * 64), "power_of_attorney") == "Й" * 64


def test_the_coverage_file_is_what_the_shipped_fonts_print() -> None:
    from fontTools.ttLib import TTFont

    from chalicelib.data import data_path

    regular = set(TTFont(str(data_path("fonts/DejaVuSans.ttf"))).getBestCmap())
    bold = set(TTFont(str(data_path("fonts/DejaVuSans-Bold.ttf"))).getBestCmap())
    both = regular & bold
    assert all(printable(chr(cp)) for cp in both)
    assert not any(printable(chr(cp)) for cp in range(0x30000) if cp not in both)


def test_every_kind_has_a_bound() -> None:
    assert {k: v.max_length for k, v in KINDS.items()} == {
        "person_name": 128,
        "official_name": 128,
        "power_of_attorney": 64,
    }


@pytest.mark.parametrize("case", ["right-to-left override", "zero-width space", "NUL", "combining marks", "emoji"])
def test_the_accepting_officials_name_is_checked_at_filing(api: Any, token: Any, case: str) -> None:
    raw, code = HOSTILE[case]
    operator = token(STRANGER, "operator", org=OFFICE)
    body = child_benefit_body(channel="state_corp", accepted_by={"office": OFFICE, "official": raw})
    response = post(api, "/applications", body, operator)
    assert response.status_code == 422, response.body
    assert [(e["field"], e["code"]) for e in response.json_body["errors"]] == [("accepted_by.official", code)]


def test_an_emoji_in_the_officials_name_never_reaches_the_ticket(api: Any, token: Any) -> None:
    operator = token(STRANGER, "operator", org=OFFICE)
    typed = unicodedata.normalize("NFD", "Әлиева Ә.Й.")
    good = child_benefit_body(channel="state_corp", accepted_by={"official": typed})
    created = post(api, "/applications", good, operator)
    assert created.status_code == 201, created.body
    from tests.support.sms import run_queue

    path = f"/applications/{created.json_body['id']}/ticket?format=pdf"
    # the first request has the decisions worker render the ticket (the API carries no renderer)
    assert get(api, path, operator, Accept="application/pdf").status_code == 503
    assert run_queue("decisions") >= 1
    ticket = get(api, path, operator, Accept="application/pdf")
    assert ticket.status_code == 200 and ticket.body.startswith(b"%PDF"), ticket.body
    json_ticket = get(api, f"/applications/{created.json_body['id']}/ticket", operator).json_body
    assert json_ticket["accepted_by"] == unicodedata.normalize("NFC", "Әлиева Ә.Й.")


@pytest.mark.parametrize(
    "case", ["right-to-left override", "zero-width joiner", "NUL", "three marks on a letter", "emoji", "too long"]
)
def test_the_power_of_attorney_number_is_checked_at_filing(api: Any, token: Any, case: str) -> None:
    raw, code = HOSTILE[case]
    body = caregiver_body(MOTHER, representative={"iin": FATHER, "power_of_attorney": raw})
    response = post(api, "/applications", body, token(FATHER))
    assert response.status_code == 422, response.body
    assert ("representative.power_of_attorney", code) in [(e["field"], e["code"]) for e in response.json_body["errors"]]


@pytest.mark.parametrize("case", ["right-to-left override", "NUL", "emoji"])
def test_a_name_in_the_token_is_checked_too(api: Any, idp_key: bytes, env: dict[str, str], case: str) -> None:
    import jwt

    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": env["JWT_ISSUER"],
            "aud": env["JWT_AUDIENCE"],
            "sub": MOTHER,
            "role": "citizen",
            "iat": now,
            "exp": now + 600,
            "name": HOSTILE[case][0],
        },
        idp_key,
        algorithm="RS256",
        headers={"kid": "test-1"},
    )
    response = get(api, "/applications", forged)
    assert response.status_code == 401 and response.json_body["code"] == "auth.claim_invalid"

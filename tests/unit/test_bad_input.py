"""Input that once got a 500 or a wrong answer (issue: bad input): digits of other scripts, forged cursors,
look-alike letters in SMS replies. Each smallest failing input is a case here; the kind is fixed in one place."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.adapters.cursors import CursorCodec
from chalicelib.domain.digits import fold_digits, is_ascii_digits, whole_number
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.phone import PhoneNumber
from chalicelib.domain.proactive import DialoguePolicy, ReplyKind, classify

POLICY = DialoguePolicy.from_data()


@pytest.mark.parametrize("raw", ["²", "①", "٥", "２０", "20²", "", " 20", "-1", "1e3", "٢٠"])
def test_only_ascii_digits_make_a_whole_number(raw: str) -> None:
    assert whole_number(raw) is None
    assert not is_ascii_digits(raw)


def test_ascii_digits_are_a_whole_number_and_free_text_digits_fold_to_ascii() -> None:
    assert whole_number("20") == 20 and whole_number("0007") == 7
    assert whole_number("1" * 10) is None  # no unbounded integers from a query string
    assert fold_digits("١٢٣ ４５ x²") == "123 45 x²"  # decimal digits of any script; ² is no decimal digit


@pytest.mark.parametrize("raw", ["+77٠١٢٣٤٥٦٧٨", "+77０１２３４５６７８", "8７０１２３４５６７８", "+7701234567８"])
def test_a_phone_in_other_scripts_digits_is_refused_not_stored_as_given(raw: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        PhoneNumber.parse(raw)
    assert caught.value.code == "phone.format"
    assert PhoneNumber.parse("+7 701 234 56 78").value == "+77012345678"


# --- cursors ---------------------------------------------------------------------------------------------

CODEC = CursorCodec("a-secret", "history")
KEY = {"PK": {"S": "APP#261124-X"}, "SK": {"S": "APP"}, "GSI1PK": {"S": "PERSON#abc"}, "GSI1SK": {"S": "2026"}}


def test_a_cursor_given_out_reads_back_for_its_partition_only() -> None:
    cursor = CODEC.encode(KEY, "PERSON#abc")
    assert cursor is not None and CODEC.decode(cursor, "PERSON#abc") == KEY
    assert CODEC.encode(None, "PERSON#abc") is None
    for forged in (
        base64.urlsafe_b64encode(json.dumps({"PK": {"S": "APP#x"}}).encode()).decode(),  # the input
        cursor.replace(cursor.split(".")[0], base64.urlsafe_b64encode(b'{"PK":{"S":"APP#y"}}').decode().rstrip("=")),
        cursor + "A",
        cursor[:-2],
        "..",
        "",
        "ü" * 10,
        "x" * 5000,
    ):
        with pytest.raises(InvalidValue) as caught:
            CODEC.decode(forged, "PERSON#abc")
        assert caught.value.code == "cursor.invalid"
    for other in (
        lambda c: CODEC.decode(c, "PERSON#other"),  # another person's History
        lambda c: CursorCodec("a-secret", "notices").decode(c, "PERSON#abc"),  # another kind of page
        lambda c: CursorCodec("another-secret", "history").decode(c, "PERSON#abc"),
    ):
        with pytest.raises(InvalidValue):
            other(cursor)


# --- SMS replies with look-alike letters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "language"),
    [
        ("Иə", ReplyKind.CONSENT, "kk"),  # Latin small schwa
        ("ИƏ", ReplyKind.CONSENT, "kk"),  # Latin capital schwa
        ("иǝ", ReplyKind.CONSENT, "kk"),  # turned e, as some keyboards give it
        ("CTOП", ReplyKind.STOP, None),  # Latin C, T, O
        ("ST0P", ReplyKind.OTHER, None),  # a zero is no letter O
        ("НEТ", ReplyKind.REFUSAL, "ru"),  # Latin E
        ("HET", ReplyKind.REFUSAL, "ru"),  # all Latin look-alikes of НЕТ
        ("ДA", ReplyKind.CONSENT, "ru"),  # Latin A
        ("DА", ReplyKind.CONSENT, "ru"),  # Cyrillic А in the Latin spelling
        ("ＤＡ", ReplyKind.CONSENT, "ru"),  # full-width
        ("١", ReplyKind.CONSENT, None),  # Arabic-Indic one
        ("ЖOҚ", ReplyKind.REFUSAL, "kk"),
    ],
)
def test_latin_and_cyrillic_look_alikes_are_folded_before_a_reply_is_read(
    text: str, kind: ReplyKind, language: str | None
) -> None:
    reply = classify(text, POLICY)
    assert (reply.kind, reply.language) == (kind, language)

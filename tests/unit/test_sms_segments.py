"""SMS segment counting: GSM-7 vs UCS-2, extension characters, and the single/concatenated boundaries."""

from __future__ import annotations

import pytest

from chalicelib.domain.sms import encoding, length, segments


def test_plain_latin_text_travels_in_gsm7() -> None:
    # Given a Latin text with digits and basic punctuation
    text = "Code 123456. Valid 5 min. Do not tell anyone!"
    # When / Then
    assert encoding(text) == "GSM-7"
    assert segments(text) == 1


@pytest.mark.parametrize(
    "text", ["Привет", "Сәлеметсіз бе", "ә", "Ғ", "қ", "ң", "ө", "ұ", "ү", "һ", "і", "₸", "“quoted”", "—"]
)
def test_cyrillic_kazakh_and_typographic_characters_force_ucs2(text: str) -> None:
    assert encoding(text) == "UCS-2"


@pytest.mark.parametrize(("count", "expected"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_gsm7_single_is_160_and_concatenated_153_per_segment(count: int, expected: int) -> None:
    # Given a GSM-7 text of `count` characters
    text = "a" * count
    # When / Then
    assert segments(text) == expected


@pytest.mark.parametrize(("count", "expected"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_ucs2_single_is_70_and_concatenated_67_per_segment(count: int, expected: int) -> None:
    # Given a Kazakh text of `count` characters
    text = "ә" * count
    # When / Then
    assert segments(text) == expected


def test_one_cyrillic_letter_turns_a_160_character_latin_text_into_three_segments() -> None:
    # Given 159 Latin letters and one Cyrillic letter
    text = "a" * 159 + "д"
    # When / Then: UCS-2, 160 units > 134 for two segments
    assert encoding(text) == "UCS-2"
    assert segments(text) == 3


@pytest.mark.parametrize("char", list("^{}\\[~]|€"))
def test_extension_table_characters_count_double(char: str) -> None:
    # Given 159 septets of text plus one extension character
    text = "a" * 158 + char
    # When / Then: 158 + 2 = 160 fits; one more septet does not
    assert encoding(text) == "GSM-7"
    assert length(text) == 160
    assert segments(text) == 1
    assert segments(text + "a") == 2


def test_an_escape_pair_is_never_split_between_segments() -> None:
    # Given 152 plain septets, then a euro sign (2 septets) and more text: 153 fits 152 + 1 only
    text = "a" * 152 + "€" + "a" * 152
    # When / Then: the euro moves to segment 2, which then holds 2 + 152 = 154 > 153
    assert length(text) == 306
    assert segments(text) == 3


def test_gsm7_basic_set_includes_greek_capitals_and_accented_letters() -> None:
    assert encoding("ΔΦΓΛΩΠΨΣΘΞ @£$¥èéùìòÇØøÅåÆæßÉÄÖÑÜ§¿äöñüà¡") == "GSM-7"


def test_characters_outside_the_bmp_count_as_two_utf16_units() -> None:
    # Given 69 Cyrillic letters and an emoji (a surrogate pair)
    text = "д" * 69 + "🙂"
    # When / Then: 71 units no longer fit one segment
    assert length(text) == 71
    assert segments(text) == 2
    assert segments("д" * 68 + "🙂") == 1


def test_a_surrogate_pair_is_never_split_between_segments() -> None:
    # Given 66 letters then an emoji then 66 letters: 134 units, but the emoji cannot straddle segment 1
    text = "д" * 66 + "🙂" + "д" * 66
    # When / Then
    assert length(text) == 134
    assert segments(text) == 3


def test_an_empty_text_still_costs_one_message() -> None:
    assert segments("") == 1
    assert encoding("") == "GSM-7"

"""How many SMS segments a text costs, and in which encoding it travels.

GSM 03.38 / 3GPP TS 23.038: a text made only of the GSM-7 default alphabet travels in 7-bit septets, 160 to a
single message; characters of the extension table (`^{}\\[~]|€` and form feed) take two septets (an escape and
the character). Anything else (Cyrillic, Kazakh letters, `₸`, typographic quotes, emoji) forces UCS-2: UTF-16 code
units, 70 to a single message. A concatenated message spends 6 octets of each segment on the user-data header,
leaving 153 septets or 67 code units per segment; an escape pair or a surrogate pair is never split between
segments (phones would render garbage), so a segment may carry one unit less.
"""

from __future__ import annotations

from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE_LIMIT: dict[Encoding, int] = {"GSM-7": 160, "UCS-2": 70}
CONCATENATED_LIMIT: dict[Encoding, int] = {"GSM-7": 153, "UCS-2": 67}


def encoding(text: str) -> Encoding:
    """GSM-7 when every character is in the default alphabet or its extension table, else UCS-2."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return "GSM-7"
    return "UCS-2"


def _units(text: str, enc: Encoding) -> list[int]:
    """The size of each character in the encoding's units (septets or UTF-16 code units)."""
    if enc == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def length(text: str) -> int:
    """The text's length in units of its encoding (septets for GSM-7, UTF-16 code units for UCS-2)."""
    return sum(_units(text, encoding(text)))


def segments(text: str) -> int:
    """How many SMS segments the text needs. An empty text still costs one message."""
    enc = encoding(text)
    units = _units(text, enc)
    if sum(units) <= SINGLE_LIMIT[enc]:
        return 1
    capacity = CONCATENATED_LIMIT[enc]
    count, used = 1, 0
    for size in units:
        if used + size > capacity:
            count, used = count + 1, 0
        used += size
    return count

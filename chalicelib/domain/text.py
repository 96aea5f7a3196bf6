"""Free text this system stores and prints later: names, the accepting official's name, a power of attorney's
number. One check for all of it, at input, so that what is stored can be shown, printed and compared safely.

`stored_text(raw, kind)` gives the text NFC-normalised (Unicode Standard Annex #15: a letter typed as a base and a
combining mark is stored as the one precomposed letter, so "й" typed two ways is one name), trimmed, with inner runs
of spaces made one; or raises `InvalidValue` with a stable code:

- `text.not_text`: not a string;
- `text.empty`: nothing left after trimming;
- `text.too_long`: more characters than the kind allows (`KINDS`), counted after NFC;
- `text.control_character`: a control or format character (Unicode categories Cc, Cf, Cs, Co, Cn, Zl, Zp): NUL,
  line breaks, tabs, the bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), zero-width spaces and
  joiners (U+200B-U+200D, U+2060, U+FEFF), the soft hyphen, private-use and unassigned code points;
- `text.too_many_combining_marks`: more than `MAX_MARKS_PER_LETTER` combining marks on one letter, or a mark with
  no letter before it;
- `text.not_printable`: a character the PDF font cannot print (`data/fonts/coverage.json`, both shipped DejaVu Sans
  files): an emoji, CJK, ...

The problem document names the first offending character by its code point only (`U+202E`), never the text.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from chalicelib.data import load_json
from chalicelib.domain.errors import InvalidValue

COVERAGE_FILE = "fonts/coverage.json"
MAX_MARKS_PER_LETTER = 2
"""Kazakh, Russian and the Latin alphabets need none after NFC; two leave room for a stress mark on a letter
that has no precomposed form. Hundreds of marks on one letter ("Zalgo" text) overflow every line they are printed on."""
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class TextKind:
    name: str
    max_length: int


KINDS: dict[str, TextKind] = {
    "person_name": TextKind("person_name", 128),
    "official_name": TextKind("official_name", 128),
    "power_of_attorney": TextKind("power_of_attorney", 64),
}
"""What each stored text may hold at most, in characters after NFC (a full Kazakh name with patronymic is well
under 100; a notarial register number like ЕНИС-2026-000781 is under 20)."""


@cache
def _printable_ranges() -> tuple[tuple[int, ...], tuple[int, ...]]:
    ranges = [(int(first, 16), int(last, 16)) for first, last in load_json(COVERAGE_FILE)["ranges"]]
    ranges.sort()
    return tuple(r[0] for r in ranges), tuple(r[1] for r in ranges)


def printable(char: str) -> bool:
    """Whether the shipped PDF fonts have a glyph for `char`."""
    firsts, lasts = _printable_ranges()
    i = bisect_right(firsts, ord(char)) - 1
    return i >= 0 and ord(char) <= lasts[i]


def _refuse(code: str, message: str, char: str | None = None) -> InvalidValue:
    if char is not None:
        message = f"{message} (U+{ord(char):04X})"
    return InvalidValue(code, message)


def stored_text(raw: object, kind: str) -> str:
    """The text as it is to be stored, or InvalidValue (codes in the module's docstring). `kind` is one of `KINDS`."""
    limits = KINDS[kind]
    if not isinstance(raw, str):
        raise _refuse("text.not_text", "The value is text.")
    text = unicodedata.normalize("NFC", raw)
    for char in text:
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            raise _refuse(
                "text.control_character", "The text holds an invisible control or format character: type it again", char
            )
    text = " ".join(text.split())
    if not text:
        raise _refuse("text.empty", "The text is empty.")
    marks = 0
    for index, char in enumerate(text):
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Mc", "Me"):
            marks += 1
            if index == 0 or marks > MAX_MARKS_PER_LETTER or text[index - 1] == " ":
                raise _refuse(
                    "text.too_many_combining_marks",
                    f"At most {MAX_MARKS_PER_LETTER} accents on a letter, and each on a letter",
                    char,
                )
        else:
            marks = 0
    if len(text) > limits.max_length:
        raise _refuse("text.too_long", f"The text is at most {limits.max_length} characters.")
    for char in text:
        if not printable(char):
            raise _refuse("text.not_printable", "The text holds a character the printed documents cannot show", char)
    return text

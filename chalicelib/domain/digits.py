"""Numbers typed by people: the one place that says which digits count.

Policy (docs/api.md, "Numbers"):
- **API input** (limits, IINs, phones, codes, dates, amounts): ASCII digits 0-9 only. Other scripts' digits
  (Arabic-Indic `٠١٢`, full-width `０１２`, Devanagari...) and digit-like signs (`²`, `①`) are refused with the
  field's own format code, never stored as given: a phone kept as `+77٠١٢...` would get no SMS and match no
  reply. `str.isdigit()`, `int()` and regex `\\d` all accept them, so none of those is used on input.
- **SMS text** a person typed on a phone (replies to an offer, an account number) cannot be answered with a
  422: there every decimal digit of any script is read as its ASCII digit (`١` is `1`), on purpose.
"""

from __future__ import annotations

import unicodedata

ASCII_DIGITS = frozenset("0123456789")
DIGITS_RE = "[0-9]"
"""Use in a regular expression instead of `\\d`, which matches every script's digits."""


def is_ascii_digits(value: object) -> bool:
    """True for a non-empty string of ASCII digits 0-9 only (`"²"`, `"٥"`, `"１"`, `""` are False)."""
    return isinstance(value, str) and value != "" and all(ch in ASCII_DIGITS for ch in value)


def whole_number(value: object) -> int | None:
    """The value of a string of ASCII digits (at most 9 of them), else None: `"20"` is 20, `"²"` and `"①"` None."""
    if not is_ascii_digits(value) or len(str(value)) > 9:
        return None
    return int(str(value))


def fold_digits(text: str) -> str:
    """Every decimal digit of any script as its ASCII digit (`"١٢"` is `"12"`); anything else unchanged.
    For free text only (SMS): API input is refused instead (`is_ascii_digits`)."""
    out = []
    for ch in text:
        if ch in ASCII_DIGITS or not ch.isdecimal():
            out.append(ch)
        else:
            out.append(str(unicodedata.decimal(ch)))
    return "".join(out)

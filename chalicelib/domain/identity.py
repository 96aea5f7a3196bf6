"""The Kazakh individual identification number (IIN, ЖСН/ИИН).

Layout: YYMMDD + century/sex digit + 4 serial digits + check digit. Digit 7: 1-2 born in the 1800s,
3-4 in the 1900s, 5-6 in the 2000s; odd is male, even female. Check digit: sum(d_i * w_i) mod 11 with
weights 1..11; if that gives 10, weights 3..11,1,2; if 10 again the number is invalid.
Source: Law of the Republic of Kazakhstan "On national registers of identification numbers" (No. 223-II,
12.01.2007) and the rules of IIN formation (Government decree No. 565 of 2007).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.domain.errors import InvalidValue

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


def iin_check_digit(first11: str) -> int | None:
    """The check digit for the first 11 digits, or None where no valid IIN can end them."""
    digits = [int(c) for c in first11]
    check = sum(d * w for d, w in zip(digits, _WEIGHTS_1, strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, _WEIGHTS_2, strict=True)) % 11
        if check == 10:
            return None
    return check


def mask_iin(value: str) -> str:
    """`880101****34`-style masking for logs: keeps the birth date prefix-ish shape, never the whole number."""
    if len(value) != 12:
        return "****"
    return f"{value[:4]}****{value[-4:]}"


@dataclass(frozen=True, slots=True)
class Iin:
    value: str

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, str) or len(v) != 12 or not v.isascii() or not v.isdigit():
            raise InvalidValue("iin.format", "An IIN is exactly 12 digits.")
        century_digit = int(v[6])
        if century_digit not in _CENTURY:
            raise InvalidValue("iin.century", "The 7th digit of an IIN must be 1 to 6.")
        try:
            self._birth_date()
        except ValueError:
            raise InvalidValue("iin.birth_date", "The first six digits of an IIN must be a real date.") from None
        if iin_check_digit(v[:11]) != int(v[11]):
            raise InvalidValue("iin.checksum", "The IIN's check digit does not match.")

    @classmethod
    def parse(cls, raw: object) -> Iin:
        if not isinstance(raw, str):
            raise InvalidValue("iin.format", "An IIN is exactly 12 digits.")
        return cls(raw.strip())

    def _birth_date(self) -> date:
        century = _CENTURY[int(self.value[6])]
        return date(century + int(self.value[0:2]), int(self.value[2:4]), int(self.value[4:6]))

    @property
    def birth_date(self) -> date:
        return self._birth_date()

    @property
    def sex(self) -> str:
        return "male" if int(self.value[6]) % 2 == 1 else "female"

    @property
    def masked(self) -> str:
        return mask_iin(self.value)

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __str__(self) -> str:  # never log this: use .masked
        return self.value


def make_iin(birth: date, sex: str, serial: int) -> Iin | None:
    """Build the valid IIN for a birth date, sex and 4-digit serial, or None if that serial has no check digit.

    Used by the synthetic seed and the tests; real IINs are issued by the state.
    """
    base = {1800: 1, 1900: 3, 2000: 5}[birth.year // 100 * 100]
    century_digit = base if sex == "male" else base + 1
    first11 = f"{birth:%y%m%d}{century_digit}{serial:04d}"
    check = iin_check_digit(first11)
    return None if check is None else Iin(first11 + str(check))

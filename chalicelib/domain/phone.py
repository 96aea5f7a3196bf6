"""Kazakh mobile numbers, normalised to E.164 `+77XXXXXXXXX`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.errors import InvalidValue

_E164_KZ_MOBILE = re.compile(r"\+77[0-9]{9}")
"""ASCII digits only (chalicelib/domain/digits.py): `\\d` would take `+77٠١٢٣٤٥٦٧٨`."""


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _E164_KZ_MOBILE.fullmatch(self.value):
            raise InvalidValue("phone.format", "A mobile number is +7 7XX XXX XX XX.")

    @classmethod
    def parse(cls, raw: object) -> PhoneNumber:
        if not isinstance(raw, str):
            raise InvalidValue("phone.format", "A mobile number is +7 7XX XXX XX XX.")
        digits = re.sub(r"[\s\-()]", "", raw)
        if digits.startswith("8") and len(digits) == 11:
            digits = "+7" + digits[1:]
        elif digits.startswith("7") and len(digits) == 11:
            digits = "+" + digits
        return cls(digits)

    @property
    def masked(self) -> str:
        return f"+7*******{self.value[-3:]}"

    def __str__(self) -> str:
        return self.value

"""Kazakh IBANs: `KZ` + 2 check digits (ISO 13616 mod 97) + 3-digit bank code + 13 alphanumerics = 20."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import InvalidValue


def _mod97(text: str) -> int:
    numeric = "".join(str(int(ch, 36)) for ch in text)
    return int(numeric) % 97


def iban_check_digits(bank_code: str, account: str) -> str:
    """The two check digits that make `KZ??<bank_code><account>` valid."""
    remainder = _mod97(f"{bank_code}{account}KZ00")
    return f"{98 - remainder:02d}"


@dataclass(frozen=True, slots=True)
class Iban:
    value: str

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, str) or not v.isascii() or not v.isalnum():
            raise InvalidValue("iban.format", "An IBAN has only Latin letters and digits.")
        if not v.startswith("KZ"):
            raise InvalidValue("iban.country", "Only Kazakh IBANs (starting with KZ) are accepted.")
        if len(v) != 20:
            raise InvalidValue("iban.length", "A Kazakh IBAN is exactly 20 characters.")
        if not v[2:4].isdigit() or not v[4:7].isdigit():
            raise InvalidValue("iban.format", "A Kazakh IBAN has check digits and a 3-digit bank code after KZ.")
        if _mod97(v[4:] + v[:4]) != 1:
            raise InvalidValue("iban.checksum", "The IBAN's check digits do not match.")

    @classmethod
    def parse(cls, raw: object) -> Iban:
        if not isinstance(raw, str):
            raise InvalidValue("iban.format", "An IBAN has only Latin letters and digits.")
        return cls(raw.replace(" ", "").upper())

    @property
    def bank_code(self) -> str:
        return self.value[4:7]

    @property
    def masked(self) -> str:
        """`KZ** **** 1234`: what an SMS or a log may show of an account."""
        return f"KZ** **** {self.value[-4:]}"

    def __str__(self) -> str:
        return self.value


def make_iban(bank_code: str, account: str) -> Iban:
    return Iban(f"KZ{iban_check_digits(bank_code, account)}{bank_code}{account}")

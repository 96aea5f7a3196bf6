"""IIN, IBAN and phone value types: properties over generated values, and each refusal's code."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.banking import Iban, make_iban
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.identity import Iin, iin_check_digit, make_iin, mask_iin
from chalicelib.domain.phone import PhoneNumber

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
sexes = st.sampled_from(["male", "female"])
serials = st.integers(min_value=0, max_value=9999)


@given(births, sexes, serials)
def test_every_made_iin_is_valid_and_carries_its_birth_date_and_sex(born: date, sex: str, serial: int) -> None:
    made = make_iin(born, sex, serial)
    if made is None:  # Given a serial with no check digit, Then no IIN is made from it
        return
    assert Iin(made.value).birth_date == born
    assert made.sex == sex


@given(births, sexes, serials, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_is_caught_when_the_first_weights_decide(
    born: date, sex: str, serial: int, position: int, delta: int
) -> None:
    made = make_iin(born, sex, serial)
    if made is None or sum(int(d) * w for d, w in zip(made.value[:11], range(1, 12), strict=True)) % 11 == 10:
        return
    digits = list(made.value)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    first = sum(int(d) * w for d, w in zip(changed[:11], range(1, 12), strict=True)) % 11
    if first == 10:  # the changed number falls to the second weight set: a different check, not this property
        return
    with pytest.raises(InvalidValue):
        Iin(changed)


@given(births, sexes, serials, st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_always_caught(born: date, sex: str, serial: int, delta: int) -> None:
    made = make_iin(born, sex, serial)
    if made is None:
        return
    with pytest.raises(InvalidValue) as refused:
        Iin(made.value[:11] + str((int(made.value[11]) + delta) % 10))
    assert refused.value.code == "iin.checksum"


def test_the_eleventh_digit_has_weight_eleven_so_the_checksum_cannot_see_it() -> None:
    # A known property of the IIN algorithm (weight 11 is 0 mod 11): the registries, not the checksum,
    # catch such a typo. Given a valid IIN, When its 11th digit changes, Then it still passes the checksum.
    made = make_iin(date(2000, 1, 1), "male", 0)
    assert made is not None
    changed = made.value[:10] + str((int(made.value[10]) + 1) % 10) + made.value[11]
    assert Iin(changed).value == changed


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12345", "iin.format"),
        ("12345678901a", "iin.format"),
        ("１２３４５６７８９０１２", "iin.format"),  # full-width digits are not ASCII digits
        ("900517743217", "iin.century"),
        ("901317443217", "iin.birth_date"),
        ("900517443218", "iin.checksum"),
    ],
)
def test_invalid_iins_are_refused_with_their_reason(raw: str, code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Iin.parse(raw)
    assert refused.value.code == code


def test_second_weight_set_is_used_when_the_first_gives_ten() -> None:
    # Given 11 digits whose first weighted sum is 10 mod 11
    first11 = next(
        f"{n:011d}"
        for n in range(10**6, 10**7)
        if sum(int(d) * w for d, w in zip(f"{n:011d}", range(1, 12), strict=True)) % 11 == 10
    )
    weights2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
    second = sum(int(d) * w for d, w in zip(first11, weights2, strict=True)) % 11
    # Then the check digit comes from the second set, or there is none
    assert iin_check_digit(first11) == (None if second == 10 else second)


def test_masking_keeps_only_the_ends() -> None:
    assert mask_iin("900517443217") == "9005****3217"
    assert mask_iin("bad") == "****"


accounts = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=13, max_size=13)
banks = st.sampled_from(["601", "563", "722", "914"])


@given(banks, accounts)
def test_every_made_iban_is_valid(bank: str, account: str) -> None:
    iban = make_iban(bank, account)
    assert Iban.parse(iban.value.lower()).bank_code == bank
    assert iban.masked.endswith(iban.value[-4:])


@given(banks, accounts, st.integers(min_value=4, max_value=19), st.integers(min_value=1, max_value=9))
def test_mod97_catches_any_single_digit_change(bank: str, account: str, position: int, delta: int) -> None:
    iban = make_iban(bank, account).value
    if not iban[position].isdigit():
        return
    changed = iban[:position] + str((int(iban[position]) + delta) % 10) + iban[position + 1 :]
    with pytest.raises(InvalidValue) as refused:
        Iban.parse(changed)
    assert refused.value.code in ("iban.checksum", "iban.format")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("DE89370400440532013000", "iban.country"),
        ("KZ12601", "iban.length"),
        ("KZ00601000000000012З", "iban.format"),
        ("KZ006010000000000123", "iban.checksum"),
        (12345, "iban.format"),
    ],
)
def test_invalid_ibans_are_refused_with_their_reason(raw: object, code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Iban.parse(raw)
    assert refused.value.code == code


@pytest.mark.parametrize("raw", ["+77011234567", "87011234567", "+7 (701) 123-45-67", "77011234567"])
def test_phone_spellings_normalise_to_e164(raw: str) -> None:
    assert PhoneNumber.parse(raw).value == "+77011234567"


@pytest.mark.parametrize("raw", ["+77011234", "+74951234567", "+380501234567", "", None])
def test_non_kazakh_mobile_numbers_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        PhoneNumber.parse(raw)
    assert refused.value.code == "phone.format"

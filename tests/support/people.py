"""Valid synthetic IINs and IBANs for tests."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.banking import make_iban
from chalicelib.domain.identity import make_iin


def iin(born: date, sex: str = "female", serial: int = 1) -> str:
    for s in range(serial, serial + 100):
        made = make_iin(born, sex, s)
        if made is not None:
            return made.value
    raise AssertionError("no valid IIN")


MOTHER = iin(date(1990, 5, 17), "female", 4321)
FATHER = iin(date(1988, 2, 1), "male", 1200)
CHILD = iin(date(2018, 3, 2), "male", 1111)
STRANGER = iin(date(1975, 9, 30), "male", 7777)
CARED = iin(date(1950, 1, 15), "female", 2000)
HALYK_IBAN = make_iban("601", "0000000000123").value
KASPI_IBAN = make_iban("722", "0000000000456").value
KAZPOST_IBAN = make_iban("563", "0000000000789").value


def child_benefit_body(applicant_iin: str = MOTHER, child: str = CHILD, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "service_id": "child-disability-benefit",
        "channel": "portal",
        "applicant": {"iin": applicant_iin, "phone": "+77011234567", "region": "KZ-AKT"},
        "subjects": [{"iin": child, "relation": "child"}],
        "bank_account": {"iban": HALYK_IBAN},
        "language": "kk",
    }
    body.update(overrides)
    return body

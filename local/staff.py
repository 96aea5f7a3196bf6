"""The local stack's staff: an operator per State Corporation office and an official per deciding office, with valid
IINs (employees, in no registry). `python -m local.token --staff` lists them; the README shows the same table.

Office ids: a deciding office is `<office kind>:<region>` (chalicelib/data/services.json: the service's provider's
`office_kind`, the applicant's region), a State Corporation office a branch id such as `gfc-almaty-01`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.domain.identity import make_iin


@dataclass(frozen=True)
class StaffMember:
    role: str
    org: str
    name: str
    iin: str


def _iin(birth: date, sex: str, start: int) -> str:
    for serial in range(start, start + 100):
        made = make_iin(birth, sex, serial)
        if made is not None:
            return made.value
    raise RuntimeError("no valid IIN")


STATE_CORP_OFFICES = ("gfc-almaty-01", "gfc-aktobe-01")
DECIDING_OFFICES = (
    "labour-department:KZ-AKT",
    "social-programmes-department:KZ-AKT",
    "employment-center:KZ-AKT",
    "labour-department:KZ-SHY",
    "social-programmes-department:KZ-SHY",
    "employment-center:KZ-SHY",
)

STAFF: tuple[StaffMember, ...] = (
    StaffMember("operator", "gfc-almaty-01", "Примерова Асель Бекқызы", _iin(date(1987, 3, 14), "female", 9000)),
    StaffMember("operator", "gfc-aktobe-01", "Иванова Анна Борисовна", _iin(date(1985, 6, 2), "female", 9100)),
    *(
        StaffMember("official", office, name, _iin(date(1980, 1 + n, 10), sex, 9200 + 100 * n))
        for n, (office, (name, sex)) in enumerate(
            zip(
                DECIDING_OFFICES,
                (
                    ("Сапаров Ерлан Маратұлы", "male"),
                    ("Нұрланова Динара Асқарқызы", "female"),
                    ("Ким Сергей Викторович", "male"),
                    ("Жумабаев Арман Серикович", "male"),
                    ("Оспанова Гульнара Ерлановна", "female"),
                    ("Ахметов Данияр Болатұлы", "male"),
                ),
                strict=True,
            )
        )
    ),
)


def staff_table() -> str:
    rows = [f"{m.role:<9} {m.org:<38} {m.iin}  {m.name}" for m in STAFF]
    return "\n".join(rows)

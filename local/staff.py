"""The local stack's staff, one list: the people of `local/seed/staff.json` (the development identity provider's
sign-in page lists them; the NCALayer stand-in signs as one of its officials), then an operator or an official for
each other office the walk-throughs use, with valid IINs (employees, in no registry). `python -m local.token --staff`
lists them; the README shows the same table.

Office ids: a deciding office is `<office kind>:<region>` (chalicelib/data/services.json: the service's provider's
`office_kind`, the applicant's region), a State Corporation office a branch id such as `gfc-almaty-01`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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

_GENERATED: tuple[StaffMember, ...] = (
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


SEEDED_STAFF_FILE = Path(__file__).parent / "seed" / "staff.json"


def _seeded() -> tuple[StaffMember, ...]:
    people = json.loads(SEEDED_STAFF_FILE.read_text(encoding="utf-8"))["staff"]
    return tuple(StaffMember(p["role"], p["org"], p["name"], p["iin"]) for p in people)


def _one_list() -> tuple[StaffMember, ...]:
    """The seeded staff first; a generated person only for a (role, office) the seed leaves empty."""
    seeded = _seeded()
    taken = {(m.role, m.org) for m in seeded}
    return seeded + tuple(m for m in _GENERATED if (m.role, m.org) not in taken)


STAFF: tuple[StaffMember, ...] = _one_list()


def staff_table() -> str:
    rows = [f"{m.role:<9} {m.org:<38} {m.iin}  {m.name}" for m in STAFF]
    return "\n".join(rows)

"""Generate the synthetic registry seed the gateway simulator serves (`local/seed/registries.json`).

Run `python -m local.seed.generate` to rewrite the file, `--check` to fail when it is out of date.
The output is deterministic (fixed RNG seed, no clock), so the committed file changes only when this
script does. Every person is invented: IINs are valid by checksum, names are real first names with
surnames that read as test data (Сынақбаев, Тестов, Үлгібекова...), phones are +7700555XXXX.
See README.md beside this file for the format and the scenario list.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.domain.banking import make_iban
from chalicelib.domain.identity import make_iin

RNG_SEED = 20261123
SEED_FILE = Path(__file__).with_name("registries.json")

INCOME_MONTHS: tuple[str, ...] = tuple(f"{y}-{m:02d}" for y in (2025, 2026, 2027) for m in range(1, 13))
"""Every month income series cover, so an application filed on any day of 2026-2027 finds its previous quarter."""

HALYK, KAZPOST, KASPI, CENTERCREDIT, FORTE = "601", "563", "722", "914", "965"

_MALE_NAMES = (
    "Ерлан",
    "Нурлан",
    "Бауыржан",
    "Асхат",
    "Дамир",
    "Арман",
    "Ерболат",
    "Данияр",
    "Алихан",
    "Серик",
    "Марат",
    "Руслан",
    "Тимур",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Игорь",
    "Азамат",
    "Ильяс",
    "Олжас",
)
_FEMALE_NAMES = (
    "Айгерим",
    "Асель",
    "Динара",
    "Жанар",
    "Гульнара",
    "Мадина",
    "Алия",
    "Сауле",
    "Айдана",
    "Жансая",
    "Ольга",
    "Наталья",
    "Елена",
    "Татьяна",
    "Аружан",
    "Камила",
    "Томирис",
    "Лаура",
    "Индира",
    "Карина",
)
_CHILD_MALE = ("Нурислам", "Алинур", "Айсултан", "Ерасыл", "Мирас", "Арсен", "Амир", "Санжар", "Максим", "Артём")
_CHILD_FEMALE = ("Айша", "Амина", "Медина", "Аяла", "Томирис", "Инкар", "Сафия", "Алина", "София", "Дария")
# Surnames that look like real Kazakh or Russian ones but say "test", "sample", "template": clearly synthetic.
_SURNAMES = (
    "Сынақбаев",
    "Үлгібеков",
    "Тестов",
    "Примеров",
    "Шаблонов",
    "Макетов",
    "Сынамов",
    "Деректов",
    "Пробин",
    "Жасандыев",
    "Қалыпбеков",
    "Образцов",
    "Демоев",
    "Синтетов",
    "Модельбаев",
    "Үлгіқұлов",
)

_LOCALITIES: dict[str, tuple[tuple[str, bool], ...]] = {
    "KZ-AKT": (("г. Актобе", False), ("с. Каргалы", True)),
    "KZ-ALA": (("г. Алматы", False),),
    "KZ-ALM": (("г. Конаев", False), ("с. Узынагаш", True)),
    "KZ-AST": (("г. Астана", False),),
    "KZ-KAR": (("г. Караганда", False), ("с. Ботакара", True)),
    "KZ-KZY": (("г. Кызылорда", False), ("с. Жалагаш", True)),
    "KZ-PAV": (("г. Павлодар", False),),
    "KZ-SHY": (("г. Шымкент", False),),
    "KZ-YUZ": (("г. Туркестан", False), ("с. Шаульдер", True)),
    "KZ-ZHA": (("г. Тараз", False), ("с. Мерке", True)),
    "KZ-VOS": (("г. Усть-Каменогорск", False),),
    "KZ-SEV": (("г. Петропавловск", False),),
}


def _patronymic(father_first: str, sex: str) -> str:
    irregular = {"Сергей": "Сергеев", "Андрей": "Андреев", "Дмитрий": "Дмитриев", "Ильяс": "Ильясов"}
    stem = irregular.get(father_first, f"{father_first}ов")
    return f"{stem}ич" if sex == "male" else f"{stem}на"


def _surname(stem: str, sex: str) -> str:
    return stem if sex == "male" else f"{stem}а"


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _monthly(amount: int) -> list[dict[str, Any]]:
    return [{"month": m, "amount": amount} for m in INCOME_MONTHS]


@dataclass
class Person:
    iin: str
    first_name: str
    last_name: str
    middle_name: str | None
    born: date
    sex: str
    records: dict[str, Any] = field(default_factory=dict)


@dataclass
class Household:
    """Where a family lives: every member gets the same address answer unless told otherwise."""

    region: str
    locality: str
    rural: bool
    baikonur: bool = False


class SeedBuilder:
    """Builds people and their registry answers; every method keeps the answers in their registries.json shape."""

    def __init__(self, rng_seed: int = RNG_SEED) -> None:
        self.rng = random.Random(rng_seed)
        self.people: dict[str, Person] = {}
        self.families: list[dict[str, Any]] = []
        self._serial = 4100
        self._account = 0
        self._phone = 0
        self._surnames = list(_SURNAMES)

    # -- people ---------------------------------------------------------------------------------------

    def surname_stem(self) -> str:
        return self.rng.choice(self._surnames)

    def person(
        self,
        born: date,
        sex: str,
        *,
        stem: str,
        first: str | None = None,
        father: str | None = None,
        in_gbdfl: bool = True,
        legal_capacity: str = "full",
        court: dict[str, str] | None = None,
        citizenship: str = "KZ",
        death_date: date | None = None,
    ) -> Person:
        iin = None
        while iin is None:
            self._serial += 1
            iin = make_iin(born, sex, self._serial)
        if first is None:
            adult = born.year < 2008
            pool = (
                (_MALE_NAMES if adult else _CHILD_MALE)
                if sex == "male"
                else (_FEMALE_NAMES if adult else _CHILD_FEMALE)
            )
            first = self.rng.choice(pool)
        if father is None:
            father = self.rng.choice(_MALE_NAMES)
        p = Person(iin.value, first, _surname(stem, sex), _patronymic(father, sex), born, sex)
        if in_gbdfl:
            p.records["gbdfl"] = {
                "iin": p.iin,
                "last_name": p.last_name,
                "first_name": p.first_name,
                "middle_name": p.middle_name,
                "birth_date": born.isoformat(),
                "sex": sex,
                "citizenship": citizenship,
                "legal_capacity": legal_capacity,
                "incapacity_court_decision": court,
                "death_date": death_date.isoformat() if death_date else None,
            }
        self.people[p.iin] = p
        return p

    def unknown_person(self, born: date, sex: str) -> Person:
        """A person with a valid IIN whom no registry knows."""
        return self.person(born, sex, stem="Белгісізов", in_gbdfl=False)

    # -- registry answers -----------------------------------------------------------------------------

    def live(self, p: Person, home: Household, since: date = date(2015, 3, 2)) -> None:
        p.records["address"] = {
            "registered": True,
            "region": home.region,
            "locality": home.locality,
            "rural": home.rural,
            "baikonur": home.baikonur,
            "registered_since": max(since, p.born).isoformat(),
        }

    def phone(self, p: Person, language: str | None = "ru", *, registered: bool = True) -> str:
        self._phone += 1
        number = f"+7700555{self._phone:04d}"
        if registered:
            p.records["mobile"] = {"phone": number, "language": language}
        return number

    def account(self, p: Person, bank_code: str, opened: date = date(2021, 6, 15)) -> str:
        self._account += 1
        iban = make_iban(bank_code, f"{self.rng.randrange(10**6):06d}{self._account:07d}").value
        accounts = p.records.setdefault("bank_accounts", {"accounts": []})["accounts"]
        accounts.append({"iban": iban, "bank_code": bank_code, "owner_iin": p.iin, "opened_on": opened.isoformat()})
        return iban

    def unlisted_iban(self, bank_code: str) -> str:
        """A valid IBAN no registry knows."""
        self._account += 1
        return make_iban(bank_code, f"{self.rng.randrange(10**6):06d}{self._account:07d}").value

    def wages(self, p: Person, amount: int, payer: str) -> None:
        p.records["income_wages"] = {"payments": [dict(x, payer=payer) for x in _monthly(amount)]}
        p.records["employment"] = {"employed": True, "registered_unemployed": False, "employer": payer}

    def unemployed(self, p: Person, registered: bool = True) -> None:
        p.records["employment"] = {"employed": False, "registered_unemployed": registered, "employer": None}

    def benefit(self, p: Person, amount: int, kind: str) -> None:
        payments = p.records.setdefault("income_benefits", {"payments": []})["payments"]
        payments.extend(dict(x, kind=kind) for x in _monthly(amount))
        payments.sort(key=lambda x: (x["month"], x["kind"]))

    def declared(self, p: Person, amount: int, kind: str = "entrepreneurial") -> None:
        p.records["income_tax"] = {"payments": [dict(x, kind=kind) for x in _monthly(amount)]}

    def entrepreneur(self, p: Person, since: date) -> None:
        p.records["entrepreneurs"] = {"registered": True, "since": since.isoformat()}

    def alimony(self, p: Person, amount: int, arrears_3m: int = 0) -> None:
        p.records["alimony"] = {"payments": _monthly(amount), "arrears_3m": arrears_3m}

    def qualification(self, p: Person, level: str, specialty: str | None = None) -> None:
        p.records["qualification"] = {"level": level, "specialty": specialty}

    def owns(self, p: Person, *, dwellings: int = 0, plots: int = 0, vehicles: int = 0) -> None:
        if dwellings:
            p.records["real_estate"] = {"dwellings": dwellings}
        if plots:
            p.records["land"] = {"plots": plots}
        if vehicles:
            p.records["vehicles"] = {"vehicles": vehicles}

    def farm(self, p: Person, quarterly_income: int) -> None:
        p.records["subsidiary_farm"] = {"has_farm": quarterly_income > 0, "quarterly_income": quarterly_income}

    def student(self, p: Person, institution: str, until: date) -> None:
        p.records["education"] = {
            "full_time_student": True,
            "institution": institution,
            "study_until": until.isoformat(),
        }

    def disability(
        self,
        p: Person,
        group: int | None,
        *,
        established: date,
        valid_until: date | None = None,
        needs_care: bool = False,
    ) -> None:
        p.records["disability"] = {
            "group": group,
            "child_disability": _age(p.born, established) < 16,
            "established_on": established.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "needs_care": needs_care,
        }

    def birth(self, child: Person, *parents: Person) -> None:
        """Record a birth in the civil registry: the child lists its parents, each parent lists the child."""
        record = child.records.setdefault("civil_births", {"children": [], "parents": []})
        for parent in parents:
            record["parents"].append({"iin": parent.iin, "relation": "mother" if parent.sex == "female" else "father"})
            mine = parent.records.setdefault("civil_births", {"children": [], "parents": []})
            mine["children"].append({"iin": child.iin, "birth_date": child.born.isoformat()})

    def marry(self, a: Person, b: Person, on: date, *, abroad: bool = False) -> None:
        for me, other in ((a, b), (b, a)):
            me.records["civil_marriages"] = {
                "married": True,
                "spouse_iin": other.iin,
                "registered_on": on.isoformat(),
                "registered_abroad": abroad,
            }

    def adopt(self, parent: Person, child: Person) -> None:
        parent.records.setdefault("adoption", {"adopted_children": [], "adoptive_parents": []})[
            "adopted_children"
        ].append(child.iin)
        child.records.setdefault("adoption", {"adopted_children": [], "adoptive_parents": []})[
            "adoptive_parents"
        ].append(parent.iin)

    def guard(self, guardian: Person, ward: Person) -> None:
        guardian.records.setdefault("guardianship", {"wards": [], "guardians": []})["wards"].append(ward.iin)
        ward.records.setdefault("guardianship", {"wards": [], "guardians": []})["guardians"].append(guardian.iin)

    def die(self, p: Person, on: date) -> None:
        p.records["civil_deaths"] = {"deceased": True, "death_date": on.isoformat()}
        if "gbdfl" in p.records:
            p.records["gbdfl"]["death_date"] = on.isoformat()

    def power_of_attorney(
        self, principal: Person, agent: Person, number: str, *, valid_until: date, revoked: bool = False
    ) -> None:
        poa = {
            "number": number,
            "principal_iin": principal.iin,
            "agent_iin": agent.iin,
            "valid_until": valid_until.isoformat(),
            "revoked": revoked,
        }
        for p in (principal, agent):
            p.records.setdefault("e_notary", {"powers_of_attorney": []})["powers_of_attorney"].append(dict(poa))

    def assigned(self, p: Person, service_id: str, subject: Person | None, since: date) -> None:
        p.records.setdefault("social_payments", {"assignments": []})["assignments"].append(
            {
                "service_id": service_id,
                "subject_iin": subject.iin if subject else None,
                "from": since.isoformat(),
                "to": None,
            }
        )

    def medical_record(self, p: Person, issued: date, *, contraindications: bool = False) -> None:
        p.records["medical_records"] = {
            "forms": [
                {"form": "035/у", "issued_on": issued.isoformat()},
                {"form": "052/у", "issued_on": issued.isoformat()},
            ],
            "contraindications": contraindications,
        }

    def wallet(
        self, owner: Person, kind: str, about: Person, *, number: str, issued: date, issuer: str, data: dict[str, Any]
    ) -> None:
        """A document in the owner's Digital Documents wallet: about the owner or their child, with the data of the
        registry answer it stands in for (chalicelib/data/digital_documents.json)."""
        owner.records.setdefault("digital_documents", {"documents": []})["documents"].append(
            {
                "kind": kind,
                "number": number,
                "issued_on": issued.isoformat(),
                "issuer": issuer,
                "person_iin": about.iin,
                "data": data,
            }
        )

    # -- families -------------------------------------------------------------------------------------

    def family(
        self,
        scenario: str,
        service_id: str,
        description: str,
        applicant: Person,
        members: list[tuple[Person, str]],
        *,
        phone: str | None,
        region: str,
        iban: str | None,
        representative: tuple[Person, str] | None = None,
        language: str | None = None,
    ) -> None:
        entry: dict[str, Any] = {
            "id": f"F{len(self.families) + 1:03d}",
            "scenario": scenario,
            "service_id": service_id,
            "description": description,
            "applicant": applicant.iin,
            "members": [{"iin": p.iin, "relation": relation} for p, relation in members],
            "phone": phone,
            "region": region,
            "iban": iban,
        }
        if representative is not None:
            entry["representative"] = {"iin": representative[0].iin, "power_of_attorney": representative[1]}
        if language is not None:
            entry["language"] = language
        self.families.append(entry)

    def home(self, region: str, *, rural: bool = False) -> Household:
        locality = next((name for name, r in _LOCALITIES[region] if r == rural), _LOCALITIES[region][0][0])
        return Household(region, locality, rural)


# --------------------------------------------------------------------------------------------------------
# Scenarios. The TSA threshold families straddle every poverty line the rules may use: the statutory floor
# (70% of the 2026 PM = 35,596 KZT per capita per month, what parameters.json falls back to) and the
# published median-based lines of about 40,000-45,000. "Just below" sits at 34,000, "just above" at 47,000;
# eligible families at 18,000-33,400.
# --------------------------------------------------------------------------------------------------------

TSA = "targeted-social-assistance"
CARE = "caregiver-allowance"
CHILD = "child-disability-benefit"
SSS = "special-social-services"


@dataclass
class Couple:
    mother: Person
    father: Person
    children: list[Person]


def _couple(
    b: SeedBuilder,
    home: Household,
    mother_born: date,
    father_born: date,
    children: list[tuple[date, str]],
    *,
    married: date | None = date(2012, 8, 18),
) -> Couple:
    stem = b.surname_stem()
    mother = b.person(mother_born, "female", stem=stem)
    father = b.person(father_born, "male", stem=stem)
    kids = [b.person(born, sex, stem=stem, father=father.first_name) for born, sex in children]
    for p in (mother, father, *kids):
        b.live(p, home)
    for kid in kids:
        b.birth(kid, mother, father)
    if married:
        b.marry(mother, father, married)
    b.qualification(mother, "vocational", "медсестра")
    b.qualification(father, "secondary")
    return Couple(mother, father, kids)


def _tsa_members(c: Couple, *, include_father: bool = True) -> list[tuple[Person, str]]:
    members: list[tuple[Person, str]] = [(c.father, "spouse")] if include_father else []
    return members + [(k, "child") for k in c.children]


def _tsa_eligible_3_children(b: SeedBuilder) -> None:
    # Eligible, 5 members, children aged 3, 5 and 11 (two in the 1-6 band), one wage, prior TSA in 2025.
    home = b.home("KZ-AKT")
    c = _couple(
        b,
        home,
        date(1992, 4, 11),
        date(1990, 1, 23),
        [(date(2023, 5, 10), "female"), (date(2021, 2, 20), "male"), (date(2015, 9, 1), "male")],
    )
    b.wages(c.father, 110_000, "ТОО «Синтетик Құрылыс»")
    b.unemployed(c.mother)
    b.owns(c.father, dwellings=1)
    c.mother.records["prior_tsa"] = {
        "assignments": [{"from": "2025-01-01", "to": "2025-12-31", "monthly_amount": 61_500}]
    }
    phone = b.phone(c.mother, "kk")
    b.family(
        "tsa-eligible-3-children",
        TSA,
        "Mother applies; husband earns 110,000/month; 3 children aged about 3, "
        "5 and 11; per-capita income 22,000. Prior TSA in 2025.",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _tsa_eligible_single_mother_kazpost(b: SeedBuilder) -> None:
    # Eligible single mother, children aged 1 and 4, child-care benefit and alimony; Kazpost account.
    home = b.home("KZ-SHY")
    stem = b.surname_stem()
    mother = b.person(date(1996, 7, 3), "female", stem=stem)
    ex = b.person(date(1993, 11, 30), "male", stem=b.surname_stem())
    kids = [
        b.person(date(2025, 1, 15), "male", stem=stem, father=ex.first_name),
        b.person(date(2022, 8, 9), "female", stem=stem, father=ex.first_name),
    ]
    for p in (mother, *kids):
        b.live(p, home)
    for k in kids:
        b.birth(k, mother, ex)
    b.benefit(mother, 30_000, "child_benefit")
    b.alimony(mother, 25_000)
    b.unemployed(mother)
    b.qualification(mother, "secondary")
    phone = b.phone(mother, "ru")
    b.family(
        "tsa-eligible-single-mother-kazpost",
        TSA,
        "Single mother with children aged about 1 and 4; child-care "
        "benefit 30,000 and alimony 25,000; per-capita income 18,333; account at Kazpost (563).",
        mother,
        [(k, "child") for k in kids],
        phone=phone,
        region=home.region,
        iban=b.account(mother, KAZPOST),
    )


def _tsa_eligible_student_dependant(b: SeedBuilder) -> None:
    # Eligible with a full-time student aged 20 and a scholarship.
    home = b.home("KZ-KAR")
    c = _couple(
        b, home, date(1978, 2, 14), date(1976, 6, 5), [(date(2006, 4, 2), "female"), (date(2013, 10, 19), "male")]
    )
    b.wages(c.father, 95_000, "ГКП «Теплотранзит-тест»")
    b.unemployed(c.mother)
    b.student(c.children[0], "Карагандинский университет (синтетический)", date(2028, 6, 30))
    b.benefit(c.children[0], 25_000, "scholarship")
    b.qualification(c.children[0], "secondary")
    phone = b.phone(c.father, "ru")
    b.family(
        "tsa-eligible-student-dependant",
        TSA,
        "Father applies; a daughter aged 20 studies full time (scholarship "
        "25,000) and a son aged 13; wages 95,000; per-capita income 30,000.",
        c.father,
        [(c.mother, "spouse"), (c.children[0], "child"), (c.children[1], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _tsa_eligible_several_incomes(b: SeedBuilder) -> None:
    # Eligible rural family with several incomes: entrepreneur, wages, farm, grandmother's pension.
    home = b.home("KZ-YUZ", rural=True)
    c = _couple(
        b,
        home,
        date(1988, 3, 8),
        date(1985, 12, 1),
        [(date(2020, 6, 1), "male"), (date(2017, 1, 27), "female"), (date(2012, 5, 16), "female")],
    )
    granny = b.person(date(1958, 9, 9), "female", stem=c.father.last_name, father="Серик")
    b.live(granny, home)
    b.birth(c.father, granny)
    b.entrepreneur(c.father, date(2022, 4, 1))
    b.declared(c.father, 35_000)
    b.wages(c.mother, 40_000, "КГУ «Шаульдерская школа-тест»")
    b.benefit(granny, 65_000, "pension")
    b.farm(c.father, 45_000)
    b.owns(c.father, dwellings=1, plots=1, vehicles=1)
    phone = b.phone(c.father, "kk")
    b.family(
        "tsa-eligible-several-incomes",
        TSA,
        "Rural, 6 members: entrepreneur 35,000, wages 40,000, subsidiary "
        "farm 45,000 a quarter, grandmother's pension 65,000; per-capita income 25,833.",
        c.father,
        [(c.mother, "spouse"), (granny, "parent"), *[(k, "child") for k in c.children]],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _tsa_eligible_5_children_rural(b: SeedBuilder) -> None:
    # Eligible large rural family with five children and a farm.
    home = b.home("KZ-ZHA", rural=True)
    c = _couple(
        b,
        home,
        date(1987, 10, 2),
        date(1984, 7, 7),
        [
            (date(2024, 12, 5), "female"),
            (date(2022, 3, 3), "male"),
            (date(2019, 11, 11), "female"),
            (date(2016, 8, 20), "male"),
            (date(2011, 2, 2), "male"),
        ],
    )
    b.wages(c.father, 130_000, "ТОО «Мерке Агро-тест»")
    b.benefit(c.mother, 48_000, "child_benefit")
    b.farm(c.mother, 30_000)
    b.owns(c.father, dwellings=1, plots=1)
    phone = b.phone(c.mother, "kk")
    b.family(
        "tsa-eligible-5-children-rural",
        TSA,
        "Rural, 7 members, children aged about 1 to 15; wages 130,000, "
        "large-family benefit 48,000, farm 30,000 a quarter; per-capita income 26,857.",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, KAZPOST),
    )


def _tsa_eligible_guardian_grandmother(b: SeedBuilder) -> None:
    # Eligible grandmother raising two orphaned grandchildren under guardianship (their mother died).
    home = b.home("KZ-PAV")
    stem = b.surname_stem()
    granny = b.person(date(1968, 1, 19), "female", stem=stem)
    daughter = b.person(date(1991, 5, 5), "female", stem=stem)
    b.die(daughter, date(2024, 10, 12))
    b.birth(daughter, granny)
    kids = [b.person(date(2018, 4, 4), "male", stem=stem), b.person(date(2021, 9, 29), "female", stem=stem)]
    for k in kids:
        b.live(k, home)
        b.birth(k, daughter)
        b.guard(granny, k)
        b.benefit(k, 20_000, "survivor_benefit")
    b.live(granny, home)
    b.wages(granny, 60_000, "ТОО «Клининг-Павлодар-тест»")
    phone = b.phone(granny, "ru")
    b.family(
        "tsa-eligible-guardian-grandmother",
        TSA,
        "Grandmother, guardian of two grandchildren aged about 5 and 8 "
        "whose mother died; wages 60,000 and two survivor benefits of 20,000; per-capita income 33,333.",
        granny,
        [(k, "ward") for k in kids],
        phone=phone,
        region=home.region,
        iban=b.account(granny, HALYK),
    )


def _tsa_eligible_kandas(b: SeedBuilder) -> None:
    # Eligible kandas family.
    home = b.home("KZ-ALM", rural=True)
    c = _couple(
        b, home, date(1990, 12, 12), date(1989, 3, 30), [(date(2019, 7, 7), "male"), (date(2023, 1, 1), "female")]
    )
    for p in (c.mother, c.father, c.children[0]):
        p.records["migration"] = {"status": "kandas", "since": "2024-06-14"}
    b.wages(c.father, 90_000, "ТОО «Узынагаш Жылыжай-тест»")
    b.farm(c.father, 0)
    phone = b.phone(c.father, "kk")
    b.family(
        "tsa-eligible-kandas",
        TSA,
        "Kandas family (status since 2024-06-14), 4 members, wages 90,000; per-capita "
        "income 22,500; household book says no farm.",
        c.father,
        [(c.mother, "spouse"), *[(k, "child") for k in c.children]],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _tsa_eligible_refugee(b: SeedBuilder) -> None:
    # Eligible refugee family.
    home = b.home("KZ-ALA")
    c = _couple(b, home, date(1993, 6, 6), date(1991, 8, 8), [(date(2021, 10, 10), "female")])
    for p in (c.mother, c.father, c.children[0]):
        p.records["migration"] = {"status": "refugee", "since": "2023-02-01"}
        p.records["gbdfl"]["citizenship"] = "AF"
    b.wages(c.father, 75_000, "ТОО «Алматы Логистик-тест»")
    phone = b.phone(c.father, "ru")
    b.family(
        "tsa-eligible-refugee",
        TSA,
        "Refugee family of 3 (status since 2023-02-01), wages 75,000; per-capita income 25,000.",
        c.father,
        [(c.mother, "spouse"), (c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _tsa_eligible_adopted_child(b: SeedBuilder) -> None:
    # Eligible with an adopted child.
    home = b.home("KZ-AST")
    c = _couple(b, home, date(1985, 2, 2), date(1983, 4, 4), [(date(2016, 12, 12), "female")])
    adopted = b.person(date(2022, 2, 22), "male", stem=c.father.last_name, father=c.father.first_name)
    b.live(adopted, home)
    b.birth(adopted, b.person(date(2001, 1, 31), "female", stem=b.surname_stem()))
    b.adopt(c.mother, adopted)
    b.adopt(c.father, adopted)
    b.wages(c.mother, 100_000, "ГККП «Ясли-сад Балапан-тест»")
    b.unemployed(c.father, registered=True)
    phone = b.phone(c.mother, "ru")
    b.family(
        "tsa-eligible-adopted-child",
        TSA,
        "4 members, an adopted son aged about 4 and a daughter aged about 10; wages 100,000; per-capita income 25,000.",
        c.mother,
        [(c.father, "spouse"), (c.children[0], "child"), (adopted, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _tsa_families_9(b: SeedBuilder) -> None:
    # Income just below and just above the poverty line (same region, 4 members each).
    for slug, husband, wife, per_capita in (
        ("tsa-income-just-below-line", 96_000, 40_000, 34_000),
        ("tsa-income-just-above-line", 138_000, 50_000, 47_000),
    ):
        home = b.home("KZ-AKT")
        c = _couple(
            b, home, date(1989, 9, 19), date(1987, 5, 25), [(date(2014, 3, 3), "male"), (date(2018, 6, 6), "female")]
        )
        b.wages(c.father, husband, "АО «Актобе Энерго-тест»")
        b.wages(c.mother, wife, "ИП «Тестова»")
        phone = b.phone(c.mother, "ru")
        b.family(
            slug,
            TSA,
            f"4 members, wages {husband:,} and {wife:,}; per-capita income {per_capita:,} against a poverty "
            "line of 35,596 (70% of the 2026 PM) to about 45,000 (published lines).",
            c.mother,
            _tsa_members(c),
            phone=phone,
            region=home.region,
            iban=b.account(c.mother, HALYK),
        )


def _tsa_iban_bank_not_allowed(b: SeedBuilder) -> None:
    # IBAN at a bank outside the TSA pilot (Kaspi 722).
    home = b.home("KZ-KAR")
    c = _couple(b, home, date(1995, 1, 10), date(1994, 2, 11), [(date(2020, 2, 2), "female")])
    b.wages(c.father, 70_000, "ТОО «Шахтёр-тест»")
    phone = b.phone(c.mother, "ru")
    b.family(
        "tsa-iban-bank-not-allowed",
        TSA,
        "Otherwise eligible family of 3; the IBAN is at Kaspi Bank (722), not Kazpost or Halyk.",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, KASPI),
    )


def _tsa_iban_owned_by_someone_else(b: SeedBuilder) -> None:
    # IBAN owned by the husband, not by the applicant.
    home = b.home("KZ-VOS")
    c = _couple(b, home, date(1990, 10, 1), date(1988, 11, 2), [(date(2019, 3, 3), "male"), (date(2022, 4, 4), "male")])
    b.wages(c.father, 80_000, "ТОО «Ульба-тест»")
    b.account(c.mother, KASPI)
    phone = b.phone(c.mother, "ru")
    b.family(
        "tsa-iban-owned-by-someone-else",
        TSA,
        "Otherwise eligible family of 4; the Halyk IBAN given belongs to "
        "the husband; the applicant's own account is at Kaspi.",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _tsa_bank_account_not_found(b: SeedBuilder) -> None:
    # No bank account record at all for the applicant.
    home = b.home("KZ-SEV")
    c = _couple(b, home, date(1986, 6, 16), date(1984, 4, 14), [(date(2017, 7, 17), "female")])
    b.wages(c.father, 60_000, "ТОО «Петропавл Нан-тест»")
    phone = b.phone(c.mother, "ru")
    b.family(
        "tsa-bank-account-not-found",
        TSA,
        "Otherwise eligible family of 3; the bank account registry has no "
        "record of the applicant (ask for a bank certificate).",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.unlisted_iban(HALYK),
    )


def _tsa_no_residence_registration(b: SeedBuilder) -> None:
    # No residence registration for the applicant (address not_found: written request to the akim).
    home = b.home("KZ-ALA")
    stem = b.surname_stem()
    mother = b.person(date(1997, 2, 27), "female", stem=stem)
    kid = b.person(date(2023, 11, 3), "male", stem=stem)
    b.live(kid, home)
    b.birth(kid, mother)
    b.benefit(mother, 32_000, "child_benefit")
    b.unemployed(mother)
    phone = b.phone(mother, "ru")
    b.family(
        "tsa-no-residence-registration",
        TSA,
        "Mother and a child aged about 3; child-care benefit 32,000; the "
        "applicant has no residence registration (address not_found).",
        mother,
        [(kid, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(mother, KAZPOST),
    )


def _tsa_child_born_abroad(b: SeedBuilder) -> None:
    # A child's birth is not in the civil registry (born abroad): ask for the birth certificate.
    home = b.home("KZ-SHY")
    c = _couple(b, home, date(1991, 1, 1), date(1990, 2, 2), [(date(2018, 3, 3), "female")])
    abroad = b.person(date(2024, 6, 1), "male", stem=c.father.last_name, father=c.father.first_name)
    b.live(abroad, home)
    b.wages(c.father, 85_000, "ТОО «Шымкент Текстиль-тест»")
    phone = b.phone(c.mother, "kk")
    b.family(
        "tsa-child-born-abroad",
        TSA,
        "Family of 4; the youngest child was born abroad and is not in the births "
        "registry (ask for the birth certificate); per-capita income 21,250.",
        c.mother,
        [*_tsa_members(c), (abroad, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _tsa_member_not_in_gbdfl(b: SeedBuilder) -> None:
    # A family member is missing from the State Database of Individuals.
    home = b.home("KZ-KZY")
    c = _couple(b, home, date(1994, 4, 24), date(1992, 2, 12), [(date(2020, 10, 20), "male")])
    ghost = b.person(date(2025, 9, 9), "female", stem=c.father.last_name, in_gbdfl=False)
    b.live(ghost, home)
    b.birth(ghost, c.mother, c.father)
    b.wages(c.father, 72_000, "ТОО «Кызылорда Мунай-тест»")
    phone = b.phone(c.mother, "kk")
    b.family(
        "tsa-member-not-in-gbdfl",
        TSA,
        "Family of 4; the newborn daughter has no record in the State Database "
        "of Individuals (ask for an identity document).",
        c.mother,
        [*_tsa_members(c), (ghost, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _tsa_farm_record_missing(b: SeedBuilder) -> None:
    # The household book of the rural akim has no record (written request, 30-day term).
    home = b.home("KZ-KAR", rural=True)
    c = _couple(
        b, home, date(1983, 3, 13), date(1982, 12, 2), [(date(2015, 5, 5), "male"), (date(2019, 9, 9), "female")]
    )
    b.wages(c.father, 88_000, "КГУ «Ботакаринский акимат-тест»")
    phone = b.phone(c.father, "ru")
    b.family(
        "tsa-farm-record-missing",
        TSA,
        "Rural family of 4; the household book has no record of the family "
        "(written request to the akim: 30 calendar days); per-capita income 22,000.",
        c.father,
        [(c.mother, "spouse"), *[(k, "child") for k in c.children]],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _tsa_member_in_custody(b: SeedBuilder) -> None:
    # The husband is serving a sentence: not counted in the family.
    home = b.home("KZ-PAV")
    c = _couple(
        b, home, date(1990, 7, 7), date(1987, 8, 8), [(date(2016, 6, 6), "female"), (date(2021, 1, 21), "male")]
    )
    c.father.records["imprisonment"] = {"in_custody": True, "since": "2025-03-04"}
    b.wages(c.mother, 70_000, "ТОО «Павлодар Сервис-тест»")
    phone = b.phone(c.mother, "ru")
    b.family(
        "tsa-member-in-custody",
        TSA,
        "Mother, 2 children and a husband serving a sentence since 2025-03-04 (not "
        "counted); wages 70,000; per-capita income 23,333 over 3.",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _tsa_member_compulsory_treatment(b: SeedBuilder) -> None:
    # An adult son under compulsory treatment: not counted in the family.
    home = b.home("KZ-ZHA")
    stem = b.surname_stem()
    mother = b.person(date(1970, 11, 11), "female", stem=stem)
    son = b.person(date(2000, 1, 5), "male", stem=stem)
    teen = b.person(date(2011, 4, 4), "female", stem=stem)
    for p in (mother, son, teen):
        b.live(p, home)
    b.birth(son, mother)
    b.birth(teen, mother)
    son.records["compulsory_treatment"] = {"under_treatment": True, "since": "2026-01-15"}
    b.wages(mother, 65_000, "КГП «Таразская больница-тест»")
    phone = b.phone(mother, "ru")
    b.family(
        "tsa-member-compulsory-treatment",
        TSA,
        "Mother, a daughter aged about 15 and an adult son under compulsory "
        "treatment since 2026-01-15 (not counted); wages 65,000.",
        mother,
        [(son, "child"), (teen, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(mother, HALYK),
    )


def _tsa_owns_property(b: SeedBuilder) -> None:
    # Owns more than one dwelling and a vehicle, with a low declared income (assets test).
    home = b.home("KZ-AST")
    c = _couple(b, home, date(1980, 8, 1), date(1979, 9, 2), [(date(2012, 12, 1), "male")])
    b.wages(c.father, 90_000, "ТОО «Астана Такси-тест»")
    b.owns(c.father, dwellings=2, vehicles=2)
    b.owns(c.mother, dwellings=1, plots=1)
    phone = b.phone(c.father, "ru")
    b.family(
        "tsa-owns-property",
        TSA,
        "Family of 3 with wages 90,000 (per-capita 30,000) that owns 3 dwellings, 2 vehicles and a plot (assets test).",
        c.father,
        [(c.mother, "spouse"), (c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _unknown_person(b: SeedBuilder) -> None:
    # Nobody knows this person.
    nobody = b.unknown_person(date(1985, 5, 15), "male")
    b.family(
        "unknown-person",
        TSA,
        "An applicant with a valid IIN found in no registry at all.",
        nobody,
        [],
        phone="+77005559999",
        region="KZ-ALA",
        iban=b.unlisted_iban(HALYK),
    )


TSA_FAMILIES: tuple[Callable[[SeedBuilder], None], ...] = (
    _tsa_eligible_3_children,
    _tsa_eligible_single_mother_kazpost,
    _tsa_eligible_student_dependant,
    _tsa_eligible_several_incomes,
    _tsa_eligible_5_children_rural,
    _tsa_eligible_guardian_grandmother,
    _tsa_eligible_kandas,
    _tsa_eligible_refugee,
    _tsa_eligible_adopted_child,
    _tsa_families_9,
    _tsa_iban_bank_not_allowed,
    _tsa_iban_owned_by_someone_else,
    _tsa_bank_account_not_found,
    _tsa_no_residence_registration,
    _tsa_child_born_abroad,
    _tsa_member_not_in_gbdfl,
    _tsa_farm_record_missing,
    _tsa_member_in_custody,
    _tsa_member_compulsory_treatment,
    _tsa_owns_property,
    _unknown_person,
)
"""One small builder per scenario (or per group of scenarios sharing people), in the order they are built:
the order fixes the random draws, so a builder is added at the end, never in between."""


def tsa_families(b: SeedBuilder) -> None:
    for build in TSA_FAMILIES:
        build(b)


def _carer_pair(
    b: SeedBuilder,
    home: Household,
    carer: tuple[date, str],
    cared: tuple[date, str],
    *,
    group: int | None = 1,
    needs_care: bool = True,
) -> tuple[Person, Person]:
    """A carer and the person cared for (born, sex each), living together; the cared person has `group` disability."""
    stem = b.surname_stem()
    carer_p = b.person(*carer, stem=stem)
    cared_p = b.person(*cared, stem=stem)
    for p in (carer_p, cared_p):
        b.live(p, home)
    if group is not None:
        b.disability(cared_p, group, established=date(2024, 2, 12), needs_care=needs_care)
    return carer_p, cared_p


def _caregiver_eligible(b: SeedBuilder) -> None:
    home = b.home("KZ-AKT")
    carer, cared = _carer_pair(b, home, (date(1974, 3, 3), "female"), (date(1999, 9, 9), "male"))
    b.birth(cared, carer)
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-eligible",
        CARE,
        "Mother cares for her son with first-group disability (needs care); Kaspi account; no other allowance.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, KASPI),
    )


def _caregiver_eligible_representative(b: SeedBuilder) -> None:
    home = b.home("KZ-ALA")
    carer, cared = _carer_pair(b, home, (date(1981, 1, 31), "female"), (date(1948, 4, 18), "male"))
    b.birth(carer, cared)
    agent = b.person(date(1979, 2, 2), "male", stem=b.surname_stem())
    b.live(agent, home)
    b.power_of_attorney(carer, agent, "ЕНИС-2026-000781", valid_until=date(2028, 12, 31))
    phone = b.phone(carer, "ru")
    b.phone(agent, "ru")
    b.family(
        "caregiver-eligible-representative",
        CARE,
        "Daughter cares for her father (group 1); her husband files "
        "under a notarised power of attorney found in e-notary.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
        representative=(agent, "ЕНИС-2026-000781"),
    )


def _caregiver_representative_no_power_of_attorney(b: SeedBuilder) -> None:
    home = b.home("KZ-ALA")
    carer, cared = _carer_pair(b, home, (date(1982, 5, 5), "male"), (date(1955, 6, 6), "female"))
    agent = b.person(date(1990, 3, 3), "female", stem=b.surname_stem())
    b.live(agent, home)
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-representative-no-power-of-attorney",
        CARE,
        "A representative files, but e-notary has no power of attorney for them: "
        "the filing is refused (representative.power_of_attorney_not_confirmed).",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
        representative=(agent, "ЕНИС-2025-004410"),
    )


def _caregiver_representative_power_revoked(b: SeedBuilder) -> None:
    home = b.home("KZ-KAR")
    carer, cared = _carer_pair(b, home, (date(1985, 8, 8), "female"), (date(1960, 1, 1), "female"))
    agent = b.person(date(1987, 7, 7), "male", stem=b.surname_stem())
    b.live(agent, home)
    b.power_of_attorney(carer, agent, "ЕНИС-2024-019302", valid_until=date(2027, 6, 30), revoked=True)
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-representative-power-revoked",
        CARE,
        "The representative's power of attorney is in e-notary but revoked.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
        representative=(agent, "ЕНИС-2024-019302"),
    )


def _caregiver_subject_not_group_1(b: SeedBuilder) -> None:
    home = b.home("KZ-SHY")
    carer, cared = _carer_pair(
        b, home, (date(1979, 9, 9), "female"), (date(2001, 1, 10), "male"), group=2, needs_care=False
    )
    phone = b.phone(carer, "kk")
    b.family(
        "caregiver-subject-not-group-1",
        CARE,
        "The cared person has second-group disability: refusal.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
    )


def _caregiver_carer_incapable(b: SeedBuilder) -> None:
    home = b.home("KZ-PAV")
    stem = b.surname_stem()
    carer = b.person(
        date(1970, 10, 10),
        "male",
        stem=stem,
        legal_capacity="incapable",
        court={"date": "2024-05-17", "court": "Павлодарский городской суд (синтетический)"},
    )
    cared = b.person(date(1996, 12, 12), "female", stem=stem)
    for p in (carer, cared):
        b.live(p, home)
    b.disability(cared, 1, established=date(2023, 11, 1), needs_care=True)
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-carer-incapable",
        CARE,
        "The carer was declared legally incapable by a court: refusal.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
    )


def _caregiver_carer_mental_health_registered(b: SeedBuilder) -> None:
    home = b.home("KZ-VOS")
    carer, cared = _carer_pair(b, home, (date(1977, 7, 17), "male"), (date(1950, 5, 5), "male"))
    carer.records["mental_health"] = {"registered": True}
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-carer-mental-health-registered",
        CARE,
        "The carer is registered at a mental-health centre: refusal.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
    )


def _caregiver_already_assigned(b: SeedBuilder) -> None:
    home = b.home("KZ-AST")
    carer, cared = _carer_pair(b, home, (date(1969, 6, 26), "female"), (date(1994, 4, 4), "female"))
    b.birth(cared, carer)
    b.assigned(carer, CARE, cared, date(2025, 4, 1))
    phone = b.phone(carer, "kk")
    b.family(
        "caregiver-already-assigned",
        CARE,
        "The carer already receives the caregiver allowance for this person "
        "since 2025-04-01: refusal (no second allowance).",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
    )


def _caregiver_baikonur_resident(b: SeedBuilder) -> None:
    baikonur = Household("KZ-KZY", "г. Байконыр", rural=False, baikonur=True)
    carer, cared = _carer_pair(b, baikonur, (date(1972, 2, 29), "female"), (date(1947, 11, 7), "female"))
    carer.records["baikonur_housing"] = {"resides": True, "certificate_no": "БЖО-2026-00417"}
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-baikonur-resident",
        CARE,
        "Baikonur resident; the housing department certificate is found.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=baikonur.region,
        iban=b.account(carer, HALYK),
    )

    carer, cared = _carer_pair(b, baikonur, (date(1980, 12, 31), "male"), (date(1952, 3, 8), "male"))
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-baikonur-no-certificate",
        CARE,
        "Baikonur resident with no housing department record (ask for the certificate).",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=baikonur.region,
        iban=b.account(carer, HALYK),
    )


def _caregiver_subject_disability_not_found(b: SeedBuilder) -> None:
    home = b.home("KZ-ZHA")
    carer, cared = _carer_pair(b, home, (date(1975, 5, 25), "female"), (date(1945, 5, 9), "male"), group=None)
    phone = b.phone(carer, "kk")
    b.family(
        "caregiver-subject-disability-not-found",
        CARE,
        "The cared person has no record in the disability database (written request; 30 calendar days).",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, FORTE),
    )


def _caregiver_no_residence_registration(b: SeedBuilder) -> None:
    home = b.home("KZ-ALM")
    carer, cared = _carer_pair(b, home, (date(1984, 4, 4), "female"), (date(2003, 3, 3), "female"))
    del carer.records["address"]
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-no-residence-registration",
        CARE,
        "The carer has no residence registration (address not_found: written request; 30 calendar days).",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
    )


def _caregiver_cared_person_not_in_gbdfl(b: SeedBuilder) -> None:
    home = b.home("KZ-AKT")
    stem = b.surname_stem()
    carer = b.person(date(1988, 8, 28), "male", stem=stem)
    cared = b.person(date(1961, 6, 16), "male", stem=stem, in_gbdfl=False)
    for p in (carer, cared):
        b.live(p, home)
    b.disability(cared, 1, established=date(2025, 2, 2), needs_care=True)
    phone = b.phone(carer, "kk")
    b.family(
        "caregiver-cared-person-not-in-gbdfl",
        CARE,
        "The cared person has no record in the State Database of Individuals (ask for an identity document).",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.account(carer, HALYK),
    )


def _caregiver_bank_account_not_found(b: SeedBuilder) -> None:
    home = b.home("KZ-SEV")
    carer, cared = _carer_pair(b, home, (date(1976, 1, 6), "female"), (date(1998, 8, 8), "female"))
    phone = b.phone(carer, "ru")
    b.family(
        "caregiver-bank-account-not-found",
        CARE,
        "The bank account registry has no record of the carer (ask for a bank certificate).",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=b.unlisted_iban(CENTERCREDIT),
    )


CAREGIVER_FAMILIES: tuple[Callable[[SeedBuilder], None], ...] = (
    _caregiver_eligible,
    _caregiver_eligible_representative,
    _caregiver_representative_no_power_of_attorney,
    _caregiver_representative_power_revoked,
    _caregiver_subject_not_group_1,
    _caregiver_carer_incapable,
    _caregiver_carer_mental_health_registered,
    _caregiver_already_assigned,
    _caregiver_baikonur_resident,
    _caregiver_subject_disability_not_found,
    _caregiver_no_residence_registration,
    _caregiver_cared_person_not_in_gbdfl,
    _caregiver_bank_account_not_found,
)
"""One small builder per scenario (or per group of scenarios sharing people), in the order they are built:
the order fixes the random draws, so a builder is added at the end, never in between."""


def caregiver_families(b: SeedBuilder) -> None:
    for build in CAREGIVER_FAMILIES:
        build(b)


def _child_family(
    b: SeedBuilder,
    home: Household,
    child_born: date,
    *,
    marriage_abroad: bool = False,
    in_births: bool = True,
    disability: bool = True,
) -> Couple:
    c = _couple(b, home, date(1990, 3, 21), date(1988, 9, 1), [], married=None)
    child = b.person(child_born, b.rng.choice(("male", "female")), stem=c.father.last_name, father=c.father.first_name)
    b.live(child, home)
    if in_births:
        b.birth(child, c.mother, c.father)
    b.marry(c.mother, c.father, date(2014, 9, 6), abroad=marriage_abroad)
    if disability:
        b.disability(child, None, established=date(2026, 10, 28), valid_until=date(2028, 10, 31), needs_care=True)
    c.children.append(child)
    return c


def _child_disability_families_0(b: SeedBuilder) -> None:
    for language, region in (("kk", "KZ-KZY"), ("ru", "KZ-SEV")):
        home = b.home(region)
        c = _child_family(b, home, date(2019, 2, 13))
        phone = b.phone(c.mother, language)
        b.phone(c.father, language)
        b.family(
            f"child-disability-proactive-{language}",
            CHILD,
            f"Child aged about 7, disability established "
            f"2026-10-28; both parents have registered phones (language {language}): proactive path.",
            c.mother,
            [(c.children[0], "child")],
            phone=phone,
            region=home.region,
            iban=b.account(c.mother, HALYK),
            language=language,
        )


def _child_disability_eligible_father(b: SeedBuilder) -> None:
    home = b.home("KZ-AKT")
    c = _child_family(b, home, date(2020, 5, 4))
    phone = b.phone(c.father, "ru")
    b.phone(c.mother, "ru")
    b.family(
        "child-disability-eligible-father",
        CHILD,
        "The father applies on the portal for his child aged about 6.",
        c.father,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, KASPI),
    )


def _child_disability_eligible_adoptive_parent(b: SeedBuilder) -> None:
    home = b.home("KZ-AST")
    stem = b.surname_stem()
    parent = b.person(date(1983, 1, 1), "female", stem=stem)
    child = b.person(date(2017, 7, 1), "male", stem=stem)
    for p in (parent, child):
        b.live(p, home)
    birth_mother = b.person(date(1999, 9, 19), "female", stem=b.surname_stem())
    b.birth(child, birth_mother)
    b.adopt(parent, child)
    b.disability(child, None, established=date(2025, 12, 1), valid_until=date(2027, 12, 31), needs_care=True)
    phone = b.phone(parent, "ru")
    b.family(
        "child-disability-eligible-adoptive-parent",
        CHILD,
        "An adoptive mother applies; the births registry names the birth mother, the adoption registry her.",
        parent,
        [(child, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(parent, HALYK),
    )


def _child_disability_eligible_guardian(b: SeedBuilder) -> None:
    home = b.home("KZ-ALM")
    stem = b.surname_stem()
    aunt = b.person(date(1986, 6, 6), "female", stem=stem)
    child = b.person(date(2015, 5, 15), "female", stem=stem)
    for p in (aunt, child):
        b.live(p, home)
    sister = b.person(date(1989, 12, 1), "female", stem=stem)
    b.die(sister, date(2023, 4, 14))
    b.birth(child, sister)
    b.guard(aunt, child)
    b.disability(child, None, established=date(2026, 3, 3), valid_until=None, needs_care=False)
    phone = b.phone(aunt, "kk")
    b.family(
        "child-disability-eligible-guardian",
        CHILD,
        "The child's aunt, her guardian, applies; the child's mother died in 2023.",
        aunt,
        [(child, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(aunt, KAZPOST),
    )


def _child_disability_applicant_not_parent(b: SeedBuilder) -> None:
    home = b.home("KZ-KAR")
    c = _child_family(b, home, date(2018, 8, 8))
    uncle = b.person(date(1980, 10, 10), "male", stem=c.father.last_name)
    b.live(uncle, home)
    phone = b.phone(uncle, "ru")
    b.family(
        "child-disability-applicant-not-parent",
        CHILD,
        "The child's uncle applies: neither parent, adoptive parent nor guardian (refusal).",
        uncle,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(uncle, HALYK),
    )


def _child_disability_marriage_abroad(b: SeedBuilder) -> None:
    home = b.home("KZ-SHY")
    c = _child_family(b, home, date(2016, 4, 4), marriage_abroad=True)
    phone = b.phone(c.father, "kk")
    b.family(
        "child-disability-marriage-abroad",
        CHILD,
        "The father applies; the parents' marriage was registered abroad (ask for the marriage certificate).",
        c.father,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.father, HALYK),
    )


def _child_disability_born_abroad(b: SeedBuilder) -> None:
    home = b.home("KZ-ZHA")
    c = _child_family(b, home, date(2021, 1, 11), in_births=False)
    phone = b.phone(c.mother, "ru")
    b.family(
        "child-disability-born-abroad",
        CHILD,
        "The child was born abroad: no births record (ask for the birth certificate).",
        c.mother,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _child_disability_already_assigned(b: SeedBuilder) -> None:
    home = b.home("KZ-PAV")
    c = _child_family(b, home, date(2014, 2, 2))
    b.assigned(c.mother, CHILD, c.children[0], date(2024, 3, 1))
    phone = b.phone(c.mother, "ru")
    b.family(
        "child-disability-already-assigned",
        CHILD,
        "The benefit is already assigned for this child since 2024-03-01 (refusal).",
        c.mother,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _child_disability_no_mobile(b: SeedBuilder) -> None:
    home = b.home("KZ-VOS")
    c = _child_family(b, home, date(2022, 12, 12))
    phone = b.phone(c.mother, None, registered=False)
    b.family(
        "child-disability-no-mobile",
        CHILD,
        "The mother has no phone in the mobile citizens database: no proactive offer; she applies on the portal.",
        c.mother,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _child_disability_disability_not_found(b: SeedBuilder) -> None:
    home = b.home("KZ-AKT", rural=True)
    c = _child_family(b, home, date(2019, 9, 19), disability=False)
    phone = b.phone(c.mother, "kk")
    b.family(
        "child-disability-disability-not-found",
        CHILD,
        "The child's disability is not (yet) in the central database (written request).",
        c.mother,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def _child_disability_bank_account_not_found(b: SeedBuilder) -> None:
    home = b.home("KZ-KAR")
    c = _child_family(b, home, date(2020, 11, 30))
    phone = b.phone(c.mother, "ru")
    b.family(
        "child-disability-bank-account-not-found",
        CHILD,
        "The bank account registry has no record of the mother (ask for a bank certificate).",
        c.mother,
        [(c.children[0], "child")],
        phone=phone,
        region=home.region,
        iban=b.unlisted_iban(KASPI),
    )


def _child_disability_child_not_in_gbdfl(b: SeedBuilder) -> None:
    home = b.home("KZ-ALA")
    stem = b.surname_stem()
    mother = b.person(date(1993, 3, 13), "female", stem=stem)
    child = b.person(date(2023, 7, 7), "female", stem=stem, in_gbdfl=False)
    for p in (mother, child):
        b.live(p, home)
    b.birth(child, mother)
    b.disability(child, None, established=date(2026, 9, 1), valid_until=date(2028, 9, 30), needs_care=True)
    phone = b.phone(mother, "kk")
    b.family(
        "child-disability-child-not-in-gbdfl",
        CHILD,
        "The child aged about 3 has no record in the State Database of Individuals (ask for an identity document).",
        mother,
        [(child, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(mother, HALYK),
        language="kk",
    )


CHILD_DISABILITY_FAMILIES: tuple[Callable[[SeedBuilder], None], ...] = (
    _child_disability_families_0,
    _child_disability_eligible_father,
    _child_disability_eligible_adoptive_parent,
    _child_disability_eligible_guardian,
    _child_disability_applicant_not_parent,
    _child_disability_marriage_abroad,
    _child_disability_born_abroad,
    _child_disability_already_assigned,
    _child_disability_no_mobile,
    _child_disability_disability_not_found,
    _child_disability_bank_account_not_found,
    _child_disability_child_not_in_gbdfl,
)
"""One small builder per scenario (or per group of scenarios sharing people), in the order they are built:
the order fixes the random draws, so a builder is added at the end, never in between."""


def child_disability_families(b: SeedBuilder) -> None:
    for build in CHILD_DISABILITY_FAMILIES:
        build(b)


def _sss_eligible_disability_group_1(b: SeedBuilder) -> None:
    home = b.home("KZ-ALA")
    stem = b.surname_stem()
    daughter = b.person(date(1975, 5, 5), "female", stem=stem)
    mother = b.person(date(1949, 9, 1), "female", stem=stem)
    for p in (daughter, mother):
        b.live(p, home)
    b.birth(daughter, mother)
    b.disability(mother, 1, established=date(2022, 6, 1), needs_care=True)
    b.medical_record(mother, date(2026, 9, 15))
    phone = b.phone(daughter, "ru")
    b.family(
        "sss-eligible-disability-group-1",
        SSS,
        "A daughter applies for her mother with first-group disability; medical record forms found.",
        daughter,
        [(mother, "cared_person")],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_eligible_disability_group_2(b: SeedBuilder) -> None:
    home = b.home("KZ-KAR")
    self_ = b.person(date(1968, 8, 18), "male", stem=b.surname_stem())
    b.live(self_, home)
    b.disability(self_, 2, established=date(2023, 3, 3), valid_until=date(2028, 3, 31))
    b.medical_record(self_, date(2026, 10, 1))
    phone = b.phone(self_, "ru")
    b.family(
        "sss-eligible-disability-group-2",
        SSS,
        "A man with second-group disability applies for himself.",
        self_,
        [],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_eligible_retirement_age(b: SeedBuilder) -> None:
    home = b.home("KZ-AKT")
    self_ = b.person(date(1954, 2, 14), "female", stem=b.surname_stem())
    b.live(self_, home)
    b.medical_record(self_, date(2026, 8, 20))
    b.benefit(self_, 110_000, "pension")
    phone = b.phone(self_, "kk")
    b.family(
        "sss-eligible-retirement-age",
        SSS,
        "A woman aged 72, no disability: retirement age is the ground.",
        self_,
        [],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_eligible_court_incapacity(b: SeedBuilder) -> None:
    home = b.home("KZ-SHY")
    stem = b.surname_stem()
    guardian = b.person(date(1972, 12, 1), "male", stem=stem)
    ward = b.person(
        date(1986, 3, 30),
        "male",
        stem=stem,
        legal_capacity="incapable",
        court={"date": "2021-09-14", "court": "Енбекшинский районный суд г. Шымкента (синтетический)"},
    )
    for p in (guardian, ward):
        b.live(p, home)
    b.guard(guardian, ward)
    b.medical_record(ward, date(2026, 7, 7))
    phone = b.phone(guardian, "kk")
    b.family(
        "sss-eligible-court-incapacity",
        SSS,
        "A guardian applies for his brother declared incapable by a court (no disability record).",
        guardian,
        [(ward, "cared_person")],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_eligible_veteran(b: SeedBuilder) -> None:
    home = b.home("KZ-VOS")
    self_ = b.person(date(1964, 6, 12), "male", stem=b.surname_stem())
    b.live(self_, home)
    self_.records["veterans"] = {"veteran": True, "category": "ветеран боевых действий на территории других государств"}
    b.medical_record(self_, date(2026, 9, 9))
    phone = b.phone(self_, "ru")
    b.family(
        "sss-eligible-veteran",
        SSS,
        "A veteran of combat operations abroad, aged 62 (below retirement age), no disability.",
        self_,
        [],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_eligible_representative(b: SeedBuilder) -> None:
    home = b.home("KZ-AST")
    carer, cared = _carer_pair(b, home, (date(1983, 3, 3), "female"), (date(1940, 1, 1), "female"), group=1)
    agent = b.person(date(1982, 2, 2), "male", stem=b.surname_stem())
    b.live(agent, home)
    b.power_of_attorney(carer, agent, "ЕНИС-2026-003300", valid_until=date(2029, 1, 1))
    b.medical_record(cared, date(2026, 10, 10))
    phone = b.phone(carer, "ru")
    b.family(
        "sss-eligible-representative",
        SSS,
        "A representative files for a daughter applying for her mother (group 1) under a power of attorney.",
        carer,
        [(cared, "cared_person")],
        phone=phone,
        region=home.region,
        iban=None,
        representative=(agent, "ЕНИС-2026-003300"),
    )


def _sss_no_grounds(b: SeedBuilder) -> None:
    home = b.home("KZ-PAV")
    self_ = b.person(date(1981, 1, 18), "male", stem=b.surname_stem())
    b.live(self_, home)
    b.medical_record(self_, date(2026, 10, 5))
    b.wages(self_, 180_000, "ТОО «Павлодар Металл-тест»")
    phone = b.phone(self_, "ru")
    b.family(
        "sss-no-grounds",
        SSS,
        "A capable man aged 45, no disability, not a veteran: substantiated refusal.",
        self_,
        [],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_medical_record_missing(b: SeedBuilder) -> None:
    home = b.home("KZ-ZHA")
    stem = b.surname_stem()
    son = b.person(date(1978, 7, 7), "male", stem=stem)
    father = b.person(date(1946, 2, 2), "male", stem=stem)
    for p in (son, father):
        b.live(p, home)
    b.disability(father, 1, established=date(2021, 1, 1), needs_care=True)
    phone = b.phone(son, "kk")
    b.family(
        "sss-medical-record-missing",
        SSS,
        "A son applies for his father (group 1); the medical record forms are "
        "not in the health information system (ask for form 035/u).",
        son,
        [(father, "cared_person")],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_no_residence_registration(b: SeedBuilder) -> None:
    home = b.home("KZ-SHY")
    self_ = b.person(date(1957, 10, 10), "male", stem=b.surname_stem())
    b.disability(self_, 1, established=date(2025, 5, 5), needs_care=True)
    b.medical_record(self_, date(2026, 9, 30))
    phone = b.phone(self_, "kk")
    b.family(
        "sss-no-residence-registration",
        SSS,
        "A man with first-group disability applies for himself; he has no residence registration (ask for a "
        "residence certificate).",
        self_,
        [],
        phone=phone,
        region=home.region,
        iban=None,
    )


def _sss_representative_gaps(b: SeedBuilder) -> None:
    home = b.home("KZ-KZY")
    stem = b.surname_stem()
    niece = b.person(date(1990, 9, 9), "female", stem=stem)
    aunt = b.person(date(1938, 3, 8), "female", stem=stem, in_gbdfl=False)
    agent = b.person(date(1989, 1, 19), "male", stem=b.surname_stem())
    for p in (niece, aunt, agent):
        b.live(p, home)
    b.disability(aunt, 2, established=date(2020, 2, 20))
    b.medical_record(aunt, date(2026, 10, 20))
    phone = b.phone(niece, "kk")
    b.family(
        "sss-representative-gaps",
        SSS,
        "A representative with no power of attorney in e-notary files for a niece applying for her aunt aged 88, "
        "who has no record in the State Database of Individuals "
        "(the filing is refused: e-notary does not confirm the power of attorney).",
        niece,
        [(aunt, "cared_person")],
        phone=phone,
        region=home.region,
        iban=None,
        representative=(agent, "ЕНИС-2026-007007"),
    )


SPECIAL_SOCIAL_SERVICES_FAMILIES: tuple[Callable[[SeedBuilder], None], ...] = (
    _sss_eligible_disability_group_1,
    _sss_eligible_disability_group_2,
    _sss_eligible_retirement_age,
    _sss_eligible_court_incapacity,
    _sss_eligible_veteran,
    _sss_eligible_representative,
    _sss_no_grounds,
    _sss_medical_record_missing,
    _sss_no_residence_registration,
    _sss_representative_gaps,
)
"""One small builder per scenario (or per group of scenarios sharing people), in the order they are built:
the order fixes the random draws, so a builder is added at the end, never in between."""


def special_social_services_families(b: SeedBuilder) -> None:
    for build in SPECIAL_SOCIAL_SERVICES_FAMILIES:
        build(b)


def digital_documents_families(b: SeedBuilder) -> None:
    """Made last, so the families before keep their people and numbers."""
    home = b.home("KZ-KAR")
    c = _child_family(b, home, date(2022, 8, 30), in_births=False)
    child = c.children[0]
    b.wallet(
        c.mother,
        "birth_certificate",
        child,
        number="ZG-0042817",
        issued=date(2022, 10, 3),
        issuer="Consulate General of the Republic of Kazakhstan (birth registered abroad)",
        data={
            "children": [],
            "parents": [{"iin": c.mother.iin, "relation": "mother"}, {"iin": c.father.iin, "relation": "father"}],
        },
    )
    phone = b.phone(c.mother, "ru")
    b.family(
        "child-disability-birth-certificate-in-wallet",
        CHILD,
        "The child was born abroad (no births record); the mother's Digital Documents wallet holds the birth "
        "certificate: asked by SMS, she consents and it is fetched instead of uploaded.",
        c.mother,
        [(child, "child")],
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def tsa_credit_families(b: SeedBuilder) -> None:
    """TSA and the credit bureau (a consumer-credit ground announced in September 2025, not enacted)."""
    # Eligible, the husband repays a consumer loan: approved while no act makes credit a ground.
    home = b.home("KZ-KAR")
    c = _couple(b, home, date(1991, 3, 14), date(1989, 10, 2), [(date(2020, 6, 6), "female")])
    b.wages(c.father, 75_000, "ТОО «Қарағанды Агро-тест»")
    b.unemployed(c.mother)
    c.father.records["credit"] = {
        "loans": [
            {
                "kind": "consumer",
                "lender": "АО «Банк-тест»",
                "issued_on": "2025-11-20",
                "outstanding": 640_000,
                "closed_on": None,
            }
        ]
    }
    phone = b.phone(c.mother, "ru")
    b.family(
        "tsa-consumer-credit",
        TSA,
        "Family of 3, wages 75,000 (per-capita 25,000); the husband repays a consumer loan taken in November 2025 "
        "(credit announced as a TSA ground in 2025, not enacted: approved; parameters.json tsa_credit_ground).",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )
    # Otherwise eligible, only a mortgage: eligible.
    home = b.home("KZ-KAR")
    c = _couple(b, home, date(1993, 9, 9), date(1990, 2, 2), [(date(2021, 1, 21), "male")])
    b.wages(c.father, 78_000, "ТОО «Қарағанды Агро-тест»")
    b.unemployed(c.mother)
    c.father.records["credit"] = {
        "loans": [
            {
                "kind": "mortgage",
                "lender": "АО «Отбасы банк-тест»",
                "issued_on": "2022-04-01",
                "outstanding": 9_800_000,
                "closed_on": None,
            }
        ]
    }
    phone = b.phone(c.mother, "ru")
    b.family(
        "tsa-mortgage-only",
        TSA,
        "Family of 3, wages 78,000 (per-capita 26,000); a mortgage only, which is not a ground for refusal.",
        c.mother,
        _tsa_members(c),
        phone=phone,
        region=home.region,
        iban=b.account(c.mother, HALYK),
    )


def build_seed(rng_seed: int = RNG_SEED) -> dict[str, Any]:
    b = SeedBuilder(rng_seed)
    tsa_families(b)
    caregiver_families(b)
    child_disability_families(b)
    special_social_services_families(b)
    digital_documents_families(b)
    tsa_credit_families(b)  # last: families added later do not shift the generated people before them
    return {
        "_about": "Synthetic registry answers for the gateway simulator. Every person is invented. `people` maps an "
        "IIN to the answers each registry gives about that person, in the shapes of "
        "chalicelib/data/registries.json; a missing registry key means that registry answers not_found. "
        "`families` are ready-made applications, one per scenario: see README.md beside this file.",
        "generated_by": f"local/seed/generate.py (rng seed {rng_seed}); do not edit by hand",
        "people": {iin: p.records for iin, p in b.people.items()},
        "families": b.families,
    }


def render(seed: dict[str, Any]) -> str:
    """Stable, diff-friendly JSON: one line per registry answer and per family."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    lines = ["{"]
    lines.append(f' "_about": {compact(seed["_about"])},')
    lines.append(f' "generated_by": {compact(seed["generated_by"])},')
    lines.append(' "people": {')
    people = list(seed["people"].items())
    for i, (iin, records) in enumerate(people):
        tail = "," if i < len(people) - 1 else ""
        if not records:
            lines.append(f"  {compact(iin)}: {{}}{tail}")
            continue
        lines.append(f"  {compact(iin)}: {{")
        items = list(records.items())
        for j, (registry, answer) in enumerate(items):
            lines.append(f"   {compact(registry)}: {compact(answer)}{',' if j < len(items) - 1 else ''}")
        lines.append(f"  }}{tail}")
    lines.append(" },")
    lines.append(' "families": [')
    families = seed["families"]
    for i, family in enumerate(families):
        lines.append(f"  {compact(family)}{',' if i < len(families) - 1 else ''}")
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the committed seed is not what this script makes")
    parser.add_argument("--output", type=Path, default=SEED_FILE)
    args = parser.parse_args(argv)
    text = render(build_seed())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output.name} is out of date: run python -m local.seed.generate", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    seed = json.loads(text)
    print(
        f"wrote {args.output.name}: {len(seed['people'])} people, {len(seed['families'])} families, "
        f"{len(text.encode()) // 1024} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

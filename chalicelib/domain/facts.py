"""What the rules decide on: a `Case` (the application's facts) and the registries' `RegistryAnswer`s.

Answers have exactly the shapes of chalicelib/data/registries.json. The rules never ask a registry themselves:
the case carries every answer, keyed by (registry, person IIN), so a decision is a pure function of the case.

A case with an answer that `failed`, or without one a rule needs, cannot be decided: `FactsMissing` lists
what to ask (again) or to request in writing. `not_found` is an answer: the registry has no record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chalicelib.domain.banking import Iban
from chalicelib.domain.decision import FactUsed
from chalicelib.domain.errors import DomainError
from chalicelib.domain.identity import Iin, mask_iin

ANSWER_STATUSES = ("found", "not_found", "failed")

FactKey = tuple[str, str]


class FactsMissing(DomainError):
    """The case lacks answers a rule needs (absent or failed): look them up, or request them, then decide."""

    code = "decision.facts_missing"
    status = 409

    def __init__(self, missing: Sequence[FactKey]) -> None:
        self.missing = tuple(dict.fromkeys(missing))
        listed = ", ".join(f"{registry}:{mask_iin(iin)}" for registry, iin in self.missing)
        super().__init__(f"The decision needs registry answers that are missing or failed: {listed}.")


@dataclass(frozen=True)
class RegistryAnswer:
    """One registry's answer about one person, as the gateway delivered it."""

    registry: str
    person_iin: str
    status: str
    data: Mapping[str, Any] = field(default_factory=dict)
    source_system: str = ""
    fetched_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in ANSWER_STATUSES:
            raise ValueError(f"A registry answer is found, not_found or failed, not {self.status!r}.")

    @property
    def found(self) -> bool:
        return self.status == "found"

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "person_iin": self.person_iin,
            "status": self.status,
            "data": dict(self.data),
            "source_system": self.source_system,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RegistryAnswer:
        fetched = raw.get("fetched_at")
        return cls(
            registry=raw["registry"],
            person_iin=raw["person_iin"],
            status=raw["status"],
            data=dict(raw.get("data") or {}),
            source_system=raw.get("source_system", ""),
            fetched_at=datetime.fromisoformat(fetched) if isinstance(fetched, str) else fetched,
        )


def _not_older(this: datetime | None, that: datetime | None) -> bool:
    return this is None or that is None or this >= that


def value_repr(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_repr(v) for v in value) + "]"
    return str(value)


def parse_day(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and raw:
        return date.fromisoformat(raw[:10])
    return None


@dataclass(frozen=True)
class Case:
    """An application as the rules see it: who asks, for whom, when, and every registry answer gathered."""

    service_id: str
    applicant_iin: str
    region: str
    channel: str
    registered_on: date
    subjects: tuple[tuple[str, str], ...] = ()
    representative_iin: str | None = None
    bank_account: Iban | None = None
    answers: Mapping[FactKey, RegistryAnswer] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        *,
        service_id: str,
        applicant_iin: str,
        region: str,
        registered_on: date,
        channel: str = "portal",
        subjects: Iterable[tuple[str, str]] = (),
        representative_iin: str | None = None,
        bank_account: Iban | str | None = None,
        answers: Iterable[RegistryAnswer] = (),
    ) -> Case:
        """Build a case from a list of answers; of two answers for the same key the later-fetched one wins."""
        table: dict[FactKey, RegistryAnswer] = {}
        for answer in answers:
            key = (answer.registry, answer.person_iin)
            held = table.get(key)
            if held is None or _not_older(answer.fetched_at, held.fetched_at):
                table[key] = answer
        iban = Iban.parse(bank_account) if isinstance(bank_account, str) else bank_account
        return cls(
            service_id=service_id,
            applicant_iin=applicant_iin,
            region=region,
            channel=channel,
            registered_on=registered_on,
            subjects=tuple((iin, relation) for iin, relation in subjects),
            representative_iin=representative_iin,
            bank_account=iban,
            answers=table,
        )

    # -- answers ---------------------------------------------------------------------------------------------

    def answer(self, registry: str, iin: str) -> RegistryAnswer | None:
        return self.answers.get((registry, iin))

    def data(self, registry: str, iin: str) -> Mapping[str, Any] | None:
        """The answer's data when the registry found a record; None when it has none or was not asked."""
        answer = self.answer(registry, iin)
        return answer.data if answer is not None and answer.found else None

    def get(self, registry: str, iin: str, name: str, default: Any = None) -> Any:
        """A field of a found answer, or `default`."""
        found = self.data(registry, iin)
        return found.get(name, default) if found is not None else default

    def fact(self, registry: str, iin: str, field_name: str, value: object = None) -> FactUsed:
        """The `FactUsed` citing this answer's field (or, for `not_found`/absent, the lack of a record)."""
        answer = self.answer(registry, iin)
        if answer is None:
            shown = "not_asked"
        elif not answer.found:
            shown = answer.status
        else:
            shown = value_repr(answer.data.get(field_name) if value is None else value)
        return FactUsed(
            registry=registry,
            person_masked_iin=mask_iin(iin),
            field=field_name,
            value_repr=shown,
            source_system=answer.source_system if answer else "",
            fetched_at=answer.fetched_at if answer else None,
        )

    def birth_fact(self, iin: str) -> FactUsed:
        """The birth date a rule used: the State Database of Individuals' when answered, else the IIN's own."""
        if self.get("gbdfl", iin, "birth_date"):
            return self.fact("gbdfl", iin, "birth_date")
        return FactUsed("iin", mask_iin(iin), "birth_date", Iin(iin).birth_date.isoformat(), "iin", None)

    def application_fact(self, field_name: str, shown: str, iin: str | None = None) -> FactUsed:
        """A fact taken from the application itself (e.g. the IBAN the applicant gave)."""
        return FactUsed("application", mask_iin(iin or self.applicant_iin), field_name, shown, "application", None)

    def failed(self) -> list[FactKey]:
        return [key for key, answer in self.answers.items() if answer.status == "failed"]

    def require(self, needed: Iterable[FactKey], *, any_of: Iterable[Sequence[FactKey]] = ()) -> None:
        """Raise `FactsMissing` for every failed answer, every absent `needed` one, and every group of
        alternatives (`any_of`) of which none was answered."""
        missing = list(self.failed())
        missing += [key for key in needed if key not in self.answers]
        for group in any_of:
            if group and not any(key in self.answers for key in group):
                missing.append(group[0])
        if missing:
            raise FactsMissing(missing)

    # -- people ----------------------------------------------------------------------------------------------

    def subject_iins(self, relation: str | None = None) -> list[str]:
        return [iin for iin, rel in self.subjects if relation is None or rel == relation]

    def birth_date(self, iin: str) -> date:
        """From the State Database of Individuals when answered, else from the IIN itself."""
        return parse_day(self.get("gbdfl", iin, "birth_date")) or Iin(iin).birth_date

    def sex(self, iin: str) -> str:
        sex = self.get("gbdfl", iin, "sex")
        return sex if sex in ("male", "female") else Iin(iin).sex

    def age_on(self, iin: str, day: date) -> int:
        born = self.birth_date(iin)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def age_in_months_on(self, iin: str, day: date) -> int:
        born = self.birth_date(iin)
        return (day.year - born.year) * 12 + (day.month - born.month) - (day.day < born.day)

    def deceased_on(self, iin: str, day: date) -> bool:
        died = parse_day(self.get("gbdfl", iin, "death_date")) or parse_day(self.get("civil_deaths", iin, "death_date"))
        if died is not None:
            return died <= day
        return bool(self.get("civil_deaths", iin, "deceased", False))

    def disability_on(self, iin: str, day: date) -> Mapping[str, Any] | None:
        """The disability record valid on `day` (established by then, not expired), or None."""
        record = self.data("disability", iin)
        if record is None:
            return None
        established = parse_day(record.get("established_on"))
        until = parse_day(record.get("valid_until"))
        if established is not None and established > day:
            return None
        if until is not None and until < day:
            return None
        return record

    def residence(self, iin: str) -> Mapping[str, Any] | None:
        """The residence registration, when the person is registered."""
        found = self.data("address", iin)
        return found if found is not None and found.get("registered") else None


def death_fact(case: Case, iin: str) -> FactUsed:
    if case.get("gbdfl", iin, "death_date"):
        return case.fact("gbdfl", iin, "death_date")
    if case.get("civil_deaths", iin, "death_date"):
        return case.fact("civil_deaths", iin, "death_date")
    return case.fact("civil_deaths", iin, "deceased")


def disability_group(record: Mapping[str, Any] | None) -> str | None:
    """`1`, `2`, `3` or None; registries may send the group as a number."""
    if record is None or record.get("group") is None:
        return None
    return str(record["group"]).strip()


def in_list(values: object, iin: str) -> bool:
    """Whether `iin` is in a registry list of IINs or of objects with an `iin` key."""
    if not isinstance(values, list):
        return False
    return any(v == iin or (isinstance(v, Mapping) and v.get("iin") == iin) for v in values)


# -- kinship and the TSA family --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kinship:
    kind: str  # spouse | child | parent | sibling | grandchild | grandparent
    detail: str  # mother | father | adoptive | ward | step | ""
    evidence: tuple[FactUsed, ...]


def kinship(case: Case, person: str, other: str) -> Kinship | None:
    """How `other` is related to `person` according to the civil registries (or None if no registry says)."""
    marriage = case.data("civil_marriages", person)
    if marriage and marriage.get("married") and marriage.get("spouse_iin") == other:
        return Kinship("spouse", "", (case.fact("civil_marriages", person, "spouse_iin"),))
    theirs = case.data("civil_marriages", other)
    if theirs and theirs.get("married") and theirs.get("spouse_iin") == person:
        return Kinship("spouse", "", (case.fact("civil_marriages", other, "spouse_iin"),))
    found = parent_child(case, person, other)
    if found:
        return found
    spouse = marriage.get("spouse_iin") if marriage and marriage.get("married") else None
    if isinstance(spouse, str):
        step = parent_child(case, spouse, other)
        if step:
            return Kinship("child", "step", step.evidence)
    parent = parent_child(case, other, person)
    if parent:
        return Kinship("parent", parent.detail, parent.evidence)
    mine = {p.get("iin") for p in (case.get("civil_births", person, "parents") or []) if isinstance(p, Mapping)}
    their = {p.get("iin") for p in (case.get("civil_births", other, "parents") or []) if isinstance(p, Mapping)}
    if (mine & their) - {None}:
        return Kinship(
            "sibling",
            "",
            (case.fact("civil_births", person, "parents"), case.fact("civil_births", other, "parents")),
        )
    return _through_one_generation(case, person, other)


def _named(values: object) -> set[str]:
    """The IINs a registry list names (IINs or objects with an `iin`)."""
    if not isinstance(values, list):
        return set()
    return {
        str(v if isinstance(v, str) else v.get("iin"))
        for v in values
        if isinstance(v, str) or (isinstance(v, Mapping) and v.get("iin"))
    }


def _through_one_generation(case: Case, person: str, other: str) -> Kinship | None:
    """Grandchild or grandparent through a chain of two civil records: `person`'s child who is `other`'s parent
    (or the reverse), whoever's records name the one in between; the evidence is both links."""
    for upper, lower, kind in ((person, other, "grandchild"), (other, person, "grandparent")):
        between = (
            _named(case.get("civil_births", upper, "children"))
            | _named(case.get("adoption", upper, "adopted_children"))
            | {
                str(p.get("iin"))
                for p in case.get("civil_births", lower, "parents") or []
                if isinstance(p, Mapping) and p.get("iin")
            }
            | _named(case.get("adoption", lower, "adoptive_parents"))
        )
        for middle in sorted(between - {person, other}):
            first, second = parent_child(case, upper, middle), parent_child(case, middle, lower)
            if first and second and first.detail != "ward" and second.detail != "ward":
                return Kinship(kind, "", (*first.evidence, *second.evidence))
    return None


def parent_child(case: Case, parent: str, child: str) -> Kinship | None:
    """Whether `child` is the child of `parent` by birth, adoption or guardianship, with the evidence."""
    births = case.data("civil_births", parent)
    if births and in_list(births.get("children"), child):
        return Kinship("child", "", (case.fact("civil_births", parent, "children"),))
    child_births = case.data("civil_births", child)
    if child_births:
        for entry in child_births.get("parents") or []:
            if isinstance(entry, Mapping) and entry.get("iin") == parent:
                return Kinship("child", str(entry.get("relation", "")), (case.fact("civil_births", child, "parents"),))
    if in_list(case.get("adoption", parent, "adopted_children"), child):
        return Kinship("child", "adoptive", (case.fact("adoption", parent, "adopted_children"),))
    if in_list(case.get("adoption", child, "adoptive_parents"), parent):
        return Kinship("child", "adoptive", (case.fact("adoption", child, "adoptive_parents"),))
    if in_list(case.get("guardianship", parent, "wards"), child):
        return Kinship("child", "ward", (case.fact("guardianship", parent, "wards"),))
    if in_list(case.get("guardianship", child, "guardians"), parent):
        return Kinship("child", "ward", (case.fact("guardianship", child, "guardians"),))
    return None


@dataclass(frozen=True)
class FamilyMember:
    iin: str
    age: int
    role: str  # applicant | spouse | minor_child | student_dependant | adult_child | relative
    counted: bool
    excluded_because: str | None  # kinship_unconfirmed | deceased | in_custody | compulsory_treatment | ...
    evidence: tuple[FactUsed, ...]


@dataclass(frozen=True)
class Family:
    members: tuple[FamilyMember, ...]

    @property
    def counted(self) -> tuple[FamilyMember, ...]:
        return tuple(m for m in self.members if m.counted)

    @property
    def excluded(self) -> tuple[FamilyMember, ...]:
        return tuple(m for m in self.members if not m.counted)

    @property
    def size(self) -> int:
        return len(self.counted)


def tsa_family(case: Case, policy: Mapping[str, Any], day: date) -> Family:
    """The family as the TSA rules count it, on the registration date.

    The applicant; the spouse (registered marriage); children (by birth, adoption, guardianship, or the spouse's)
    under `child_under_age`; full-time students under `student_dependant_under_age` as dependants (even when
    studying elsewhere); adult children and other relatives (parents, siblings) the applicant declared, where a
    registry confirms the kinship, `count_confirmed_relatives` holds and (per `relatives_must_live_together`)
    the address registry does not place them in another locality. Not counted: declared people no registry
    relates to the applicant, the deceased, and (per policy) people in custody or under compulsory treatment,
    who are on full state support.
    """
    applicant = case.applicant_iin
    members = [FamilyMember(applicant, case.age_on(applicant, day), "applicant", True, None, ())]
    seen = {applicant}
    for iin in case.subject_iins():
        if iin in seen:
            continue
        seen.add(iin)
        age = case.age_on(iin, day)
        kin = kinship(case, applicant, iin)
        evidence = kin.evidence if kin else (case.fact("civil_births", applicant, "children"),)
        role = _role(case, kin, iin=iin, age=age, day=day, policy=policy)
        excluded = _exclusion(case, iin, day, policy)
        if kin is None:
            excluded = excluded or "kinship_unconfirmed"
        elif role in ("adult_child", "relative", "grandchild", "grandparent", "sibling"):
            if not policy.get("count_confirmed_relatives", True):
                excluded = excluded or "relative"
            elif policy.get("relatives_must_live_together", True) and _lives_elsewhere(case, applicant, iin):
                excluded = excluded or "lives_elsewhere"
                evidence = (*evidence, case.fact("address", iin, "locality"))
        if excluded == "in_custody":
            evidence = (*evidence, case.fact("imprisonment", iin, "in_custody"))
        elif excluded == "compulsory_treatment":
            evidence = (*evidence, case.fact("compulsory_treatment", iin, "under_treatment"))
        elif excluded == "deceased":
            evidence = (*evidence, death_fact(case, iin))
        if role == "student_dependant":
            evidence = (*evidence, case.fact("education", iin, "full_time_student"))
        members.append(FamilyMember(iin, age, role, excluded is None, excluded, evidence))
    return Family(tuple(members))


def _role(case: Case, kin: Kinship | None, *, iin: str, age: int, day: date, policy: Mapping[str, Any]) -> str:
    if kin is None:
        return "relative"
    if kin.kind == "spouse":
        return "spouse"
    if kin.kind == "child":
        if age < int(policy.get("child_under_age", 18)):
            return "minor_child"
        if age < int(policy.get("student_dependant_under_age", 23)) and is_full_time_student(case, iin, day):
            return "student_dependant"
        return "adult_child"
    if kin.kind in ("grandchild", "grandparent", "sibling"):
        return kin.kind
    return "relative"


def _lives_elsewhere(case: Case, applicant: str, iin: str) -> bool:
    """Both registered, in different localities: not living together (no answer proves nothing)."""
    mine, theirs = case.residence(applicant), case.residence(iin)
    if mine is None or theirs is None:
        return False
    return (mine.get("region"), mine.get("locality")) != (theirs.get("region"), theirs.get("locality"))


def is_full_time_student(case: Case, iin: str, day: date) -> bool:
    study = case.data("education", iin)
    if not study or not study.get("full_time_student"):
        return False
    until = parse_day(study.get("study_until"))
    return until is None or until >= day


def _exclusion(case: Case, iin: str, day: date, policy: Mapping[str, Any]) -> str | None:
    if case.deceased_on(iin, day):
        return "deceased"
    if policy.get("exclude_in_custody", True) and case.get("imprisonment", iin, "in_custody"):
        return "in_custody"
    if policy.get("exclude_under_compulsory_treatment", True) and case.get(
        "compulsory_treatment", iin, "under_treatment"
    ):
        return "compulsory_treatment"
    return None

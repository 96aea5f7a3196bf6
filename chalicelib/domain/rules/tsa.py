"""State targeted social assistance (TSA, АСП / АӘК).

Rules (Social Code of 2023 as amended from 2025; TSA rules, order No. 227 of 21.06.2023 as amended; the poverty
line, order No. 160 of 19.05.2023 as amended by No. 473 of 20.12.2024; service standard and the online pilot):
- the applicant's status entitles them, and they are registered at a place of residence;
- the account for payment is at an allowed bank (services.json: Kazpost 563, Halyk 601) and in the applicant's
  name (bank account registry);
- the family as the rules count it (see `facts.tsa_family`);
- every kind of income of each counted member in the quarter before the application quarter, divided by the
  months of the quarter and by the members, is below the poverty line of the applicant's region for the
  application quarter: max(35% of the regional median income, 70% of the regional subsistence minimum), both
  of the quarter before (domain/poverty_line.py; a line whose inputs are not loaded stops the decision);
- a loan other than a mortgage refuses only while parameters.json `tsa_credit_ground` is in force (it is not:
  no legal act enacting the ground was found, see the parameter's note).
Amount a month = (poverty line - per-capita income) x members, rounded up, plus, for each counted child aged
1 to 6 on the registration date, 1.5 MRP rounded up. Period: from the first day of the month of application to
the end of its quarter (TSA is assigned quarterly).
Able-bodied members neither employed nor registered as unemployed make the assistance conditional (a social
contract); that is recorded, not a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from chalicelib.domain.catalog import load_catalog
from chalicelib.domain.decision import Decision, Explanation, FactUsed, Localized, Term, Years
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.facts import Case, FactKey, Family, disability_group, parse_day, tsa_family
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.parameters import Parameters, ParameterUnknown, Quarter, round_tenge
from chalicelib.domain.regions import parse_region
from chalicelib.domain.rules import check_registered, check_residence_status, start, use

SERVICE_ID = "targeted-social-assistance"
DEPENDANT_ROLES = ("minor_child", "student_dependant")


def required_facts(case: Case) -> list[FactKey]:
    """Answers needed before the family can be formed (income answers are checked once it is)."""
    applicant = case.applicant_iin
    needed: list[FactKey] = [("address", applicant), ("civil_marriages", applicant), ("civil_births", applicant)]
    if case.bank_account is not None:
        needed.append(("bank_accounts", applicant))
    return needed


def decide(case: Case, params: Parameters, on: date) -> Decision:
    case.require(required_facts(case))
    applicant = case.applicant_iin
    day = case.registered_on
    ex = start(case, params)

    check_residence_status(ex, case, params, applicant)
    residence = check_registered(ex, case, applicant, "applicant.residence_registered")
    region = _canonical(str(residence.get("region") or case.region) if residence else case.region)
    _check_bank_account(ex, case)

    family = tsa_family(case, use(ex, params.policy("tsa_family", day)).value, day)
    _explain_family(ex, family)

    income_policy = use(ex, params.policy("tsa_income", day)).value
    case.require(
        [
            (registry, member.iin)
            for member in family.counted
            if member.age >= int(income_policy["required_from_age"])
            for registry in income_policy["required_registries"]
        ]
    )
    income_quarter = Quarter.containing(day).previous()
    total = 0
    income_facts: list[FactUsed] = []
    for member in family.counted:
        amount, facts = _member_income(case, member.iin, income_quarter, income_policy)
        total += amount
        income_facts += facts
        ex.add(
            "tsa.member_income",
            "info",
            facts,
            member=mask_iin(member.iin),
            quarter=_quarter_words(income_quarter),
            amount=amount,
        )
        sold = _property_sales(case, member.iin, income_quarter, income_policy)
        if sold:
            ex.add(
                "tsa.property_sale_income",
                "info",
                [case.fact("income_tax", member.iin, "payments[].kind=property", value=sold)],
                member=mask_iin(member.iin),
                quarter=_quarter_words(income_quarter),
                amount=sold,
            )
    monthly = Fraction(total, int(income_policy["months_in_period"]))
    per_capita = monthly / family.size
    ex.add(
        "tsa.family_income",
        "info",
        quarter=_quarter_words(income_quarter),
        total=total,
        monthly=monthly,
        members=family.size,
        per_capita=per_capita,
    )

    period = use(ex, params.policy("tsa_assignment_period", day)).value
    application_quarter = Quarter.containing(day)
    line = params.poverty_line(region, application_quarter)
    ex.cite(line.version)
    median = line.median_income
    # The sentence names each input's source in the reader's language (the data file's `label`), never an address
    # or a file path; the full source (title, address, date) is in poverty_line.json, cited by `line.version`.
    ex.add(
        "tsa.poverty_line",
        "info",
        region=Term("region", region),
        quarter=_quarter_words(application_quarter),
        inputs_quarter=_quarter_words(line.inputs_quarter),
        pm=line.subsistence_minimum.value,
        pm_share=line.pm_share * 100,
        from_pm=line.from_pm,
        pm_source=_published_in(line.subsistence_minimum.label),
        median=median.value if median else Term("figure", "not_published"),
        median_share=line.median_share * 100,
        from_median=line.from_median if line.from_median is not None else Term("figure", "not_published"),
        median_source=_published_in(median.label) if median else Term("figure", "not_published"),
        line=line.value,
    )
    ex.check(
        "tsa.income_below_poverty_line",
        per_capita < line.value,
        income_facts,
        per_capita=per_capita,
        line=line.value,
        region=Term("region", region),
        quarter=_quarter_words(application_quarter),
    )
    _explain_conditions(ex, case, params, family)
    _check_no_consumer_credit(ex, case, params, family)
    period_from = day.replace(day=1) if period["from"] == "month_of_application" else day
    period_to = application_quarter.last_day
    _check_no_overlap(ex, case, period_from, period_to)

    if ex.refused:
        return ex.decision(decided_on=on)
    rounding = use(ex, params.rounding(day)).value
    base = round_tenge((Fraction(line.value) - per_capita) * family.size, rounding)
    ex.add("tsa.amount", "info", line=line.value, per_capita=per_capita, members=family.size, base=base)
    supplement = _child_supplement(
        ex, case, params, family, rounding, period_from=period_from, period_to=period_to, base=base
    )
    return ex.decision(
        decided_on=on,
        amount_monthly=base + supplement,
        period_from=period_from,
        period_to=period_to,
        beneficiaries=[m.iin for m in family.counted],
    )


def _canonical(region: str) -> str:
    try:
        return parse_region(region)
    except InvalidValue:
        return region


def _check_bank_account(ex: Explanation, case: Case) -> None:
    allowed = load_catalog().get(SERVICE_ID).allowed_banks or ()
    iban = case.bank_account
    if iban is None:
        ex.check(
            "tsa.bank_allowed",
            False,
            [case.application_fact("bank_account.iban", "null")],
            iban="",
            bank_code="",
            allowed=list(allowed),
        )
        return
    ex.check(
        "tsa.bank_allowed",
        not allowed or iban.bank_code in allowed,
        [case.application_fact("bank_account.iban", iban.masked)],
        iban=iban.masked,
        bank_code=iban.bank_code,
        allowed=list(allowed),
    )
    applicant = case.applicant_iin
    accounts = [a for a in case.get("bank_accounts", applicant, "accounts") or [] if isinstance(a, Mapping)]
    owners = [a.get("owner_iin") for a in accounts if a.get("iban") == iban.value]
    shown = f"{iban.masked}: " + (", ".join(mask_iin(str(o)) for o in owners) if owners else "no such account")
    ex.check(
        "tsa.bank_owner",
        applicant in owners,
        [case.fact("bank_accounts", applicant, "accounts[].owner_iin", value=shown)],
        iban=iban.masked,
    )


def _check_no_overlap(ex: Explanation, case: Case, period_from: date, period_to: date) -> None:
    """TSA already assigned to the applicant's family for any day of the period asked for (prior_tsa, if asked)."""
    applicant = case.applicant_iin
    if case.answer("prior_tsa", applicant) is None:
        return
    overlap = None
    for assignment in case.get("prior_tsa", applicant, "assignments") or []:
        starts, ends = parse_day(assignment.get("from")), parse_day(assignment.get("to"))
        if (starts is None or starts <= period_to) and (ends is None or ends >= period_from):
            overlap = assignment
    ex.check(
        "tsa.no_overlap",
        overlap is None,
        [case.fact("prior_tsa", applicant, "assignments")],
        from_=parse_day(overlap.get("from")) or "" if overlap else "",
        to=parse_day(overlap.get("to")) or "" if overlap else "",
    )


def _explain_family(ex: Explanation, family: Family) -> None:
    for member in family.members:
        if member.counted:
            ex.add(
                "tsa.family_member_counted",
                "info",
                member.evidence,
                member=mask_iin(member.iin),
                role=Term("role", member.role),
                age=Years(member.age),
            )
        else:
            ex.add(
                "tsa.family_member_excluded",
                "info",
                member.evidence,
                member=mask_iin(member.iin),
                cause=Term("exclusion", member.excluded_because or "relative"),
            )


def _member_income(case: Case, iin: str, quarter: Quarter, policy: Mapping[str, Any]) -> tuple[int, list[FactUsed]]:
    """All income of the member in the quarter, by registry, with the fact each sum rests on."""
    months = quarter.months()
    span = f"payments[{months[0]}..{months[-1]}]"
    excluded: Mapping[str, list[str]] = policy.get("excluded_kinds", {})
    total = 0
    facts: list[FactUsed] = []
    for registry in policy["registries"]:
        answer = case.answer(registry, iin)
        if answer is None:
            continue
        if not answer.found:
            facts.append(case.fact(registry, iin, span))
            continue
        if registry == "subsidiary_farm":
            amount = int(answer.data.get("quarterly_income") or 0) if answer.data.get("has_farm") else 0
            facts.append(case.fact(registry, iin, "quarterly_income", value=amount))
        else:
            skip = set(excluded.get(registry, []))
            amount = sum(
                int(p.get("amount") or 0)
                for p in answer.data.get("payments") or []
                if isinstance(p, Mapping) and p.get("month") in months and p.get("kind") not in skip
            )
            facts.append(case.fact(registry, iin, span, value=amount))
        total += amount
    return total, facts


def _check_no_consumer_credit(ex: Explanation, case: Case, params: Parameters, family: Family) -> None:
    """A counted adult's outstanding loan other than a mortgage refuses TSA, when parameters.json
    `tsa_credit_ground` is in force on the registration day (`in_force`, absent = true) and the credit bureau was
    asked. The shipped entry is not in force: the Ministry announced the ground in September 2025 as a draft law,
    and no act enacting it was found; an operator puts it in force with the act's number and date."""
    day = case.registered_on
    try:
        ground = params.policy("tsa_credit_ground", day)
    except ParameterUnknown:
        return  # before the ground took effect
    if not ground.value.get("in_force", True):
        return  # announced, not enacted: no refusal rests on it
    asked = [
        m
        for m in family.counted
        if case.answer("credit", m.iin) is not None and m.age >= int(ground.value.get("from_age", 18))
    ]
    if not asked:
        return
    use(ex, ground)
    excluded = set(ground.value.get("excluded_kinds", []))
    above = int(ground.value.get("outstanding_above_kzt", 0))
    found: tuple[str, Mapping[str, Any]] | None = None
    for member in asked:
        for loan in case.get("credit", member.iin, "loans") or []:
            if not isinstance(loan, Mapping) or loan.get("kind") in excluded:
                continue
            issued, closed = parse_day(loan.get("issued_on")), parse_day(loan.get("closed_on"))
            if (
                (issued is None or issued <= day)
                and (closed is None or closed > day)
                and int(loan.get("outstanding") or 0) > above
            ):
                found = found or (member.iin, loan)
    ex.check(
        "tsa.no_consumer_credit",
        found is None,
        [
            case.fact(
                "credit",
                m.iin,
                "loans[].kind",
                value=",".join(
                    sorted(
                        {
                            str(loan.get("kind"))
                            for loan in case.get("credit", m.iin, "loans") or []
                            if isinstance(loan, Mapping)
                        }
                    )
                )
                or "none",
            )
            for m in asked
        ],
        member=mask_iin(found[0]) if found else "",
        kind=Term("loan", _loan_kind(found[1])) if found else "",
        outstanding=int(found[1].get("outstanding") or 0) if found else 0,
    )


def _loan_kind(loan: Mapping[str, Any]) -> str:
    kind = str(loan.get("kind"))
    return kind if kind in ("consumer", "microcredit", "car", "mortgage") else "other"


def _property_sales(case: Case, iin: str, quarter: Quarter, policy: Mapping[str, Any]) -> int:
    """Income from the sale of immovable and movable property the member declared in the quarter (counted)."""
    if "property" in policy.get("excluded_kinds", {}).get("income_tax", []):
        return 0
    return sum(
        int(p.get("amount") or 0)
        for p in case.get("income_tax", iin, "payments") or []
        if isinstance(p, Mapping) and p.get("kind") == "property" and p.get("month") in quarter.months()
    )


def _explain_conditions(ex: Explanation, case: Case, params: Parameters, family: Family) -> None:
    """Able-bodied adults neither employed nor registered unemployed: the assistance is conditional."""
    day = case.registered_on
    from_age = int(params.policy("tsa_family", day).value.get("able_bodied_from_age", 18))
    for member in family.counted:
        if member.role in DEPENDANT_ROLES or member.age < from_age:
            continue
        retirement = params.retirement_age_months(case.sex(member.iin), day)
        if case.age_in_months_on(member.iin, day) >= retirement.value:
            continue
        if disability_group(case.disability_on(member.iin, day)) in ("1", "2"):
            continue
        work = case.data("employment", member.iin)
        if work is None or work.get("employed") or work.get("registered_unemployed"):
            continue
        if case.get("entrepreneurs", member.iin, "registered"):
            continue
        ex.cite(retirement.version)
        ex.add(
            "tsa.conditional_assistance",
            "info",
            [
                case.fact("employment", member.iin, "employed"),
                case.fact("employment", member.iin, "registered_unemployed"),
            ],
            member=mask_iin(member.iin),
        )


def _child_supplement(
    ex: Explanation,
    case: Case,
    params: Parameters,
    family: Family,
    rounding: str,
    *,
    period_from: date,
    period_to: date,
    base: int,
) -> int:
    """The supplement of the first month of the period (children aged `from`-`to` on the registration day); the
    age is followed month by month (on the first day of each later month of the period): where a child turns 1 or
    7 inside the period, the months the supplement changes are named with their amount."""
    day = case.registered_on
    ages = use(ex, params.policy("tsa_child_supplement_ages", day)).value
    low, high = int(ages["from"]), int(ages["to"])

    def eligible(on: date) -> list[Any]:
        return [m for m in family.counted if m.role != "applicant" and low <= case.age_on(m.iin, on) <= high]

    children = eligible(day)
    later = []
    month = _next_month(period_from)
    while month <= period_to:
        later.append((month, len(eligible(month))))
        month = _next_month(month)
    if not children and not any(n for _, n in later):
        return 0
    mrp = use(ex, params.mrp(day))
    multiplier = use(ex, params.multiplier("tsa_child_supplement_mrp_multiplier", day))
    per_child = round_tenge(multiplier.value * Fraction(mrp.value), rounding)
    supplement = per_child * len(children)
    ex.add(
        "tsa.child_supplement",
        "info",
        [case.birth_fact(m.iin) for m in children],
        children=len(children),
        multiplier=multiplier.value,
        mrp=mrp.value,
        per_child=per_child,
        supplement=supplement,
    )
    previous = len(children)
    for first_day, count in later:
        if count != previous:
            ex.add(
                "tsa.child_supplement_month",
                "info",
                month=f"{first_day:%Y-%m}",
                children=count,
                supplement=per_child * count,
                amount=base + per_child * count,
            )
            previous = count
    return supplement


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _published_in(label: tuple[tuple[str, str], ...]) -> Localized | Term:
    """A figure's source as the reason prints it (see `poverty_line._source_label`); a figure without one says so."""
    return Localized(dict(label)) if label else Term("figure", "source_not_given")


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _quarter_words(quarter: Quarter) -> Localized:
    """A quarter as a reason says it: «2026 жылғы III» (the Kazakh template adds тоқсан), «III квартал 2026 г.»,
    `2026-Q3` in English."""
    roman = _ROMAN[quarter.q]
    return Localized(
        {"kk": f"{quarter.year} жылғы {roman}", "ru": f"{roman} квартал {quarter.year} г.", "en": str(quarter)}
    )

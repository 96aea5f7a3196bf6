"""The synthetic registry seed and the lookup plans: valid, consistent with registries.json, complete."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chalicelib.data import DATA_DIR
from chalicelib.domain.banking import Iban
from chalicelib.domain.identity import Iin
from chalicelib.domain.phone import PhoneNumber
from local.seed.generate import INCOME_MONTHS, SEED_FILE, build_seed, render

SERVICES = {s["id"] for s in json.loads((DATA_DIR / "services.json").read_text(encoding="utf-8"))["services"]}
REGISTRIES: dict[str, Any] = json.loads((DATA_DIR / "registries.json").read_text(encoding="utf-8"))["registries"]
BANKS = set(json.loads((DATA_DIR / "banks.json").read_text(encoding="utf-8"))["banks"])
PLANS: dict[str, Any] = json.loads((DATA_DIR / "lookup_plans.json").read_text(encoding="utf-8"))
INCOME_REGISTRIES = ("income_wages", "income_benefits", "income_tax", "alimony")


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return loaded


def all_ibans(seed: dict[str, Any]) -> list[str]:
    from_families = [f["iban"] for f in seed["families"] if f["iban"] is not None]
    from_accounts = [
        a["iban"] for records in seed["people"].values() for a in records.get("bank_accounts", {}).get("accounts", [])
    ]
    return from_families + from_accounts


def test_the_committed_seed_is_what_the_generator_makes() -> None:
    # Given the generator with its fixed RNG seed
    # When it builds the seed twice
    first, second = render(build_seed()), render(build_seed())
    # Then both runs agree with each other and with the committed file, which stays well under 2 MB
    assert first == second
    assert first == SEED_FILE.read_text(encoding="utf-8"), "run: python -m local.seed.generate"
    assert len(first.encode("utf-8")) < 1_000_000


def test_every_iin_in_the_seed_is_valid_and_matches_its_identity_record(seed: dict[str, Any]) -> None:
    # Given every person of the seed
    for iin, records in seed["people"].items():
        # When the IIN is parsed, Then it is valid
        parsed = Iin(iin)
        # And the identity record agrees with the IIN's birth date and sex
        if "gbdfl" in records:
            identity = records["gbdfl"]
            assert identity["iin"] == iin
            assert identity["birth_date"] == parsed.birth_date.isoformat()
            assert identity["sex"] == parsed.sex


def test_every_iin_mentioned_inside_an_answer_is_a_person_of_the_seed(seed: dict[str, Any]) -> None:
    # Given all 12-digit strings inside the answers
    people = seed["people"]
    text = json.dumps(people)
    mentioned = set(re.findall(r'"(\d{12})"', text))
    # Then each is valid and is itself a person of the seed
    for iin in mentioned:
        Iin(iin)
        assert iin in people


def test_every_iban_in_the_seed_is_valid_and_at_a_known_bank(seed: dict[str, Any]) -> None:
    # Given every IBAN in families and bank account answers
    ibans = all_ibans(seed)
    # Then each is a valid Kazakh IBAN of a bank in banks.json, and no account is listed twice
    for raw in ibans:
        assert Iban(raw).bank_code in BANKS
    accounts = [a for r in seed["people"].values() for a in r.get("bank_accounts", {}).get("accounts", [])]
    assert len({a["iban"] for a in accounts}) == len(accounts)
    for a in accounts:
        assert a["iban"][4:7] == a["bank_code"]


def test_every_family_names_people_of_the_seed(seed: dict[str, Any]) -> None:
    # Given the families
    people = seed["people"]
    for family in seed["families"]:
        # Then the applicant, every member and the representative exist in the seed
        assert family["applicant"] in people
        for member in family["members"]:
            assert member["iin"] in people
            assert member["relation"]
        if "representative" in family:
            assert family["representative"]["iin"] in people
        # And the family is complete in its own fields
        assert family["service_id"] in SERVICES
        PhoneNumber(family["phone"])
        assert re.fullmatch(r"KZ-[A-Z]{3}", family["region"])
        assert family["description"]


def test_scenario_slugs_and_family_ids_are_unique_stable_slugs(seed: dict[str, Any]) -> None:
    # Given the families
    slugs = [f["scenario"] for f in seed["families"]]
    ids = [f["id"] for f in seed["families"]]
    # Then there are at least 50, each slug and id unique, each slug lower-case words joined by dashes
    assert len(slugs) >= 50
    assert len(set(slugs)) == len(slugs)
    assert len(set(ids)) == len(ids)
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


def test_every_service_has_families_in_the_seed(seed: dict[str, Any]) -> None:
    # Given the families, Then every service of the catalog has several
    per_service = Counter(f["service_id"] for f in seed["families"])
    for service in SERVICES:
        assert per_service[service] >= 5, service


def test_every_registry_key_is_known_and_every_answer_has_its_shape(seed: dict[str, Any]) -> None:
    # Given every answer of every person
    for records in seed["people"].values():
        for registry, answer in records.items():
            # Then the registry is in registries.json and the answer has exactly the fields of its shape
            assert registry in REGISTRIES, registry
            assert set(answer) == set(REGISTRIES[registry]["answer"]), registry


def test_every_registry_both_knows_someone_and_misses_someone(seed: dict[str, Any]) -> None:
    # Given the people of the seed
    people = list(seed["people"].values())
    # Then every registry has at least one person found and one not found, so both paths can run
    for registry in REGISTRIES:
        assert any(registry in r for r in people), f"nobody in {registry}"
        assert any(registry not in r for r in people), f"everybody in {registry}"
    # And at least one person is found in no registry at all
    assert any(not r for r in people)


def test_income_series_cover_every_month_of_2025_to_2027(seed: dict[str, Any]) -> None:
    # Given every income answer
    for records in seed["people"].values():
        for registry in INCOME_REGISTRIES:
            if registry not in records:
                continue
            months = {p["month"] for p in records[registry]["payments"]}
            # Then every month from 2025-01 to 2027-12 is paid, so any filing day in 2026-2027 finds its quarter
            assert months == set(INCOME_MONTHS), registry
            assert all(isinstance(p["amount"], int) and p["amount"] >= 0 for p in records[registry]["payments"])


def test_the_seed_names_no_machine_paths() -> None:
    # Given the committed seed, Then it mentions no absolute path of this machine
    text = SEED_FILE.read_text(encoding="utf-8")
    assert "/work" not in text
    assert "/home/" not in text


def test_every_service_has_a_lookup_plan_of_known_registries() -> None:
    # Given the lookup plans and their vocabulary
    vocabulary = PLANS["vocabulary"]
    plans = PLANS["plans"]
    # Then there is a plan for each service of the catalog and nothing else
    assert set(plans) == SERVICES
    for service, entries in plans.items():
        for entry in entries:
            # And each entry names a known registry, known roles, a known condition and not-found handling
            assert entry["registry"] in REGISTRIES, (service, entry["registry"])
            assert entry["about"] and set(entry["about"]) <= set(vocabulary["roles"])
            assert entry.get("when", "representative") in vocabulary["conditions"]
            assert entry["on_not_found"] in vocabulary["on_not_found"]
            # And asking the applicant names the document; the purpose is ASCII (it travels as a header)
            assert ("document" in entry) == (entry["on_not_found"] == "ask_applicant")
            assert entry["purpose"] and entry["purpose"].isascii()
            assert set(entry) <= {"registry", "about", "when", "purpose", "on_not_found", "document"}


def test_tsa_asks_about_25_registries_about_the_whole_family() -> None:
    # Given the TSA plan
    entries = PLANS["plans"]["targeted-social-assistance"]
    # Then about 25 distinct registries are asked and the family's members are asked about identity and income
    registries = {e["registry"] for e in entries}
    assert len(registries) >= 25
    about_members = {e["registry"] for e in entries if "family_member" in e["about"]}
    assert {"gbdfl", "address", "income_wages", "income_benefits", "income_tax", "imprisonment"} <= about_members


def test_conditional_lookups_depend_on_answers_asked_earlier_in_the_same_plan() -> None:
    # Given every entry with a condition on another registry's answer
    for service, entries in PLANS["plans"].items():
        asked_of_applicant = {e["registry"] for e in entries if "applicant" in e["about"] and "when" not in e}
        for entry in entries:
            when = entry.get("when", "")
            if "." in when and not when.startswith("age."):
                # Then that registry is asked about the applicant unconditionally in the same plan
                assert when.split(".")[0] in asked_of_applicant, (service, when)


def people_in_role(family: dict[str, Any], role: str) -> list[str]:
    if role == "applicant":
        return [family["applicant"]]
    if role in ("subject", "family_member"):
        return [m["iin"] for m in family["members"]]
    return [family["representative"]["iin"]] if "representative" in family else []


def test_every_not_found_path_of_the_plans_is_reachable_from_some_family(seed: dict[str, Any]) -> None:
    # Given every lookup whose not_found is not simply a fact
    people = seed["people"]
    for service, entries in PLANS["plans"].items():
        families = [f for f in seed["families"] if f["service_id"] == service]
        for entry in entries:
            if entry["on_not_found"] == "fact" or (entry["registry"] == "gbdfl" and entry["about"] == ["applicant"]):
                continue  # an applicant who signs in through e-Gov is always in the identity database
            persons = [p for f in families for role in entry["about"] for p in people_in_role(f, role)]
            # Then some person in that role in a family of that service lacks the record
            assert any(entry["registry"] not in people[p] for p in persons), (service, entry["registry"])


def test_seed_file_lives_beside_its_readme() -> None:
    # Given the seed folder, Then the format is documented next to the default file
    assert (Path(SEED_FILE).parent / "README.md").is_file()

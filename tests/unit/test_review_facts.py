"""Facts an official types from a paper document, checked against the registry's answer shape (registries.json)
before they stand for the registry's answer: the smallest inputs of each kind of mistake."""

from typing import Any

import pytest

from chalicelib.data import load_json
from chalicelib.domain.documents import validate_facts

BANK = load_json("registries.json")["registries"]["bank_accounts"]["answer"]
OWNER = "860616441586"


def _account(**changes: Any) -> dict[str, Any]:
    account = {"iban": "KZ066011570980000015", "bank_code": "601", "owner_iin": OWNER, "opened_on": "2020-01-15"}
    account.update(changes)
    return {"accounts": [{k: v for k, v in account.items() if v is not ...}]}


def _codes(facts: Any) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in validate_facts(BANK, facts)}


def test_facts_in_the_registrys_shape_pass() -> None:
    assert _codes(_account()) == set()


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # a typo in the owner's IIN (check digit) would make the account another person's: refused, not stored
        (_account(owner_iin="860616441587"), ("facts.accounts[0].owner_iin", "facts.iin")),
        (_account(owner_iin="86061644158"), ("facts.accounts[0].owner_iin", "facts.iin")),
        (_account(opened_on=...), ("facts.accounts[0].opened_on", "facts.required")),
        (_account(opened_on="15.01.2020"), ("facts.accounts[0].opened_on", "facts.invalid")),
        (_account(branch="Aktobe"), ("facts.accounts[0].branch", "facts.unknown_field")),
    ],
)
def test_each_kind_of_mistake_is_named_at_its_field(facts: Any, expected: tuple[str, str]) -> None:
    assert expected in _codes(facts)

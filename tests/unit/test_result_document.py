"""The result document's canonical form, verification code and envelope (pure domain, no fakes needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.result_document import (
    SCHEMA,
    ResultDocument,
    SignedResult,
    canonical_bytes,
    normalize_verification_code,
    signing_input,
    verification_code,
)


def a_result(**changes: Any) -> ResultDocument:
    fields: dict[str, Any] = {
        "application_id": "APP-2026-000123",
        "service_id": "child-disability-benefit",
        "service_name": {"kk": "Мүгедектігі бар баланы тәрбиелеп отырғанға жәрдемақы", "ru": "Пособие"},
        "applicant_iin_masked": "8801****1234",
        "applicant_full_name": "Қасымов Нұрлан",
        "decision": {"outcome": "approved", "amount_monthly": 45600},
        "issued_at": datetime(2026, 11, 23, 14, 30, tzinfo=timezone(timedelta(hours=5))),
        "issuer_office_id": "labour-department:KZ-ALA",
        "issuer_name": {"ru": "Отдел занятости"},
        "language": "ru",
    }
    fields.update(changes)
    return ResultDocument(**fields)


def test_the_document_is_a_plain_dict_with_instants_in_utc() -> None:
    # Given a result issued at 14:30 Almaty time
    # When it becomes a document
    document = a_result().to_dict()

    # Then it is plain JSON data, the instant in UTC, the IIN masked
    assert document["schema"] == SCHEMA
    assert document["issued_at"] == "2026-11-23T09:30:00Z"
    assert document["applicant"] == {"iin_masked": "8801****1234", "full_name": "Қасымов Нұрлан"}
    assert document["issuer"]["office_id"] == "labour-department:KZ-ALA"
    assert document["service"]["id"] == "child-disability-benefit"


def test_a_document_reads_back_to_the_same_document() -> None:
    document = a_result().to_dict()

    assert ResultDocument.from_dict(document).to_dict() == document


def test_canonical_bytes_are_sorted_compact_utf8_whatever_the_key_order() -> None:
    # Given the same content built in two key orders
    one = {"b": 1, "a": {"y": "Ә", "x": [1, 2]}}
    other = {"a": {"x": [1, 2], "y": "Ә"}, "b": 1}

    # When both are canonicalised
    # Then the bytes are equal, compact, and the Kazakh letter is UTF-8 rather than an escape
    assert canonical_bytes(one) == canonical_bytes(other) == '{"a":{"x":[1,2],"y":"Ә"},"b":1}'.encode()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (45600.5, "result.float"),
        (2**60, "result.integer_too_large"),
        (datetime(2026, 1, 1, tzinfo=UTC), "result.type"),
    ],
)
def test_values_without_one_stable_json_form_are_refused(value: Any, code: str) -> None:
    with pytest.raises(InvalidValue) as error:
        canonical_bytes({"decision": {"amount": value}})

    assert error.value.code == code


def test_a_full_iin_cannot_go_into_a_result_document() -> None:
    with pytest.raises(InvalidValue) as error:
        a_result(applicant_iin_masked="880101300123")

    assert error.value.code == "result.iin_not_masked"


def test_the_verification_code_is_four_groups_of_four_and_follows_every_change() -> None:
    # Given a document and the same document with one amount changed
    document = a_result().to_dict()
    changed = a_result(decision={"outcome": "approved", "amount_monthly": 45601}).to_dict()

    # When their codes are computed
    code = verification_code(document)

    # Then the code is short, stable, typable and different for the changed document
    assert len(code) == 19 and code.count("-") == 3
    assert all(ch in "0123456789ABCDEFGHJKMNPQRSTVWXYZ-" for ch in code)
    assert verification_code(dict(reversed(list(document.items())))) == code
    assert verification_code(changed) != code


def test_a_typed_code_is_read_forgivingly() -> None:
    code = verification_code(a_result().to_dict())
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    assert normalize_verification_code(typed) == code


def test_the_signing_input_binds_key_algorithm_and_instant() -> None:
    document = a_result().to_dict()
    base = signing_input(document, key_id="k1", algorithm="A", signed_at="2026-11-23T09:30:00Z")

    assert base != signing_input(document, key_id="k2", algorithm="A", signed_at="2026-11-23T09:30:00Z")
    assert base != signing_input(document, key_id="k1", algorithm="B", signed_at="2026-11-23T09:30:00Z")
    assert base != signing_input(document, key_id="k1", algorithm="A", signed_at="2026-11-23T09:30:01Z")


def test_a_signed_result_envelope_rejects_missing_parts() -> None:
    envelope = SignedResult(
        document=a_result().to_dict(), signature_b64="c2ln", key_id="k1", algorithm="A", signed_at="t"
    ).to_dict()
    del envelope["key_id"]

    with pytest.raises(InvalidValue) as error:
        SignedResult.from_dict(envelope)

    assert error.value.code == "signed_result.malformed"

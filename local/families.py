"""The application a seeded family (local/seed/registries.json) would file: used by the tests, the
benchmarks and the demo, so all three file the same way."""

from __future__ import annotations

from datetime import date
from typing import Any

SUBJECT_RELATION = {
    "targeted-social-assistance": "family_member",
    "caregiver-allowance": "cared_person",
    "child-disability-benefit": "child",
    "special-social-services": "cared_person",
}


def application_body(
    family: dict[str, Any], *, channel: str = "portal", office: str | None = None, official: str = "Иванова А.Б."
) -> dict[str, Any]:
    service = family["service_id"]
    body: dict[str, Any] = {
        "service_id": service,
        "channel": channel,
        "applicant": {"iin": family["applicant"], "phone": family["phone"], "region": family["region"]},
        "subjects": [{"iin": m["iin"], "relation": SUBJECT_RELATION[service]} for m in family["members"]],
        "language": family.get("language", "ru"),
    }
    if family.get("iban"):
        body["bank_account"] = {"iban": family["iban"]}
    if family.get("representative"):
        body["representative"] = family["representative"]
    if office:
        body["accepted_by"] = {"office": office, "official": official}
    return body


def operator_iin() -> str:
    """A valid IIN for an office operator (an employee, in no registry): who files in person in the demo and bench."""
    from chalicelib.domain.identity import make_iin

    for serial in range(9000, 9100):
        made = make_iin(date(1987, 3, 14), "female", serial)
        if made is not None:
            return made.value
    raise RuntimeError("no valid IIN for the operator")

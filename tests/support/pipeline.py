"""Running the whole pipeline in-process: moto, the gateway simulator, and the app's own SQS handlers."""

from __future__ import annotations

from typing import Any

SUBJECT_RELATION = {
    "targeted-social-assistance": "family_member",
    "caregiver-allowance": "cared_person",
    "child-disability-benefit": "child",
    "special-social-services": "cared_person",
}


def body_for(family: dict[str, Any], *, channel: str = "portal", office: str | None = None) -> dict[str, Any]:
    """The application a seeded family would file."""
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
        body["accepted_by"] = {"office": office, "official": "Иванова А.Б."}
    return body


def drain(limit: int = 500) -> int:
    """Hand queued messages to the app's handlers until the queues are quiet. Returns messages handled."""
    import app as app_module
    from chalicelib.bootstrap import container
    from local.stack import pump_once

    handled = 0
    for _ in range(limit):
        n = pump_once(app_module.app, container().client("sqs"))
        if n == 0:
            return handled
        handled += n
    raise AssertionError("the queues did not go quiet")

"""A whole pipeline run, with every log line it writes captured: no IIN, name, phone number or IBAN of the
family appears in clear (masked forms like 9204****1019 are allowed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_pipeline import file
from tests.support.pipeline import drain
from tests.support.sms import every_notice_by_sms  # noqa: F401 - the fixture

SEED = Path(__file__).resolve().parents[2] / "local" / "seed" / "registries.json"


@pytest.mark.usefixtures("every_notice_by_sms")  # every notice also an SMS: each one's log line is scanned too
@pytest.mark.parametrize(
    ("scenario", "channel"),
    [
        ("tsa-eligible-3-children", "provider_office"),
        ("caregiver-eligible", "state_corp"),
        ("tsa-bank-account-not-found", "provider_office"),
        ("child-disability-birth-certificate-in-wallet", "portal"),
    ],
)
def test_no_personal_data_in_the_logs(
    gateway: Any, capfd: pytest.CaptureFixture[str], scenario: str, channel: str
) -> None:
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    family = gateway.family(scenario)
    people = [family["applicant"], *[m["iin"] for m in family["members"]]]
    secrets = set(people) | {family["phone"], family["phone"].lstrip("+")}
    if family.get("iban"):
        secrets.add(family["iban"])
    for iin in people:
        record = seed["people"].get(iin, {}).get("gbdfl") or {}
        secrets |= {record[k] for k in ("last_name", "first_name") if record.get(k)}
    import io
    import logging

    from chalicelib.bootstrap import container
    from chalicelib.observability import logger
    from chalicelib.services.sms_inbound import receive_sms_webhook

    # Every record the app logs, formatted as Lambda would write it (Powertools' JSON formatter)
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    try:
        app = file(gateway, scenario, channel=channel, role="operator" if channel != "portal" else "citizen")
        drain()
        if app.applicant.phone and "digital_documents" in container().repo.get(app.id).data:
            # The applicant answers the Digital Documents question by SMS: the wallet is read and its data used
            receive_sms_webhook(
                {
                    "message_id": "pii-1",
                    "from": app.applicant.phone,
                    "text": "Да",
                    "received_at": "2026-11-24T09:00:00Z",
                },
                container().sms_webhooks(),
            )
            drain()
            assert container().repo.get(app.id).data["digital_documents"]["state"] == "fetched"
    finally:
        logger._logger.removeHandler(handler)
    out, err = capfd.readouterr()
    logs = captured.getvalue() + out + err
    assert "notification handled" in logs and "sms sent" in logs  # the run did log, SMS included
    leaked = sorted(s for s in secrets if s and s in logs)
    assert leaked == [], f"personal data in the logs: {len(leaked)} value(s)"

"""The README's walk-through, as a newcomer follows it: the seeded family it names is filed on a stack started as
`make run` starts it, is decided, and its signed result verifies; the refusal it shows ends refused. The values
(IIN, body) are read from the README itself, so the README cannot drift from what works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ROOT, Stack

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
FINAL = ("approved", "refused")


def _walk_through() -> tuple[str, dict[str, Any], str]:
    section = README[README.index("## Try it") : README.index("**The other paths, on purpose**")]
    father = re.search(r"^FATHER=(\d{12})$", section, re.MULTILINE)
    body = re.search(r"-d '(\{.*?\})'", section, re.DOTALL)
    phone = re.search(r"local\.outbox --phone (\+\d+)", section)
    assert father and body and phone, "the README's walk-through lost its IIN, body or phone"
    raw = body.group(1).replace("'$FATHER'", father.group(1))
    return father.group(1), json.loads(raw), phone.group(1)


def _decided(stack: Stack, app_id: str, token: str) -> dict[str, Any]:
    def final() -> dict[str, Any] | None:
        status, _, app = stack.request("GET", f"/applications/{app_id}", token=token)
        return app if status == 200 and app["status"] in FINAL else None

    found: dict[str, Any] = stack.wait_until(final, timeout=90)
    return found


def test_the_readme_family_is_decided_and_its_result_verifies(stack: Stack) -> None:
    father, body, phone = _walk_through()
    token = stack.token(father)
    status, _, created = stack.request(
        "POST", "/applications", body, token=token, headers={"Idempotency-Key": "my-first-application"}
    )
    assert status == 201 and created["status"] == "submitted", created
    app = _decided(stack, created["id"], token)
    assert app["status"] == "approved" and app["lookups"] and app["decision"]["reasons"], app["status"]
    status, _, result = stack.request("GET", f"/applications/{app['id']}/result", token=token)
    assert status == 200
    status, _, verdict = stack.request("POST", "/results/verify", result)  # the file as curl sends it back
    assert verdict["valid"] is True, verdict

    def notified() -> bool:
        _, _, notices = stack.request("GET", "/notifications", token=token)
        return any(n["application_id"] == app["id"] and n["purpose"].startswith("approved") for n in notices["items"])

    stack.wait_until(notified, timeout=60)
    printed = subprocess.run(
        [sys.executable, "-m", "local.outbox", "--endpoint", stack.printed("aws_endpoint"), "--phone", phone],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.returncode == 0  # a portal filing of this service is told in the personal account, not by SMS


def test_the_refusal_the_readme_shows_ends_refused(stack: Stack) -> None:
    other = README[README.index("**The other paths, on purpose**") :]
    uncle = re.search(r"IIN (\d{12}),\s+child (\d{12}), region (KZ-\w+), phone (\+\d+)", other)
    assert uncle, "the README's refusal lost its family"
    iin, child, region, phone = uncle.groups()
    token = stack.token(iin)
    body = {
        "service_id": "child-disability-benefit",
        "channel": "portal",
        "applicant": {"iin": iin, "phone": phone, "region": region},
        "subjects": [{"iin": child, "relation": "child"}],
        "bank_account": {"iban": "KZ116019576400000043"},
    }
    status, _, created = stack.request("POST", "/applications", body, token=token)
    assert status == 201, created
    assert _decided(stack, created["id"], token)["status"] == "refused"

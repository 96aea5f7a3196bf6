"""`make demo` for real: `python -m local.demo` as a process, with a clean environment, runs the four services end to
end on a local stack of its own and verifies each signed result."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.e2e.conftest import ROOT, clean_environment

SERVICES = ("caregiver-allowance", "special-social-services", "targeted-social-assistance", "child-disability-benefit")


def test_the_demo_takes_each_service_to_a_verified_result() -> None:
    # When the demo runs, as `make demo` runs it
    run = subprocess.run(
        [sys.executable, "-m", "local.demo"],
        cwd=ROOT,
        env=clean_environment(),
        text=True,
        capture_output=True,
        timeout=300,
        check=False,
    )
    output = run.stdout
    # Then it succeeds
    assert run.returncode == 0, output[-4000:] + run.stderr[-2000:]
    for service in SERVICES:
        # And each service has its section, and ends approved with its result verified
        assert re.search(rf"^{service}: \(", output, re.MULTILINE), service
        assert re.search(rf"^ok\s+{service}\s+approved\b.*result verified$", output, re.MULTILINE), service
    assert output.count("valid: true (valid)") == len(SERVICES)
    assert output.count("valid: false (signature.mismatch)") == len(SERVICES)
    # And it shows what a reviewer looks for: the OTP SMS, the ticket, the TSA registries and amount, the conversation
    assert "read from the SMS" in output and "Tear-off ticket" in output
    assert re.search(r"^  income_wages\s+", output, re.MULTILINE) and "tsa.amount" in output
    assert "proactive_consent_given" in output
    # And it prints no whole IIN nor phone number (a key id's UUID may hold a run of 12 digits: not an IIN)
    assert not re.search(r"(?<![\w-])\d{12}(?![\w-])", output)
    assert not re.search(r"\+7\d{10}", output)

"""`make run` for real: the local stack as a process, spoken to over HTTP."""

from __future__ import annotations

from tests.e2e.conftest import Stack, start_stack
from tests.support.people import MOTHER, STRANGER, child_benefit_body


def test_a_citizen_files_over_http_and_reads_it_back(stack: Stack) -> None:
    token = stack.token(MOTHER)
    status, _, created = stack.request(
        "POST", "/applications", child_benefit_body(), token=token, headers={"Idempotency-Key": "e2e-1"}
    )
    assert status == 201, created
    status, _, read = stack.request("GET", f"/applications/{created['id']}", token=token)
    assert status == 200, read
    assert read["status"] in ("submitted", "checking", "deciding", "approved", "refused")
    status, _, history = stack.request("GET", "/applications", token=token)
    assert [i["id"] for i in history["items"]] == [created["id"]]
    status, _, _ = stack.request("GET", f"/applications/{created['id']}", token=stack.token(STRANGER))
    assert status == 404


def test_ctrl_c_stops_everything_cleanly() -> None:
    running = start_stack(Stack)
    code, output = running.stop()
    assert code == 0, output[-2000:]
    assert "stopped." in output

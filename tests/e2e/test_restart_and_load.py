"""The local stack keeps a user's data across restarts, holds 50 callers at once, and its outbox is quick to read.

Each test starts its own `python -m local.run` in its own state directory (never the developer's `.local/`)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from local.api_client import ApiClient
from local.families import application_body
from local.gateway_sim import default_seed_path
from tests.e2e.conftest import ROOT, Stack, start_stack
from tests.support.people import CHILD, child_benefit_body, iin

FINAL = ("approved", "refused")


def _family(scenario: str) -> dict[str, Any]:
    seed = json.loads(default_seed_path().read_text(encoding="utf-8"))
    family: dict[str, Any] = next(f for f in seed["families"] if f["scenario"] == scenario)
    return family


def _local(stack: Stack, path: str, method: str = "GET") -> Any:
    request = urllib.request.Request(stack.printed("aws_endpoint") + path, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _kill_9(stack: Stack) -> None:
    stack.process.send_signal(signal.SIGKILL)
    stack.process.wait(timeout=10)
    stack._reader.join(timeout=5)


def test_kill_9_mid_pipeline_then_the_application_finishes_after_restart_and_its_result_verifies() -> None:
    state_dir = tempfile.mkdtemp(prefix="local-stack-")
    env = {"LOCAL_STATE_DIR": state_dir, "LOCAL_SAVE_SECONDS": "0.5"}
    family = _family("child-disability-eligible-father")
    first = start_stack(Stack, env)
    try:
        token = first.token(family["applicant"])
        # Slow registries, so that the kill lands while the lookups are under way
        slow = urllib.request.Request(
            first.printed("gateway") + "/_sim/config",
            method="POST",
            data=json.dumps({"registries": {"*": {"latency_ms": 400}}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(slow, timeout=10).read()
        # Given an application filed
        status, _, created = first.request(
            "POST", "/applications", application_body(family), token=token, headers={"Idempotency-Key": "restart-1"}
        )
        assert status == 201, created
        app_id = created["id"]
        # And saved by the stack (at most one interval later)
        saves = _local(first, "/_local/state")["saves"]
        first.wait_until(lambda: _local(first, "/_local/state")["saves"] > saves, timeout=10)
        _, _, before = first.request("GET", f"/applications/{app_id}", token=token)
        assert before["status"] not in FINAL, "the pipeline finished before the kill: nothing was tested"
    finally:
        # When the stack is killed mid-pipeline (no chance to save on the way out)
        _kill_9(first)
    # And started again on the same state
    second = start_stack(Stack, env)
    try:
        assert "restored" in "".join(second.lines)

        # Then the application is there and finishes
        def finished() -> dict[str, Any] | None:
            status, _, app = second.request("GET", f"/applications/{app_id}", token=token)
            return app if status == 200 and app["status"] in FINAL else None

        app = second.wait_until(finished, timeout=90)
        assert app["status"] == "approved", app["status"]
        # And its signed result verifies (the KMS signing key survived the restart)
        status, _, result = second.request("GET", f"/applications/{app_id}/result", token=token)
        assert status == 200, result
        signed = {k: result[k] for k in ("document", "signature_b64", "key_id", "algorithm", "signed_at")}
        status, _, verdict = second.request("POST", "/results/verify", signed)
        assert status == 200 and verdict["valid"] is True, verdict
        # And the Idempotency-Key still answers the first response, not a second application
        status, _, again = second.request(
            "POST", "/applications", application_body(family), token=token, headers={"Idempotency-Key": "restart-1"}
        )
        assert again["id"] == app_id
    finally:
        code, output = second.stop()
    assert code == 0, output[-2000:]
    # And a result signed before a restart still verifies after a clean one (Ctrl-C saves on the way out)
    third = start_stack(Stack, env)
    try:
        status, _, verdict = third.request("POST", "/results/verify", signed)
        assert verdict["valid"] is True, verdict
        status, _, history = third.request("GET", "/applications", token=token)
        assert [i["id"] for i in history["items"]] == [app_id]
    finally:
        third.stop()
    # And `--reset` starts empty
    fourth = start_stack(Stack, env, args=("--reset",))
    try:
        status, _, history = fourth.request("GET", "/applications", token=token)
        assert status == 200 and history["items"] == []
        status, _, verdict = fourth.request("POST", "/results/verify", signed)
        assert verdict["valid"] is False
    finally:
        fourth.stop()


def test_fifty_parallel_filings_get_no_5xx_and_no_reset_connection() -> None:
    stack = start_stack(Stack)
    try:
        mothers = [iin(date(1985, 1, 1 + n % 28), "female", 100 + n) for n in range(50)]
        tokens = {m: _token(m) for m in mothers}

        # A patient client: on a busy two-core machine 50 filings queue up behind each other (moto serves one
        # request at a time); what is tested is that every one is answered, none with a 5xx or a reset
        client = ApiClient(stack.base, timeout=240)

        def file(mother: str) -> int:
            status, _, _ = client.request(
                "POST",
                "/applications",
                child_benefit_body(mother, CHILD),
                token=tokens[mother],
                headers={"Idempotency-Key": f"load-{mother}"},
            )
            return status

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(file, mothers))  # a reset connection raises here
        elapsed = time.monotonic() - started
        assert [s for s in statuses if s >= 500] == [], statuses
        assert statuses.count(201) == 50, statuses
        # And reads in parallel too
        with ThreadPoolExecutor(max_workers=50) as pool:
            reads = list(pool.map(lambda m: client.request("GET", "/applications", token=tokens[m])[0], mothers))
        assert set(reads) == {200}, reads
        print(f"50 parallel filings in {elapsed:.1f} s")
    finally:
        code, output = stack.stop()
    assert code == 0, output[-2000:]


def _token(iin_value: str) -> str:
    from local.token import development_token

    return development_token(iin_value, "citizen")


def test_the_outbox_says_the_stack_is_down_and_filters_by_phone_and_time() -> None:
    # With nothing listening, a clear message and exit code 1, no traceback
    down = subprocess.run(
        [sys.executable, "-m", "local.outbox", "--endpoint", "http://127.0.0.1:9"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert down.returncode == 1 and "make run" in down.stderr and "Traceback" not in down.stderr, down.stderr
    stack = start_stack(Stack)
    try:
        aws = stack.printed("aws_endpoint")
        sns: Any = _sns(aws)
        for n in range(2000):
            sns.publish(PhoneNumber=f"+7700{n % 3:07d}", Message=f"text {n}")
        started = time.monotonic()
        printed = subprocess.run(
            [sys.executable, "-m", "local.outbox", "--endpoint", aws, "--phone", "+77000000001"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        elapsed = time.monotonic() - started
        lines = [json.loads(line) for line in printed.stdout.splitlines()]
        assert len(lines) == 667 and {m["to"] for m in lines} == {"+77000000001"}
        assert elapsed < 10, elapsed
        future = subprocess.run(
            [sys.executable, "-m", "local.outbox", "--endpoint", aws, "--since", "2999-01-01"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert future.stdout == ""
        last = subprocess.run(
            [sys.executable, "-m", "local.outbox", "--endpoint", aws, "--last", "1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert json.loads(last.stdout)["text"] == "text 1999"
    finally:
        stack.stop()


def _sns(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "sns",
        region_name="eu-central-1",
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )

"""The local stack as a real process, as `make run` starts it, shared by the e2e tests of a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from local.api_client import ApiClient, wait_until
from local.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
BANNER_LAST_LINE = "Ctrl-C stops everything"  # local/run.py prints it last, once everything started


class Stack:
    """The stack process, with its output read as it comes (so a chatty run never fills the pipe and stalls
    the stack's threads on a write), and what it printed at start."""

    def __init__(self, process: subprocess.Popen[str], base: str) -> None:
        self.process = process
        self.base = base
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def printed(self, name: str) -> str:
        """A value the stack printed on start (`  aws_endpoint   http://...`)."""

        def find() -> str | None:
            for line in list(self.lines):
                words = line.split()
                if len(words) == 2 and words[0] == name:
                    return words[1]
            return None

        found: str = self.wait_until(find, timeout=10)
        return found

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a developer stops it; the exit code and everything it printed. A stack still running after
        30 s is asked for its threads' stacks (faulthandler on SIGUSR1) before it is killed."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(2)
            self.process.kill()
            self.process.wait()
            code = -9
        self._reader.join(timeout=5)
        return code, "".join(self.lines)

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        return ApiClient(self.base).request(method, path, body, token=token, headers=headers)

    def token(self, iin: str, role: str = "citizen", org: str | None = None) -> str:
        args = [sys.executable, "-m", "local.token", "--iin", iin, "--role", role] + (["--org", org] if org else [])
        return subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()

    def wait_until(self, predicate: Any, timeout: float = 30.0) -> Any:
        try:
            return wait_until(predicate, timeout=timeout)
        except TimeoutError:
            raise AssertionError("condition not met in time") from None


S = TypeVar("S", bound=Stack)


def clean_environment(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment, as a newcomer's shell would have: nothing from the test process leaks in."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({"PYTHONUNBUFFERED": "1", **(extra_env or {})})
    return env


def start_stack(
    kind: type[S], extra_env: dict[str, str] | None = None, port: int | None = None, args: tuple[str, ...] = ()
) -> S:
    """`python -m local.run` in its own state directory (a fresh one unless `LOCAL_STATE_DIR` is given): never the
    developer's `.local/`."""
    import tempfile

    port = port or free_port()
    env = clean_environment(
        {
            "PORT": str(port),
            "SCHEDULE_TICK_SECONDS": "3600",
            "LOCAL_STATE_DIR": tempfile.mkdtemp(prefix="local-stack-"),
            **(extra_env or {}),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "local.run", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    stack = kind(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stack._reader.join(timeout=5)
            raise AssertionError(f"local stack exited: {''.join(stack.lines)}")
        try:
            # ready as a developer sees it: /health answers and the banner is printed in full (the API serves
            # before `local.run` prints what the stack started, e.g. whether its state was restored)
            if stack.request("GET", "/health")[0] == 200 and any(
                line.startswith(BANNER_LAST_LINE) for line in list(stack.lines)
            ):
                return stack
        except OSError:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError("local stack did not serve /health and print its banner within 60 s")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    running = start_stack(Stack)
    yield running
    code, output = running.stop()
    assert code == 0, output[-3000:]

"""`make run`: start the whole system on the local stack and serve until Ctrl-C.

Its AWS state (applications, SMS, documents, idempotency records, the KMS signing key...) is kept across restarts in
`.local/aws-state.pickle` (`LOCAL_STATE_DIR` moves it; `LOCAL_SAVE_SECONDS`, default 2, is how often it is saved while
something changes; `LOCAL_PERSIST=0` keeps nothing). `make reset` or `--reset` starts empty.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import sys
import time
from pathlib import Path

from local.stack import AWS_STATE_NAME, DEFAULT_SAVE_SECONDS, LOCAL_DIR, LocalStack


def venv_python() -> str:
    """The interpreter running the stack, as a newcomer types it from the repository (`.venv/bin/python`)."""
    executable = Path(sys.executable)
    try:
        return str(executable.relative_to(Path.cwd()))
    except ValueError:
        return str(executable)


def aws_state_file() -> Path | None:
    if os.environ.get("LOCAL_PERSIST", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    return Path(os.environ.get("LOCAL_STATE_DIR") or LOCAL_DIR) / AWS_STATE_NAME


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.run", description=__doc__)
    parser.add_argument("--reset", action="store_true", help="start empty: delete the kept state first")
    args = parser.parse_args(argv)
    stack = LocalStack(
        aws_state_file=aws_state_file(),
        save_seconds=float(os.environ.get("LOCAL_SAVE_SECONDS") or DEFAULT_SAVE_SECONDS),
        reset=args.reset,
        api_port=int(os.environ.get("PORT", "8000")),
        moto_port=int(os.environ.get("MOTO_PORT", "0")),
        gateway_port=int(os.environ.get("GATEWAY_PORT", "0")),
        tick_seconds=float(os.environ.get("SCHEDULE_TICK_SECONDS", "60")),
        seed=os.environ.get("REGISTRY_SEED"),
        ncalayer_port=int(os.environ.get("NCALAYER_PORT", "13579")),
        ncalayer_signer=os.environ.get("NCALAYER_SIGNER_IIN") or None,
    )
    # `kill -USR1 <pid>` prints every thread's stack: the way to see what a stuck stack is doing.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    # The handlers only flip a flag, and the main thread polls it: a handler that took a lock (Event.set)
    # could deadlock against the main thread holding it, and a signal the kernel hands to another thread
    # would never wake a main thread parked without a timeout.
    stopping: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: stopping.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    info = stack.start()
    print("Social benefits back office: local stack is up", flush=True)
    for name, value in info.items():
        print(f"  {name:24} {value}", flush=True)
    if info.get("gateway"):
        print(f"  gateway WSDL             {info['gateway']}/bip-sync-wss-gost/?wsdl", flush=True)
    python = venv_python()
    print(f"  tokens                   {python} -m local.token --iin <IIN> --role citizen", flush=True)
    print(
        f"  sent SMS                 {python} -m local.outbox [--phone +77...] [--since 2026-11-24T10:00]", flush=True
    )
    print("  staff console            sign in at /console with a seeded member of local/seed/staff.json", flush=True)
    print("Ctrl-C stops everything (the state is saved); `make reset` starts empty.", flush=True)
    while not stopping:
        time.sleep(0.25)
    print("stopping...", flush=True)
    stack.stop()
    print("stopped.", flush=True)
    # Every server and loop is stopped and moto's state saved; do not wait at exit for worker threads still parked
    # on a keep-alive connection or a pool (they hold nothing that needs saving: all state is in moto).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

"""`make run`: start the whole system on the local stack and serve until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading

from local.stack import LocalStack


def main() -> None:
    stack = LocalStack(
        api_port=int(os.environ.get("PORT", "8000")),
        moto_port=int(os.environ.get("MOTO_PORT", "0")),
        gateway_port=int(os.environ.get("GATEWAY_PORT", "0")),
        tick_seconds=float(os.environ.get("SCHEDULE_TICK_SECONDS", "60")),
        seed=os.environ.get("REGISTRY_SEED"),
    )
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    info = stack.start()
    print("Social benefits back office: local stack is up", flush=True)
    for name, value in info.items():
        print(f"  {name:24} {value}", flush=True)
    print("  tokens                   python -m local.token --iin <IIN> --role citizen", flush=True)
    print("  sent SMS                 python -m local.outbox", flush=True)
    print("Ctrl-C stops everything.", flush=True)
    done.wait()
    print("stopping...", flush=True)
    stack.stop()
    print("stopped.", flush=True)
    # Every server and loop is stopped; do not wait at exit for worker threads still parked on a
    # keep-alive connection or a pool (they hold nothing that needs saving: all state is in moto).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

"""`make run`: start the whole system on the local stack and serve until Ctrl-C."""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import time

from local.stack import LocalStack


def main() -> None:
    stack = LocalStack(
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
    print("  tokens                   python -m local.token --iin <IIN> --role citizen", flush=True)
    print("  sent SMS                 python -m local.outbox", flush=True)
    print("  staff console            sign in at /console with a seeded member of local/seed/staff.json", flush=True)
    print("Ctrl-C stops everything.", flush=True)
    while not stopping:
        time.sleep(0.25)
    print("stopping...", flush=True)
    stack.stop()
    print("stopped.", flush=True)
    # Every server and loop is stopped; do not wait at exit for worker threads still parked on a
    # keep-alive connection or a pool (they hold nothing that needs saving: all state is in moto).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

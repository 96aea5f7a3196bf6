"""The e-government gateway's (ШЭП) share: what a registry lookup costs on the wire and in time, and what the SOAP
stack costs a cold start.

- `cold_imports()`: `python -c "import <module>"` in RUNS fresh interpreters (interleaved, after one untimed run of
  each), median wall time minus `python -c pass`: lxml.etree, signxml, the whole client path (the SOAP client, its
  messages and WS-Security, with the logging they import), and zeep when it is importable or BENCH_ZEEP_PATH names
  a folder it was `pip install --target`-ed into (it is not a dependency: lxml was chosen over it on these figures,
  see chalicelib/adapters/shep_soap.py).
- `per_lookup()`: the client against the simulator in-process (no latency, no faults), LOOKUPS lookups over the
  registries of one TSA family (found and not found): bytes sent and received per lookup, the client's wall time
  per lookup, and of that the time to build and sign the message (RSA-2048, exclusive C14N) and the HTTP exchange
  itself (which includes the simulator's schema validation and signature check).
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import time
from typing import Any

from bench.cold_start import _run

RUNS = 7
LOOKUPS = 60
CLIENT_PATH = (
    "import chalicelib.adapters.gateway, chalicelib.adapters.shep_soap, chalicelib.adapters.shep_wss, "
    "signxml.signer, lxml.etree"
)


def cold_imports() -> dict[str, Any]:
    variants = {
        "bare": "pass",
        "lxml.etree": "import lxml.etree",
        "signxml": "import signxml.signer",
        "soap_client_path": CLIENT_PATH,
    }
    zeep_path = os.environ.get("BENCH_ZEEP_PATH")  # a `pip install --target` folder: zeep stays out of the venv
    if zeep_path:
        variants["zeep"] = f"import sys; sys.path.insert(0, {zeep_path!r}); import zeep"
    elif importlib.util.find_spec("zeep") is not None:
        variants["zeep"] = "import zeep"
    for code in variants.values():
        _run(["-c", code])
    walls: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(RUNS):
        for name, code in variants.items():
            walls[name].append(_run(["-c", code])[0])
    medians = {name: statistics.median(values) * 1000 for name, values in walls.items()}
    net = {name: round(ms - medians["bare"], 1) for name, ms in medians.items() if name != "bare"}
    return {
        "runs": RUNS,
        "net_ms": net,
        "zeep": "measured" if "zeep" in variants else "not installed (not a dependency): BENCH_ZEEP_PATH=<folder>",
        "what": "median wall of fresh interpreters minus `python -c pass`",
    }


def per_lookup(lookups: int = LOOKUPS) -> dict[str, Any]:
    from chalicelib.adapters.gateway import GatewayClient
    from chalicelib.adapters.shep_soap import RegistryQuery
    from chalicelib.adapters.shep_wss import PemEnvelopeSigner
    from local.gateway_participant import SENDER_ID, SENDER_PASSWORD, provider_pem
    from local.gateway_sim import GatewaySimulator

    with GatewaySimulator() as sim:
        family = sim.family("tsa-eligible-3-children")
        people = [family["applicant"], *(m["iin"] for m in family["members"])]
        registries = [
            r
            for r in sim.registries
            if r in ("gbdfl", "address", "income_wages", "civil_births", "vehicles", "disability")
        ]
        client = GatewayClient(sim.base_url, SENDER_ID, SENDER_PASSWORD, PemEnvelopeSigner(*provider_pem()))
        client.fetch(
            "gbdfl",
            people[0],
            service_id="targeted-social-assistance",
            purpose="bench warm-up",
            on_behalf_of="bench",
            request_id="bench:warm",
        )
        walls, signing, exchanges, found = [], [], [], 0
        for n in range(lookups):
            registry, iin = registries[n % len(registries)], people[n % len(people)]
            started = time.perf_counter()
            answer = client.fetch(
                registry,
                iin,
                service_id="targeted-social-assistance",
                purpose="bench",
                on_behalf_of="bench",
                request_id=f"bench:{n}",
            )
            walls.append(time.perf_counter() - started)
            exchanges.extend(answer.exchanges)
            found += answer.found
            query = RegistryQuery(registry, iin, "targeted-social-assistance", "bench", "bench")
            started = time.perf_counter()
            client.signed_request(client.service_ids[registry], query, f"bench:{n}", "session", "message")
            signing.append(time.perf_counter() - started)
        client.close()
    sent = [e.request_bytes for e in exchanges]
    received = [e.response_bytes for e in exchanges]
    return {
        "lookups": lookups,
        "found": found,
        "request_bytes_median": statistics.median(sent),
        "response_bytes_median": statistics.median(received),
        "response_bytes_max": max(received),
        "client_ms_per_lookup_median": round(statistics.median(walls) * 1000, 2),
        "build_and_sign_ms_median": round(statistics.median(signing) * 1000, 2),
        "http_exchange_ms_median": statistics.median(e.duration_ms for e in exchanges),
        "what": "client and simulator in one process on 127.0.0.1, no latency; the exchange includes the "
        "simulator's schema validation and signature check",
    }


def measure() -> dict[str, Any]:
    return {"cold_imports": cold_imports(), "per_lookup": per_lookup()}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))

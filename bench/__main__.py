"""`python -m bench` (what `make bench` runs): cold start, per-application AWS requests and cost, throughput.

Prints a table and merges the figures into bench/results.json (other benchmarks' keys, e.g. the deadline sweep's,
are kept as they are).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from itertools import islice, zip_longest
from pathlib import Path
from typing import Any

from bench import cold_start, packages
from bench import gateway as gateway_bench
from bench.cost import cost_per_thousand, load_prices, mix
from bench.meter import AwsMeter
from bench.pipeline import PipelineBench, lambda_memory_mb

RESULTS = Path(__file__).resolve().parent / "results.json"
OWN_KEYS = (
    "cold_start",
    "packages",
    "per_application",
    "cost_per_1000_applications",
    "throughput",
    "goals",
    "bench_run",
    "gateway",
)
# Not one of the scenarios below: a person has one assignment per period, so each family is filed once.
WARM_UP = "tsa-eligible-several-incomes"
# One seeded family per service (and a TSA refusal): scenario -> why it is here.
SCENARIOS = {
    "tsa-eligible-3-children": "TSA, family of 5, approved",
    "tsa-income-just-above-line": "TSA, family of 4, refused (income)",
    "caregiver-eligible": "caregiver allowance, approved",
    "child-disability-eligible-father": "child disability benefit, approved",
    "sss-eligible-disability-group-1": "special social services, approved",
}
MIX = (
    "tsa-eligible-3-children",
    "caregiver-eligible",
    "child-disability-eligible-father",
    "sss-eligible-disability-group-1",
)
MAX_WRITES_PER_LOOKUP = 2
MAX_SMS_SEGMENTS_PER_APPLICATION = 2  # the one-time password apart (itself one segment)
MAX_ITEMS_PER_STATUS_POLL = 2
THROUGHPUT_EACH = 5  # 30 + 30 takes minutes on moto on 2 cores: `python -m bench --tsa 30 --child-disability 30`
FINAL = ("approved", "refused")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--tsa",
        type=int,
        default=THROUGHPUT_EACH,
        help=f"TSA applications in the throughput run (default {THROUGHPUT_EACH})",
    )
    parser.add_argument(
        "--child-disability",
        type=int,
        default=THROUGHPUT_EACH,
        help=f"child-disability applications in the throughput run (default {THROUGHPUT_EACH})",
    )
    parser.add_argument("--skip-cold-start", action="store_true", help="keep the cold-start figures of the last run")
    parser.add_argument(
        "--package-runs",
        type=int,
        default=packages.RUNS,
        help=f"fresh interpreters per function for the handler import (default {packages.RUNS})",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    previous = _load()

    parts: dict[str, float] = {}
    if args.skip_cold_start and "cold_start" in previous:
        cold = previous["cold_start"]
    else:
        print("cold start: fresh interpreters...", file=sys.stderr, flush=True)
        cold = cold_start.measure()
        parts["cold_start"] = round(time.perf_counter() - started, 1)

    print("gateway: cold imports of the SOAP stack, lookups against the simulator...", file=sys.stderr, flush=True)
    mark = time.perf_counter()
    gateway = gateway_bench.measure()
    parts["gateway"] = round(time.perf_counter() - mark, 1)

    print("Lambda packages from infra/cdk.out (make synth): sizes and handler imports...", file=sys.stderr, flush=True)
    mark = time.perf_counter()
    package_figures = packages.measure(args.package_runs)
    parts["packages"] = round(time.perf_counter() - mark, 1)

    print("pipeline on moto: one application per scenario, then the throughput run...", file=sys.stderr, flush=True)
    with PipelineBench(AwsMeter()) as bench:
        mark = time.perf_counter()
        bench.run_application(WARM_UP)  # imports, clients and queue URLs of every worker: warm containers
        per_application = {scenario: bench.run_application(scenario) for scenario in SCENARIOS}
        parts["per_application"] = round(time.perf_counter() - mark, 1)
        mark = time.perf_counter()
        families = [f["scenario"] for f in bench.sim.families]
        filed = {WARM_UP, *SCENARIOS}  # each family once: a second filing for an assigned person is refused
        tsa = [s for s in families if s.startswith("tsa-eligible-") and s not in filed]
        child = [s for s in families if s.startswith("child-disability-eligible-") and s not in filed]
        pairs = zip_longest(tsa[: args.tsa], child[: args.child_disability])
        mixed = [s for pair in pairs for s in pair if s is not None]
        throughput = bench.throughput(mixed)
        parts["throughput"] = round(time.perf_counter() - mark, 1)

    prices = load_prices()
    costs = {scenario: cost_per_thousand(figures, prices) for scenario, figures in per_application.items()}
    cost_section = {
        "prices": "bench/prices.json",
        "region": prices["region"],
        "prices_taken_on": prices["taken_on"],
        "per_scenario": costs,
        "four_services_equal_mix": {"scenarios": list(MIX), **mix([costs[s] for s in MIX])},
    }
    goals = _goals(cold, per_application, package_figures)
    memory, default_memory, memory_source = lambda_memory_mb()
    results = {
        **{k: v for k, v in previous.items() if k not in OWN_KEYS},
        "cold_start": cold,
        "packages": package_figures,
        "per_application": per_application,
        "cost_per_1000_applications": cost_section,
        "throughput": throughput,
        "gateway": gateway,
        "goals": goals,
        "bench_run": {
            "measured_on": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 1),
            "seconds_by_part": parts,
            "python": platform.python_version(),
            "cpus": _cpus(),
            "moto": version("moto"),
            "lambda_memory_mb": {"per_function": memory, "default": default_memory, "source": memory_source},
            "scenarios": SCENARIOS,
        },
    }
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(render(results))
    return 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _load() -> dict[str, Any]:
    if not RESULTS.is_file():
        return {}
    try:
        loaded: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return loaded


def _goals(
    cold: dict[str, Any], per_application: dict[str, dict[str, Any]], package_figures: dict[str, Any]
) -> dict[str, Any]:
    per_lookup = {
        s: f["registry_lookups"]["dynamodb_writes_per_lookup"]
        for s, f in per_application.items()
        if f["registry_lookups"]["count"]
    }
    worst = max(per_lookup.items(), key=lambda kv: kv[1])
    batched = {
        s: f["registry_lookups"]["fan_out_send_requests"]
        <= f["registry_lookups"]["fan_out_fewest_possible_send_requests"]
        for s, f in per_application.items()
    }
    finished = {s: f["outcome"] for s, f in per_application.items()}
    segments = {s: f["sms"]["segments"] for s, f in per_application.items()}
    polled = {s: f["status_poll"]["items_read"] for s, f in per_application.items()}
    otp = otp_segments()
    return {
        "import_app_at_most_1_5x_import_boto3": {"met": cold["goal_met"], "ratio": cold["app_to_boto3_ratio"]},
        "at_most_2_dynamodb_writes_per_registry_lookup": {
            "met": worst[1] <= MAX_WRITES_PER_LOOKUP,
            "worst": {"scenario": worst[0], "writes_per_lookup": worst[1]},
            "per_scenario": per_lookup,
        },
        "fan_out_batched": {"met": all(batched.values()), "per_scenario": batched},
        "every_application_decided": {"met": all(o in FINAL for o in finished.values()), "outcomes": finished},
        "at_most_2_sms_segments_per_application": {
            "met": max(segments.values()) <= MAX_SMS_SEGMENTS_PER_APPLICATION,
            "per_scenario": segments,
        },
        "one_time_password_in_one_segment": {"met": max(otp.values()) == 1, "segments_by_language": otp},
        "api_function_at_most_20_mb_zipped": {
            "met": bool(package_figures.get("goal_met")),
            "api_zipped_mb": package_figures.get("api_zipped_mb"),
            **({"skipped": package_figures["skipped"]} if "skipped" in package_figures else {}),
        },
        "status_poll_reads_at_most_2_items": {
            "met": max(polled.values()) <= MAX_ITEMS_PER_STATUS_POLL,
            "per_scenario": polled,
        },
    }


def otp_segments() -> dict[str, int]:
    """Segments of the one-time-password SMS in each language, for a number as issued and the policy's minutes
    (the bench's filings are in person, so no code is sent there: it is counted apart)."""
    from datetime import UTC, datetime

    from chalicelib.adapters.system import RandomIds
    from chalicelib.domain.notifications import LANGUAGES, render_sms
    from chalicelib.domain.otp import OtpPolicy
    from chalicelib.domain.sms import segments

    number = RandomIds().application_id(datetime.now(UTC))
    minutes = int(OtpPolicy.from_data().valid_for.total_seconds() // 60)
    return {
        lang: segments(
            render_sms("otp", lang, {"code": "123456", "application_number": number, "valid_minutes": minutes})
        )
        for lang in LANGUAGES
    }


def _money(value: float) -> str:
    return f"{value:.3f}"


def render(results: dict[str, Any]) -> str:
    cold, per_app = results["cold_start"], results["per_application"]
    costs = results["cost_per_1000_applications"]
    out: list[str] = []
    first = cold["first_request"]
    out += [
        f"Cold start (median of {cold['runs']} fresh interpreters; net = minus `python -c pass`, "
        f"{cold['python_c_pass_ms']:.0f} ms)",
        f"  import boto3   {cold['import_boto3_wall_ms']:7.0f} ms wall  {cold['import_boto3_net_ms']:7.0f} ms net",
        f"  import app     {cold['import_app_wall_ms']:7.0f} ms wall  {cold['import_app_net_ms']:7.0f} ms net"
        f"   app/boto3 = {cold['app_to_boto3_ratio']}",
        f"  first request  import app {first['import_ms_in_process']:.0f} ms + GET /health "
        f"{first['request_ms']:.0f} ms (process wall with start and exit {first['wall_ms']:.0f} ms)",
        "  heaviest at import (self ms): "
        + ", ".join(f"{k} {v}" for k, v in islice(cold["importtime"]["heaviest_packages_self_ms"].items(), 6)),
        "",
    ]
    pkg = results.get("packages") or {}
    if pkg.get("functions"):
        out.append(
            f"Lambda packages ({pkg['source']}): zipped MB (code + dependency layer), handler module import "
            "vs import boto3 (-S, only that package and the runtime's SDK on the path)"
        )
        for name, f in pkg["functions"].items():
            timing = (
                f"import {f['handler_module']} {f['import_handler_ms']:.0f} ms vs boto3 "
                f"{f['import_boto3_ms']:.0f} ms = {f['handler_to_boto3_ratio']}"
                if "import_handler_ms" in f
                else f"import FAILED: {f.get('import_error', '')[:120]}"
            )
            out.append(
                f"  {name:22} {f['zipped_mb']:6.2f} MB ({f['code_zipped_mb']:.2f} + {f['layers_zipped_mb']:.2f})"
                f"  {timing}"
            )
    else:
        out.append(f"Lambda packages: {pkg.get('skipped', 'not measured')}")
    out += [
        "",
        "Per application, alone, full pipeline on moto + gateway simulator (DynamoDB units: AWS rules, see README)",
    ]
    header = (
        f"  {'scenario':34} {'outcome':9} {'AWS req':>7} {'DDB r/w':>8} {'RRU':>6} {'WRU':>6} "
        f"{'SQS msg':>7} {'SMS seg':>7} {'lookups':>7} {'W/lookup':>8} {'WRU/lkp':>7} {'$/1000':>7}"
    )
    out.append(header)
    for scenario, f in per_app.items():
        d, lk = f["dynamodb"], f["registry_lookups"]
        wru = d["wru_estimated_table"] + d["wru_estimated_indexes"]
        out.append(
            f"  {scenario:34} {f['outcome']:9} {f['aws_requests']:>7} "
            f"{d['read_requests']:>3}/{d['write_requests']:<4} {d['rru_estimated']:>6.1f} {wru:>6.1f} "
            f"{f['sqs']['messages_sent']:>7} {f['sms']['segments']:>7} {lk['count']:>7} "
            f"{lk['dynamodb_writes_per_lookup'] if lk['count'] else '-':>8} "
            f"{lk['dynamodb_wru_per_lookup'] if lk['count'] else '-':>7} "
            f"{_money(costs['per_scenario'][scenario]['total_usd']):>7}"
        )
    for scenario, f in per_app.items():
        d = f["dynamodb"]
        by_function = ", ".join(
            f"{p} {w:g}" for p, w in sorted(d["wru_estimated_by_function"].items(), key=lambda kv: -kv[1])
        )
        out.append(
            f"  {scenario}: WRU by function {by_function}; largest item written "
            f"{d['largest_item_written_bytes']:,} bytes"
        )
    out += [
        "",
        "SMS segments per application by purpose (the one-time password apart: "
        + ", ".join(f"{k} {v}" for k, v in otp_segments().items())
        + " segment(s) per code)",
    ]
    for scenario, f in per_app.items():
        purposes = ", ".join(f"{p} {n}" for p, n in f["sms"].get("segments_by_purpose", {}).items()) or "none"
        out.append(f"  {scenario:34} {f['sms']['segments']} segment(s): {purposes}")
    out += ["", "Status poll (GET /applications/{id} by the applicant, once decided): DynamoDB reads"]
    for scenario, f in per_app.items():
        poll = f["status_poll"]
        out.append(
            f"  {scenario:34} items read {poll['items_read']}, RRU {poll['rru_estimated']}, requests "
            f"{poll['read_requests_by_operation']}; lists {poll['lookups_listed']} lookups, "
            f"{poll['reasons_listed']} reasons"
        )
    sms_price = load_prices()["prices"]["sms_kazakhstan_per_segment"]
    out += [
        "",
        f"Cost per 1,000 applications, USD ({costs['region']} list prices of {costs['prices_taken_on']}, "
        f"bench/prices.json; SMS at {sms_price['kzt']} KZT = ${sms_price['usd']} a segment)",
    ]
    lines = list(next(iter(costs["per_scenario"].values()))["usd"])
    short = {
        "dynamodb_writes": "DDB W",
        "dynamodb_reads": "DDB R",
        "sqs": "SQS",
        "lambda_requests": "λ req",
        "lambda_duration": "λ GB-s",
        "kms": "KMS",
        "api_gateway": "API GW",
        "cloudwatch_logs": "logs",
    }
    out.append(
        f"  {'scenario':34} "
        + " ".join(f"{short.get(n, n):>7}" for n in lines)
        + f" {'total':>7} {'SMS seg':>8} {'SMS $':>7} {'with SMS':>8}"
    )
    rows = [*costs["per_scenario"].items(), ("four services, equal mix", costs["four_services_equal_mix"])]
    for scenario, c in rows:
        out.append(
            f"  {scenario:34} "
            + " ".join(f"{_money(c['usd'][n]):>7}" for n in lines)
            + f" {_money(c['total_usd']):>7} {c['sms_segments']:>8} {c['sms_usd']:>7.2f} "
            f"{c['total_with_sms_usd']:>8.2f}"
        )
    g = results.get("gateway")
    if g:
        imports, lookup = g["cold_imports"]["net_ms"], g["per_lookup"]
        out += [
            "",
            "E-government gateway (ШЭП SyncChannel, SOAP + WS-Security)",
            "  cold import, net ms: " + ", ".join(f"{k} {v}" for k, v in imports.items()),
            f"  per lookup (client + simulator in-process): sent {lookup['request_bytes_median']:.0f} B, "
            f"received {lookup['response_bytes_median']:.0f} B (max {lookup['response_bytes_max']}), "
            f"client {lookup['client_ms_per_lookup_median']} ms, of which build+sign "
            f"{lookup['build_and_sign_ms_median']} ms and HTTP exchange {lookup['http_exchange_ms_median']} ms",
        ]
        for scenario, f in per_app.items():
            share = f.get("gateway", {})
            if share.get("exchanges"):
                out.append(
                    f"  {scenario}: {share['exchanges']} exchanges, {share['bytes_total']:,} bytes, "
                    f"{share['ms_per_lookup']} ms per lookup, {share['seconds_total']} s = "
                    f"{share['share_of_lookups_worker_seconds']} of the lookups worker's time"
                )
    t = results["throughput"]
    mix_text = ", ".join(f"{n} {s}" for s, n in t["mix"].items())
    out += [
        "",
        f"Throughput on moto: {t['applications']} applications ({mix_text}) in {t['wall_seconds']} s "
        f"= {t['applications_per_second']} applications/s; {t['aws_requests']} AWS requests, "
        f"{t['gateway_requests']} gateway requests, {t['lambda_invocations']} invocations; "
        f"final: {t['final_statuses']}",
        f"  moto floor (as many GetItem / SendMessage / ... as cheap calls): {t['moto_floor_seconds']} s; "
        f"pipeline / floor = {t['ratio_to_moto_floor']}; {t['seconds_inside_aws_calls']} s of the pipeline "
        "inside AWS calls",
        "",
        "Goals",
    ]
    for name, goal in results["goals"].items():
        detail = {k: v for k, v in goal.items() if k not in ("met", "per_scenario", "outcomes")}
        out.append(f"  {name:48} {'met' if goal['met'] else 'NOT met':8} {json.dumps(detail) if detail else ''}")
    sweep = results.get("deadline_sweep")
    if isinstance(sweep, dict):
        runs = sweep.get("runs", [])
        figures = ", ".join(
            f"{r.get('items_read_per_due_item')} at {r.get('open_applications'):,} open"
            for r in runs
            if isinstance(r, dict)
        )
        out.append(
            f"  deadline sweep (bench/sweep.py): items read per due item {figures}: "
            f"{'met' if sweep.get('goal_met') else 'NOT met'}"
        )
    out.append(f"\nbench/results.json written ({results['bench_run']['seconds']} s)")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

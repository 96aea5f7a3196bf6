"""Cold start: what `import app` costs against `import boto3` alone, and what the first request costs.

Each figure is the median of RUNS fresh interpreters (project root as cwd, the venv's Python), the variants
interleaved so that a slow moment of the machine hits all of them alike, after one untimed run of each (so
that .pyc files exist, as they do in a Lambda package). The import cost is the interpreter's wall time minus
that of `python -c pass`. `-X importtime` (median of IMPORTTIME_RUNS) says what weighs most, by top-level
package (sum of the self times of its modules) and by single module.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
IMPORTTIME_RUNS = 3
GOAL_RATIO = 1.5
VARIANTS = {"bare": "pass", "boto3": "import boto3", "app": "import app"}


def _environment() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        {
            "STAGE": "bench",
            "AWS_REGION": "eu-central-1",
            "AWS_DEFAULT_REGION": "eu-central-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "social-benefits",
            "LOG_LEVEL": "INFO",
        }
    )
    return env


def _run(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_environment(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return elapsed, done.stderr


def _first_request() -> tuple[float, dict[str, Any]]:
    wall, stderr = _run(["-m", "bench.first_request"])
    line = next(x for x in stderr.splitlines() if x.startswith("FIRST_REQUEST "))
    return wall, json.loads(line.removeprefix("FIRST_REQUEST "))


def import_weights(stderr: str) -> tuple[dict[str, float], dict[str, float], float]:
    """(self ms by top-level package, self ms by module, cumulative ms of `app`) from `-X importtime` output."""
    by_root: dict[str, float] = defaultdict(float)
    by_module: dict[str, float] = {}
    app_total = 0.0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        by_root[name.split(".")[0]] += int(self_us) / 1000
        by_module[name] = by_module.get(name, 0.0) + int(self_us) / 1000
        if name == "app":
            app_total = int(cumulative_us) / 1000
    return dict(by_root), by_module, app_total


def _median_of(maps: list[dict[str, float]]) -> dict[str, float]:
    keys = set().union(*maps)
    return {k: statistics.median(m.get(k, 0.0) for m in maps) for k in keys}


def measure() -> dict[str, Any]:
    for code in VARIANTS.values():  # untimed: compile the .pyc files once
        _run(["-c", code])
    _first_request()
    walls: dict[str, list[float]] = {name: [] for name in VARIANTS}
    first: list[tuple[float, dict[str, Any]]] = []
    for _ in range(RUNS):
        for name, code in VARIANTS.items():
            walls[name].append(_run(["-c", code])[0])
        first.append(_first_request())
    medians = {name: statistics.median(values) * 1000 for name, values in walls.items()}
    net_app = medians["app"] - medians["bare"]
    net_boto3 = medians["boto3"] - medians["bare"]
    ratio = net_app / net_boto3 if net_boto3 > 0 else None

    roots, modules, totals = [], [], []
    for _ in range(IMPORTTIME_RUNS):
        by_root, by_module, app_total = import_weights(_run(["-X", "importtime", "-c", "import app"])[1])
        roots.append(by_root)
        modules.append(by_module)
        totals.append(app_total)
    heaviest_packages = sorted(_median_of(roots).items(), key=lambda kv: -kv[1])[:8]
    heaviest_modules = sorted(_median_of(modules).items(), key=lambda kv: -kv[1])[:8]
    statuses = {f[1]["status"] for f in first}
    return {
        "runs": RUNS,
        "python_c_pass_ms": round(medians["bare"], 1),
        "import_boto3_wall_ms": round(medians["boto3"], 1),
        "import_app_wall_ms": round(medians["app"], 1),
        "import_boto3_net_ms": round(net_boto3, 1),
        "import_app_net_ms": round(net_app, 1),
        "app_to_boto3_ratio": round(ratio, 2) if ratio is not None else None,
        "goal_ratio": GOAL_RATIO,
        "goal_met": ratio is not None and ratio <= GOAL_RATIO,
        "first_request": {
            "what": "fresh interpreter: import app, then GET /health through app.app with a proxy event",
            "wall_ms": round(statistics.median(f[0] for f in first) * 1000, 1),
            "import_ms_in_process": round(statistics.median(f[1]["import_ms"] for f in first), 1),
            "request_ms": round(statistics.median(f[1]["request_ms"] for f in first), 1),
            "status": statuses.pop() if len(statuses) == 1 else sorted(statuses),
        },
        "importtime": {
            "runs": IMPORTTIME_RUNS,
            "app_cumulative_ms": round(statistics.median(totals), 1),
            "heaviest_packages_self_ms": {k: round(v, 1) for k, v in heaviest_packages},
            "heaviest_modules_self_ms": {k: round(v, 1) for k, v in heaviest_modules},
        },
    }

"""Each Lambda function's package as `make synth` builds it (infra/cdk.out): the zipped size of its code and of its
dependency layer, and the cold import of its handler module (`app` for the API, `chalicelib.entrypoints.workers` or
`.schedules` for the others) with only that package on the path, against `import boto3` (the runtime's SDK, which
no package carries).

Goal: at most 20 MB zipped for the API function. The import run also proves a function's package is enough to load
its handler module (a package missing an import-time dependency fails here, not on AWS).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CDK_OUT = ROOT / "infra" / "cdk.out"
STAGE = "dev"
API_FUNCTION = "APIHandler"
MAX_API_ZIPPED_MB = 20.0
RUNS = 5
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
"""What the Lambda Python runtime provides beside the stdlib (the venv's copies stand in for them here)."""


def measure(runs: int = RUNS) -> dict[str, Any]:
    template_file = CDK_OUT / f"{STAGE}.template.json"
    assets_file = CDK_OUT / f"{STAGE}.assets.json"
    if not template_file.is_file() or not assets_file.is_file():
        return {"skipped": "no infra/cdk.out: run `make synth` first"}
    template = json.loads(template_file.read_text())
    assets = json.loads(assets_file.read_text())["files"]
    resources = template["Resources"]
    with tempfile.TemporaryDirectory(prefix="bench-packages-") as scratch:
        work = Path(scratch)
        sdk = _runtime_sdk(work / "runtime")
        extracted: dict[str, Path] = {}
        functions: dict[str, Any] = {}
        for logical_id, resource in sorted(resources.items()):
            if resource["Type"] != "AWS::Serverless::Function":  # the app's functions (not CDK helpers)
                continue
            props = resource["Properties"]
            code = _asset_path(assets, _s3_key(props.get("CodeUri") or props.get("Code")))
            layers = [
                _asset_path(assets, _s3_key(resources[ref["Ref"]]["Properties"]["Content"]))
                for ref in props.get("Layers", [])
                if isinstance(ref, dict) and "Ref" in ref
            ]
            code_mb = _zipped_mb(code)
            layers_mb = sum(_zipped_mb(layer) for layer in layers)
            paths = [_extracted(code, work, extracted)] + [
                _extracted(layer, work, extracted) / "python" for layer in layers
            ]
            imports = _cold_import([*paths, sdk], _handler_module(props.get("Handler", "app.app")), runs)
            functions[logical_id] = {
                "handler": props.get("Handler"),
                "code_zipped_mb": round(code_mb, 2),
                "layers_zipped_mb": round(layers_mb, 2),
                "zipped_mb": round(code_mb + layers_mb, 2),
                "distributions": _distributions(paths[1:]),
                **imports,
            }
    api = functions.get(API_FUNCTION, {})
    return {
        "source": f"infra/cdk.out/{STAGE}.template.json (make synth)",
        "functions": functions,
        "api_zipped_mb": api.get("zipped_mb"),
        "goal_api_at_most_mb": MAX_API_ZIPPED_MB,
        "goal_met": bool(api) and api["zipped_mb"] <= MAX_API_ZIPPED_MB,
    }


def _s3_key(code: Any) -> str:
    if isinstance(code, dict):
        for name in ("Key", "S3Key"):
            if isinstance(code.get(name), str):
                return str(code[name])
    raise ValueError(f"no S3 key in {code!r}")


def _asset_path(assets: dict[str, Any], key: str) -> Path:
    asset_hash = key.rsplit("/", maxsplit=1)[-1].split(".", maxsplit=1)[0]
    return CDK_OUT / assets[asset_hash]["source"]["path"]


def _zipped_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    with tempfile.TemporaryFile() as scratch:
        with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                archive.write(file, file.relative_to(path))
        return scratch.tell() / 1e6


def _extracted(path: Path, work: Path, cache: dict[str, Path]) -> Path:
    if path.is_dir():
        return path
    if str(path) not in cache:
        target = work / path.stem
        with zipfile.ZipFile(path) as archive:
            archive.extractall(target)
        cache[str(path)] = target
    return cache[str(path)]


def _runtime_sdk(target: Path) -> Path:
    import importlib.util

    target.mkdir(parents=True)
    for name in RUNTIME_SDK:
        spec = importlib.util.find_spec(name.removesuffix(".py"))
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (target / source.name).symlink_to(source)
    return target


def _distributions(layer_paths: list[Path]) -> list[str]:
    found = []
    for path in layer_paths:
        found += [p.name.removesuffix(".dist-info") for p in path.glob("*.dist-info")]
    return sorted(found)


def _handler_module(handler: str) -> str:
    """`app.app` -> `app`; `chalicelib.entrypoints.workers.lookups_worker` -> `chalicelib.entrypoints.workers`."""
    return handler.rsplit(".", 1)[0]


def _timed(paths: list[Path], module: str) -> float:
    code = (
        "import sys, time; sys.path[:0] = "
        + json.dumps([str(p) for p in paths])
        + f"; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], check=False, capture_output=True, text=True, cwd=tempfile.gettempdir()
    )
    if result.returncode != 0:
        raise RuntimeError(f"import {module} failed with only {paths}: {result.stderr[-1500:]}")
    return float(result.stdout.strip().splitlines()[-1]) * 1000


def _cold_import(paths: list[Path], module: str, runs: int) -> dict[str, Any]:
    """Median in-process time of importing the handler's module and of `import boto3` in fresh interpreters (`-S`:
    no site-packages, only the package's code and layer and the runtime's SDK), interleaved, after one untimed run
    of each (so .pyc files exist, as they do in a warm Lambda image)."""
    try:
        _timed(paths, module), _timed(paths, "boto3")
        handler_ms, boto3_ms = [], []
        for _ in range(runs):
            handler_ms.append(_timed(paths, module))
            boto3_ms.append(_timed(paths, "boto3"))
    except RuntimeError as failed:
        return {"handler_module": module, "import_error": str(failed)}
    handler, boto3 = statistics.median(handler_ms), statistics.median(boto3_ms)
    return {
        "handler_module": module,
        "import_handler_ms": round(handler, 1),
        "import_boto3_ms": round(boto3, 1),
        "handler_to_boto3_ratio": round(handler / boto3, 2) if boto3 else None,
    }


if __name__ == "__main__":
    started = time.perf_counter()
    print(json.dumps(measure(), indent=2))
    print(f"{time.perf_counter() - started:.1f} s", file=sys.stderr)

"""Each Lambda function's own dependency layer (infra/stacks/packages.py): declared for every function, built from
requirements.txt's pins, never the SDK the runtime provides, no PDF renderer on the API, and the API's package at
most 20 MB zipped as the stack synthesises it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="`make test-infra` installs infra/requirements.txt")

from packaging.utils import canonicalize_name

from tests.infra.support import FUNCTION, ROOT, resources_of

MAX_API_ZIPPED_BYTES = 20_000_000
PDF_RENDERING = {"fpdf2", "fonttools", "pillow"}


def _names(pinned: list[str]) -> set[str]:
    return {canonicalize_name(p.split("==")[0]) for p in pinned}


def test_every_function_of_the_app_declares_its_packages() -> None:
    from stacks.packages import FUNCTION_PACKAGES

    import app as app_module

    functions = {"api_handler"} | {source.name for source in app_module.app.event_sources}
    assert functions <= set(FUNCTION_PACKAGES), sorted(functions - set(FUNCTION_PACKAGES))


def test_layers_hold_the_pinned_versions_and_never_the_runtime_sdk() -> None:
    from stacks.packages import FUNCTION_PACKAGES, LAMBDA_ONLY_PINS, RUNTIME_PROVIDED, pins

    required = {}
    for raw in (ROOT / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            required[canonicalize_name(name.split("[")[0])] = version
    for function, wanted in FUNCTION_PACKAGES.items():
        pinned = dict(p.split("==") for p in pins(wanted))
        assert not _names(list(pinned)) & RUNTIME_PROVIDED, function
        for name, version in pinned.items():
            if name in required and name not in LAMBDA_ONLY_PINS:
                assert version == required[name], (function, name)


def test_only_the_decisions_worker_carries_the_pdf_renderer() -> None:
    from stacks.packages import FUNCTION_PACKAGES, pins

    carriers = {f for f, wanted in FUNCTION_PACKAGES.items() if _names(pins(wanted)) & PDF_RENDERING}
    assert carriers == {"decisions_worker"}


def _zipped(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            archive.write(file, file.relative_to(path))
    return buffer.tell()


def test_the_api_function_is_at_most_20_mb_zipped(dev: Any) -> None:
    stack, _, t = dev
    outdir = Path(stack.node.root.outdir)
    api = resources_of(t, FUNCTION)["APIHandler"]["Properties"]
    [layer] = api["Layers"]
    layer_resource = t["Resources"][layer["Ref"]]
    assert layer_resource["Type"] == "AWS::Lambda::LayerVersion"
    asset_hash = layer_resource["Properties"]["Content"]["S3Key"].split(".", 1)[0]
    layer_bytes = _zipped(outdir / f"asset.{asset_hash}")
    code_bytes = sum(_zipped(p) for p in outdir.glob("asset.*.zip"))  # Chalice's deployment.zip: code only
    assert layer_bytes + code_bytes <= MAX_API_ZIPPED_BYTES, (layer_bytes, code_bytes)

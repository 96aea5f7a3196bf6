"""Each Lambda function's own dependencies: an explicit list per function (FUNCTION_PACKAGES), not one layer of
everything requirements.txt names.

- The AWS SDK is the Lambda runtime's (`RUNTIME_PROVIDED`: boto3, botocore, s3transfer, jmespath): botocore alone
  is 16.5 MB zipped, a third of the old shared layer. The trade-off: the SDK's version moves with the runtime, not
  with requirements.txt (the tests run the pinned one). The code only calls long-standing APIs (DynamoDB, SQS, SNS
  Publish, KMS Sign and GetPublicKey, S3 pre-signed POST and Get/PutObject), so a runtime SDK newer than the pin
  changes nothing it uses; pinning our own SDK would cost every function those 16.5 MB and its cold start.
- PDF rendering (fpdf2, fontTools, Pillow) ships with the decisions worker only: it renders each result notice
  once, at the decision, and a ticket on its first request (services/printing.py); the API serves the stored PDFs.
- XML signatures (signxml, lxml) and bearer tokens (PyJWT) ship with the API only.

A function's list names distributions of requirements.txt (with extras); their dependencies are added from the
installed distributions' metadata (the versions requirements.txt pins), and the lot is installed for Linux x86_64,
CPython 3.11, into one layer per distinct set (built once, kept under infra/.layers/ by the set's hash).
A function missing from FUNCTION_PACKAGES stops the synth (like a function missing from access.py).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
"""In the Lambda Python runtime: never packaged (see the module's docstring for the trade-off)."""

BASE = ("pynamodb", "aws-lambda-powertools[tracer]", "pydantic", "holidays", "cryptography", "tzdata")
"""What every function imports: the table, logging/metrics/tracing, schemas, the working-day calendar, keyed
hashes and KMS public keys."""

GATEWAY = ("requests", "lxml", "signxml")
"""The e-government gateway (ШЭП) client: SOAP with lxml, WS-Security with signxml, HTTP with requests."""

FUNCTION_PACKAGES: Mapping[str, tuple[str, ...]] = {
    # bearer tokens; EDS (XMLDSig) signatures; the gateway for the eligibility pre-check and SMS dialogue replies
    "api_handler": (*BASE, *GATEWAY, "PyJWT[crypto]"),
    # renders the result notices (with the QR code of their public check) and tickets (services/printing.py)
    "decisions_worker": (*BASE, "fpdf2", "qrcode"),
    "lookups_worker": (*BASE, *GATEWAY),
    "proactive_worker": (*BASE, *GATEWAY),  # who may claim, Digital Documents
    "proactive_timers": (*BASE, *GATEWAY),  # builds the proactive use cases, which hold the gateway client
    "notifications_worker": BASE,
    "documents_worker": BASE,
    "deadline_sweep": BASE,
    "calendar_changes": BASE,  # due dates recomputed when the working-day calendar data changes
}

LAMBDA_ONLY_PINS: Mapping[str, str] = {
    # Lambda's python3.11 runs on Amazon Linux 2 (glibc 2.26): Pillow 13 ships manylinux_2_28 wheels only, so the
    # layer takes the newest Pillow with manylinux2014 wheels (fpdf2 uses it for images only; same API).
    "pillow": "12.2.0",
}
"""Versions the layer takes instead of the installed ones, each with why (a wheel that cannot run on Lambda)."""

LAMBDA_PYTHON = "3.11"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
_TARGET_ENV = {
    **default_environment(),
    "python_version": LAMBDA_PYTHON,
    "python_full_version": f"{LAMBDA_PYTHON}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "os_name": "posix",
}


class PackagingError(RuntimeError):
    """A function's dependencies cannot be resolved or installed (it says which, and what to change)."""


def pins(requirements: Iterable[str]) -> list[str]:
    """`name==version` of every distribution the requirements need on Lambda (their dependencies included, the
    runtime's SDK left out), at the versions installed here (requirements.txt's pins), sorted."""
    found: dict[str, str] = {}
    pending = [Requirement(r) for r in requirements]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in RUNTIME_PROVIDED:
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise PackagingError(f"{requirement.name} is not installed: add it to requirements.txt") from None
        extras = set(requirement.extras)
        if name not in found:
            found[name] = LAMBDA_ONLY_PINS.get(name, distribution.version)
        for raw in distribution.requires or []:
            dependency = Requirement(raw)
            wanted = dependency.marker is None or any(
                dependency.marker.evaluate({**_TARGET_ENV, "extra": extra}) for extra in (extras or {""})
            )
            if wanted and canonicalize_name(dependency.name) not in found:
                pending.append(dependency)
    return sorted(f"{name}=={version}" for name, version in found.items())


def layer_key(pinned: list[str]) -> str:
    return hashlib.sha256("\n".join(pinned).encode()).hexdigest()[:16]


def build_layer(pinned: list[str], cache_dir: Path) -> Path:
    """The layer's directory (`python/` inside, as Lambda layers want), installed once per set of pins."""
    target = cache_dir / layer_key(pinned)
    done = target / ".complete"
    if done.is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    site = target / "python"
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-compile",
        "--only-binary=:all:",
        "--platform",
        LAMBDA_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        LAMBDA_PYTHON,
        "--target",
        str(site),
        *pinned,
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603 (our own pins)
    if result.returncode != 0:
        raise PackagingError(f"pip could not install {pinned} for Lambda:\n{result.stderr[-2000:]}")
    for junk in site.rglob("__pycache__"):
        shutil.rmtree(junk, ignore_errors=True)
    done.write_text("\n".join(pinned) + "\n")
    return target

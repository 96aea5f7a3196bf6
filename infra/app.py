#!/usr/bin/env python3
"""CDK app: one back-office stack per Chalice stage (`cdk synth` / `cdk deploy social-benefits-dev`).

`make synth` writes the CloudFormation of every stage to infra/cdk.out/ with no AWS credentials:
the stacks are environment-agnostic (account and region come from the deploying profile).
`-c stage=dev` limits the app to one stage.
"""

from __future__ import annotations

import sys
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parent
# The project root comes first: Chalice imports the application as the module `app`, which must be the
# project's app.py, not this file. infra/ stays on the path for `stacks`.
sys.path[:0] = [str(INFRA_DIR.parent), str(INFRA_DIR)]

import aws_cdk as cdk  # noqa: E402
from stacks.backoffice import BackOfficeStack  # noqa: E402
from stacks.settings import STAGES  # noqa: E402


def main() -> None:
    app = cdk.App()
    only = app.node.try_get_context("stage")
    if only and only not in STAGES:
        raise SystemExit(f"unknown stage {only!r}; stages: {', '.join(STAGES)}")
    for name, settings in STAGES.items():
        if not only or name == only:
            BackOfficeStack(app, settings)
    app.synth()


if __name__ == "__main__":
    main()

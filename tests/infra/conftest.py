"""The infra tests synthesise the CDK stack: they need infra/requirements.txt (`make test-infra` installs it;
without it they are skipped) and, for the real app, `chalice package` (PyPI the first time its dependency
layer is built, then .chalice/deployments/ is reused until requirements.txt changes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The dev stack of the real app: (stack, Template, template as a dict). Synthesised once per module."""
    from tests.infra.support import synth

    stack, template = synth(Path(tmp_path_factory.mktemp("dev")))
    return stack, template, template.to_json()

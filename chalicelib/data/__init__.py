"""Data files that carry legal facts and texts (terms, amounts, holidays, templates, catalog).

They ship with the Lambda package. An operator may point `SB_DATA_OVERRIDE_DIR` at a folder holding
a file of the same name to override one (e.g. a new decreed day-off transfer) without a release.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent


def data_path(name: str) -> Path:
    override = os.environ.get("SB_DATA_OVERRIDE_DIR")
    if override:
        candidate = Path(override) / name
        if candidate.is_file():
            return candidate
    return DATA_DIR / name


@cache
def load_json(name: str) -> Any:
    """Parsed contents of a data file; cached for the life of the process (clear with load_json.cache_clear)."""
    with data_path(name).open(encoding="utf-8") as fh:
        return json.load(fh)

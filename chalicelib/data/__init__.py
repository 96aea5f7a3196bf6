"""Data files that carry legal facts and texts (terms, amounts, holidays, templates, catalog).

They ship with the Lambda package. An operator may point `SB_DATA_OVERRIDE_DIR` at a folder holding
a file of the same name to override one (e.g. a new decreed day-off transfer) without a release. Several folders
may be given, separated by `os.pathsep` (`:`): the first that holds a file of that name wins.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent


def _override(name: str) -> Path | None:
    """The operator's file of this name: in the first folder of SB_DATA_OVERRIDE_DIR that holds one."""
    for folder in (os.environ.get("SB_DATA_OVERRIDE_DIR") or "").split(os.pathsep):
        if folder and (Path(folder) / name).is_file():
            return Path(folder) / name
    return None


def data_path(name: str) -> Path:
    return _override(name) or DATA_DIR / name


@cache
def load_json(name: str) -> Any:
    """Parsed contents of a data file; cached for the life of the process (clear with load_json.cache_clear)."""
    with data_path(name).open(encoding="utf-8") as fh:
        return json.load(fh)


_layers: dict[str, tuple[float, Any]] = {}


def load_layers(name: str) -> tuple[Any, Any]:
    """(the shipped file, the operator's file of the same name in SB_DATA_OVERRIDE_DIR or None), for data an
    operator lays over the shipped figures rather than replaces (poverty line inputs). The operator's file is
    read again whenever it changes on disk, so a running process sees a figure loaded without a restart."""
    base = _shipped(name)
    path = _override(name)
    if path is None:
        return base, None
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return base, None
    cached = _layers.get(str(path))
    if cached is None or cached[0] != stamp:
        with path.open(encoding="utf-8") as fh:
            cached = (stamp, json.load(fh))
        _layers[str(path)] = cached
    return base, cached[1]


def shipped_json(name: str) -> Any:
    """The file as shipped with the package, whatever operators laid over it."""
    return _shipped(name)


@cache
def _shipped(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)

"""Regions of Kazakhstan (chalicelib/data/regions.json)."""

from __future__ import annotations

from functools import cache

from chalicelib.data import load_json
from chalicelib.domain.errors import InvalidValue


@cache
def _codes() -> dict[str, str]:
    table: dict[str, str] = {}
    for region in load_json("regions.json")["regions"]:
        table[region["code"]] = region["code"]
        for alias in region["aliases"]:
            table[alias] = region["code"]
    return table


def parse_region(raw: object) -> str:
    """The canonical region code for an accepted spelling; `region.unknown` otherwise."""
    if isinstance(raw, str) and raw.strip().upper() in _codes():
        return _codes()[raw.strip().upper()]
    raise InvalidValue("region.unknown", "Unknown region: use an ISO 3166-2:KZ code such as KZ-AKT.")


def region_codes() -> list[str]:
    return sorted(set(_codes().values()))

"""Offices by name (chalicelib/data/offices.json): what a ticket or notice prints instead of an office id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.data import load_json

STATE_CORP_PREFIX = "gfc-"


def _data() -> Mapping[str, Any]:
    data: Mapping[str, Any] = load_json("offices.json")
    return data


def _region_names() -> dict[str, Mapping[str, str]]:
    return {r["code"]: r["name"] for r in load_json("regions.json")["regions"]}


def office_name(office_id: str) -> dict[str, str]:
    """{kk, ru, en} name of an office: named one by one, or `<kind>:<region>` as the kind's name and the region's;
    an unknown `gfc-...` office as a State Corporation office; anything else as its id (see offices.json)."""
    data = _data()
    named = data["offices"].get(office_id)
    if named:
        return dict(named["name"])
    kind, _, region = office_id.partition(":")
    kinds = data["kinds"]
    if kind in kinds and region:
        region_name = _region_names().get(region)
        if region_name:
            return {lang: f"{text}, {region_name[lang]}" for lang, text in kinds[kind].items()}
        return dict(kinds[kind])
    if office_id.startswith(STATE_CORP_PREFIX):
        return dict(kinds["gfc"])
    return {"kk": office_id, "ru": office_id, "en": office_id}


def is_state_corp(office_id: str) -> bool:
    named = _data()["offices"].get(office_id)
    if named is not None:
        return bool(named.get("state_corp"))
    return office_id.startswith(STATE_CORP_PREFIX)

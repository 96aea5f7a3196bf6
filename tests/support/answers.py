"""Registry answers for rule tests, as the gateway would deliver them at one instant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.facts import RegistryAnswer


class Answers:
    def __init__(self, fetched: datetime) -> None:
        self.fetched = fetched

    def found(self, registry: str, iin: str, **data: Any) -> RegistryAnswer:
        return RegistryAnswer(registry, iin, "found", data, f"gateway:{registry}", self.fetched)

    def none(self, registry: str, iin: str) -> RegistryAnswer:
        return RegistryAnswer(registry, iin, "not_found", {}, f"gateway:{registry}", self.fetched)

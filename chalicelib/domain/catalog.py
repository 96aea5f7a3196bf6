"""The service catalog: what each public service accepts, from its passport (chalicelib/data/services.json)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from chalicelib.data import load_json
from chalicelib.domain.errors import DomainError

CHANNELS = ("portal", "state_corp", "provider_office", "akimat", "proactive")
LANGUAGES = ("kk", "ru", "en")


class UnknownService(DomainError):
    code = "service.unknown"
    status = 404


@dataclass(frozen=True)
class ChannelTerm:
    working_days: int | None
    calendar_days: int | None


@dataclass(frozen=True)
class SubjectRule:
    relation: str
    min: int
    max: int


@dataclass(frozen=True)
class Service:
    id: str
    name: Mapping[str, str]
    provider_office_kind: str
    provider_name: Mapping[str, str]
    terms: Mapping[str, ChannelTerm]
    signing: tuple[str, ...]
    subject_rules: tuple[SubjectRule, ...]
    representative_allowed: bool
    bank_account_required: bool
    allowed_banks: tuple[str, ...] | None
    required_documents: Mapping[str, tuple[str, ...]]
    extension_calendar_days: int | None
    ticket_channels: tuple[str, ...]
    source: Mapping[str, str]
    raw: Mapping[str, Any]

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self.terms)

    def accepts_channel(self, channel: str) -> bool:
        return channel in self.terms

    def needs_signature(self) -> bool:
        return self.signing != ("none",)

    def handling_office(self, region: str) -> str:
        """The office that decides: `<provider office kind>:<region>` (see services.json `_about`)."""
        return f"{self.provider_office_kind}:{region}"

    def name_in(self, language: str) -> str:
        return self.name.get(language) or self.name["ru"]

    def sends_sms(self, channel: str, purpose: str) -> bool:
        """Whether a notice of this purpose also goes by SMS for an application filed on this channel: only where
        the passport asks for one (services.json `sms`: the State Corporation's decision SMS, TSA's messages to the
        subscriber number, proactive services). Otherwise the personal-account notice alone tells the citizen."""
        by_channel: Mapping[str, Any] = self.raw.get("sms") or {}
        return purpose in (by_channel.get(channel) or ())


@dataclass(frozen=True)
class ServiceCatalog:
    services: Mapping[str, Service]
    version: str

    def get(self, service_id: str) -> Service:
        try:
            return self.services[service_id]
        except KeyError:
            raise UnknownService(f"There is no service '{service_id}'.") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.services.values())


def _service(raw: Mapping[str, Any]) -> Service:
    terms = {
        channel: ChannelTerm(spec["term"].get("working_days"), spec["term"].get("calendar_days"))
        for channel, spec in raw["channels"].items()
    }
    extension = raw.get("extension_when_written_request") or {}
    return Service(
        id=raw["id"],
        name=raw["name"],
        provider_office_kind=raw["provider"]["office_kind"],
        provider_name=raw["provider"]["name"],
        terms=terms,
        signing=tuple(raw["signing"]),
        subject_rules=tuple(SubjectRule(rel, spec["min"], spec["max"]) for rel, spec in raw["subjects"].items()),
        representative_allowed=bool(raw["representative_allowed"]),
        bank_account_required=bool(raw["bank_account"]["required"]),
        allowed_banks=tuple(raw["bank_account"]["allowed_banks"]) if raw["bank_account"]["allowed_banks"] else None,
        required_documents={k: tuple(v) for k, v in raw["required_documents"].items()},
        extension_calendar_days=extension.get("calendar_days"),
        ticket_channels=tuple(raw.get("ticket_required_on", ("state_corp", "provider_office", "akimat"))),
        source=raw["source"],
        raw=raw,
    )


@cache
def load_catalog() -> ServiceCatalog:
    data = load_json("services.json")
    return ServiceCatalog({s["id"]: _service(s) for s in data["services"]}, version=data["_version"])

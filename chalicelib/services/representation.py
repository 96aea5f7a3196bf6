"""Acting for someone else: the power of attorney confirmed in the e-notary registry, and the signer's registered
phone in the mobile citizens database.

- `confirm_power_of_attorney`: a filing or a pre-check that names a representative asks the unified notarial
  information system (`e_notary`) **about the representative** (whose record lists the powers of attorney they
  hold), before anything is asked about the principal. The power must be the one named (its number), from this
  applicant to this representative, not revoked, valid on the day. Anything else is
  `representative.power_of_attorney_not_confirmed` (422) and nothing more is read or stored.
- `registered_phone`: the number a person registered in the mobile citizens database (`mobile`), the only number
  a one-time password or a "filed on your behalf" SMS goes to (never a number typed into a request: whoever types
  it may be someone else).

Every read is audited like a lookup's.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.application import Representative
from chalicelib.domain.errors import DomainError
from chalicelib.domain.facts import parse_day
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.phone import PhoneNumber
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.ports import Clock
from chalicelib.services.registry_port import GatewayRejected, RegistryGateway, RegistryUnavailable

NOTARY_REGISTRY = "e_notary"
MOBILE_REGISTRY = "mobile"


@dataclass(frozen=True)
class RegistryReadDeps:
    gateway: RegistryGateway
    audit: AuditLog
    clock: Clock


class PowerOfAttorneyNotConfirmed(DomainError):
    """The e-notary registry does not confirm the power of attorney named (field `representative`)."""

    code = "representative.power_of_attorney_not_confirmed"
    status = 422
    field = "representative.power_of_attorney"


class RegistryNotAnswering(DomainError):
    """A registry needed before going on did not answer: nothing was decided, try again later."""

    code = "registry.unavailable"
    status = 503


def _same_number(given: str, registered: object) -> bool:
    def norm(value: str) -> str:
        return "".join(unicodedata.normalize("NFC", value).split()).casefold()

    return isinstance(registered, str) and norm(given) == norm(registered)


def matching_power(powers: object, *, principal: str, agent: str, number: str, on: date) -> Mapping[str, Any] | None:
    """The power of attorney of the e-notary answer that lets `agent` act for `principal` on `on`, by its number."""
    if not isinstance(powers, list):
        return None
    for power in powers:
        if not isinstance(power, Mapping):
            continue
        until = parse_day(power.get("valid_until"))
        if (
            power.get("principal_iin") == principal
            and power.get("agent_iin") == agent
            and _same_number(number, power.get("number"))
            and power.get("revoked") is False
            and (until is None or until >= on)
        ):
            return power
    return None


def read_registry(
    registry: str,
    iin: str,
    *,
    purpose: str,
    actor: tuple[str, str],
    on_behalf_of: str,
    reference: str,
    service_id: str,
    deps: RegistryReadDeps,
) -> Mapping[str, Any] | None:
    """One audited read; the data when found, None when the registry has no record (or refused the request)."""
    deps.audit.record(
        AuditEntry.registry_read(
            at=deps.clock.now(),
            actor_role=actor[0],
            actor_id=actor[1],
            on_behalf_of=on_behalf_of,
            purpose=purpose,
            application_id=reference,
            registry=registry,
        )
    )
    try:
        answer = deps.gateway.fetch(
            registry,
            iin,
            service_id=service_id,
            purpose=purpose,
            on_behalf_of=on_behalf_of,
            request_id=f"{reference}:{registry}:{mask_iin(iin)}",
        )
    except GatewayRejected:
        return None
    except RegistryUnavailable:
        raise RegistryNotAnswering(f"The registry {registry} does not answer now: try again later.") from None
    return answer.data if answer.found else None


def confirm_power_of_attorney(
    applicant_iin: str,
    representative: Representative,
    *,
    on: date,
    service_id: str,
    reference: str,
    actor: tuple[str, str],
    deps: RegistryReadDeps,
) -> Mapping[str, Any]:
    """The power of attorney as the e-notary registry holds it, or PowerOfAttorneyNotConfirmed.

    `reference` names the application (or pre-check) in the audit trail; `actor` is (role, id) of who asks."""
    data = read_registry(
        NOTARY_REGISTRY,
        representative.iin,
        purpose="powers of attorney of a representative",
        actor=actor,
        on_behalf_of=representative.iin,
        reference=reference,
        service_id=service_id,
        deps=deps,
    )
    power = matching_power(
        (data or {}).get("powers_of_attorney"),
        principal=applicant_iin,
        agent=representative.iin,
        number=representative.power_of_attorney,
        on=on,
    )
    if power is None:
        raise PowerOfAttorneyNotConfirmed(
            "The e-notary registry does not confirm this power of attorney (its number, the principal and the "
            "representative, not revoked, valid today): check the number with the notary."
        )
    return power


def registered_phone(
    iin: str, *, service_id: str, reference: str, actor: tuple[str, str], deps: RegistryReadDeps
) -> PhoneNumber | None:
    """The person's number in the mobile citizens database, or None when they registered none."""
    data = read_registry(
        MOBILE_REGISTRY,
        iin,
        purpose="registered phone for an SMS",
        actor=actor,
        on_behalf_of=iin,
        reference=reference,
        service_id=service_id,
        deps=deps,
    )
    raw = (data or {}).get("phone")
    if not isinstance(raw, str):
        return None
    try:
        return PhoneNumber.parse(raw)
    except DomainError:
        return None

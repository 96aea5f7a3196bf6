"""The eligibility pre-check: the service's rules on the citizen's own registry data, without filing.

Nothing is stored but the audit trail of the registry reads (they are reads of personal data all the same).

Who may learn what (API.md, `POST /eligibility/{service_id}`):

- the applicant is the caller; a representative may pre-check for their principal only once the e-notary registry
  confirms the power of attorney, asked before anything about the principal (`services.representation`);
- a subject (the cared person, the child, a family member) is checked only once the registries link them to the
  applicant: a birth (either way), an adoption, a guardianship or a marriage recorded in the applicant's own
  records. Nothing is asked about a subject who is not linked (`eligibility.subject_not_linked`, 422);
- of anyone but the applicant the answer says met or not met, never their data: a reason resting on another
  person's facts keeps only its rule and outcome (an `info` reason about them is left out), and a missing record of
  theirs says only which document would be needed. The applicant's own reasons keep their facts, but never a value
  that names another person (the owner of an IBAN the applicant typed, for one).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Application, Filer, Status
from chalicelib.domain.calendar import local_date
from chalicelib.domain.catalog import ServiceCatalog
from chalicelib.domain.errors import DomainError, FieldError, ValidationFailed
from chalicelib.domain.facts import FactsMissing
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.lookups import LookupSpec, dynamic_condition_holds, plan_for
from chalicelib.domain.rules import decide
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.decisions import case_of, gaps_of
from chalicelib.services.intake import validate_request
from chalicelib.services.ports import Clock, LookupRecord
from chalicelib.services.registry_port import GatewayRejected, RegistryGateway, RegistryUnavailable
from chalicelib.services.representation import (
    RegistryNotAnswering,
    RegistryReadDeps,
    confirm_power_of_attorney,
    read_registry,
)

PARALLEL_REQUESTS = 8


class RegistriesUnavailable(DomainError):
    """A registry the pre-check needs did not answer (after the gateway's retries): nothing can be told now."""

    code = "eligibility.registry_unavailable"
    status = 503


@dataclass(frozen=True)
class EligibilityDeps:
    gateway: RegistryGateway
    audit: AuditLog
    clock: Clock
    catalog: ServiceCatalog


class SubjectNotLinked(DomainError):
    """The registries hold no birth, adoption, guardianship or marriage linking the subject to the applicant."""

    code = "eligibility.subject_not_linked"
    status = 422


LINK_REGISTRIES: dict[str, tuple[str, ...]] = {
    "civil_births": ("children[].iin", "parents[].iin"),
    "adoption": ("adopted_children", "adoptive_parents"),
    "guardianship": ("wards", "guardians"),
    "civil_marriages": ("spouse_iin",),
}
"""Where the applicant's own records name the people they are linked to (registries.json answer shapes)."""


def linked_people(records: Mapping[str, Mapping[str, Any] | None]) -> set[str]:
    """Every IIN the applicant's own birth, adoption, guardianship and marriage records name."""
    people: set[str] = set()
    for registry, paths in LINK_REGISTRIES.items():
        data = records.get(registry) or {}
        for path in paths:
            name, _, field = path.partition("[].")
            value = data.get(name)
            items = value if isinstance(value, list) else [value]
            for item in items:
                found = item.get(field) if field and isinstance(item, Mapping) else item
                if isinstance(found, str):
                    people.add(found)
    return people


def _check_links(
    check_id: str, service_id: str, values: Mapping[str, Any], caller: Caller, deps: EligibilityDeps
) -> None:
    subjects = values["subjects"]
    if not subjects:
        return
    applicant = values["applicant"].iin
    reads = RegistryReadDeps(deps.gateway, deps.audit, deps.clock)
    records = {
        registry: read_registry(
            registry,
            applicant,
            purpose="eligibility pre-check: family links",
            actor=(caller.role, caller.iin),
            on_behalf_of=applicant,
            reference=check_id,
            service_id=service_id,
            deps=reads,
        )
        for registry in LINK_REGISTRIES
    }
    linked = linked_people(records)
    errors = [
        FieldError(
            f"subjects[{i}].iin",
            SubjectNotLinked.code,
            "The registries hold no birth, adoption, guardianship or marriage linking this person to the "
            "applicant: a pre-check covers only the applicant's own family.",
        )
        for i, subject in enumerate(subjects)
        if subject.iin not in linked
    ]
    if errors:
        raise ValidationFailed(errors)


def check_eligibility(
    service_id: str, body: Mapping[str, Any], caller: Caller, deps: EligibilityDeps
) -> dict[str, Any]:
    request = {**body, "service_id": service_id, "channel": "portal"}
    if body.get("accepted_by") is not None:
        raise ValidationFailed(
            [FieldError("accepted_by", "accepted_by.not_allowed", "A pre-check names no accepting office.")]
        )
    service, values = validate_request(request, caller, deps.catalog)
    now = deps.clock.now()
    on = local_date(now)
    check_id = f"precheck-{uuid.uuid4().hex[:12]}"
    representative = values["representative"]
    if representative is None and values["applicant"].iin != caller.iin:
        raise ValidationFailed([FieldError("applicant.iin", "applicant.not_caller", "The applicant is the caller.")])
    try:
        if representative is not None:
            confirm_power_of_attorney(
                values["applicant"].iin,
                representative,
                on=on,
                service_id=service.id,
                reference=check_id,
                actor=(caller.role, caller.iin),
                deps=RegistryReadDeps(deps.gateway, deps.audit, deps.clock),
            )
        _check_links(check_id, service.id, values, caller, deps)
    except RegistryNotAnswering as down:
        raise RegistriesUnavailable(down.message) from None
    draft = Application(
        id=check_id,
        service_id=service.id,
        channel="portal",
        status=Status.AWAITING_SIGNATURE,
        applicant=values["applicant"],
        subjects=values["subjects"],
        representative=values["representative"],
        bank_iban=values["iban"],
        accepted_by=None,
        language=values["language"],
        filer=Filer(caller.iin, caller.role),
        handling_office=service.handling_office(values["applicant"].region),
        created_at=now,
        registered_at=now,
        registered_on=on,
    )
    plan = plan_for(draft, on)
    records = _fetch_all([s for s in plan if not s.when], draft, deps)
    address = next(
        (r.data for r in records if r.registry == "address" and r.person_ref == "applicant" and r.status == "found"),
        None,
    )
    records += _fetch_all([s for s in plan if s.when and dynamic_condition_holds(s.when, address)], draft, deps)

    ask, write = gaps_of(records)
    own = draft.applicant.iin
    missing = [_missing(r.registry, r.iin, r.document, r.on_not_found, own) for r in ask + write]
    result: dict[str, Any] = {
        "service_id": service.id,
        "checked_on": on.isoformat(),
        "lookups": len(records),
        "missing": missing,
    }
    try:
        decision = decide(case_of(draft, records), on=on)
    except FactsMissing as gap:
        result.update(
            would_be="cannot_tell",
            missing=missing + [_missing(reg, iin, None, "missing", own) for reg, iin in gap.missing],
        )
        return result
    result.update(
        would_be=decision.outcome if not missing else "needs_documents",
        decision=applicant_view(decision.to_dict(), own),
    )
    return result


def _missing(registry: str, iin: str, document: str | None, on_not_found: str, own: str) -> dict[str, Any]:
    if iin == own:
        return {"registry": registry, "person": "applicant", "document": document, "on_not_found": on_not_found}
    return {"registry": None, "person": "other", "document": document, "on_not_found": on_not_found}


_IIN_LIKE = re.compile(r"\d{4}\*{4}\d{4}|\b\d{12}\b")


def applicant_view(decision: Mapping[str, Any], applicant_iin: str) -> dict[str, Any]:
    """The decision as the pre-check may show it: the applicant's own reasons in full (minus any value naming
    someone else), other people's as rule and outcome only, and nothing of an `info` reason about them."""
    own = mask_iin(applicant_iin)
    reasons = []
    for reason in decision["reasons"]:
        facts = reason["facts"]
        texts = " ".join(str(t) for t in reason.get("text", {}).values())
        if all(f["person_masked_iin"] == own for f in facts) and not _names_others(texts, own):
            reasons.append({**reason, "facts": [_own_fact(f, own) for f in facts], "about": "applicant"})
        elif reason["outcome"] in ("met", "not_met"):
            reasons.append({"rule_id": reason["rule_id"], "outcome": reason["outcome"], "about": "other"})
    return {**decision, "reasons": reasons}


def _names_others(text: str, own: str) -> bool:
    return any((found if "*" in found else mask_iin(found)) != own for found in _IIN_LIKE.findall(text))


def _own_fact(fact: Mapping[str, Any], own: str) -> dict[str, Any]:
    if _names_others(str(fact.get("value_repr", "")), own):
        return {**fact, "value_repr": "withheld"}
    return dict(fact)


def _fetch_all(specs: list[LookupSpec], draft: Application, deps: EligibilityDeps) -> list[LookupRecord]:
    def fetch(spec: LookupSpec) -> LookupRecord:
        now = deps.clock.now()
        deps.audit.record(
            AuditEntry.registry_read(
                at=now,
                actor_role="citizen",
                actor_id=draft.filer.iin,
                on_behalf_of=draft.filer.iin,
                purpose=f"eligibility pre-check: {spec.purpose}",
                application_id=draft.id,
                registry=spec.registry,
            )
        )
        try:
            answer = deps.gateway.fetch(
                spec.registry,
                spec.iin,
                service_id=draft.service_id,
                purpose=spec.purpose,
                on_behalf_of=draft.filer.iin,
                request_id=f"{draft.id}:{spec.key}",
            )
        except GatewayRejected as rejected:
            return LookupRecord(
                spec.key,
                spec.registry,
                spec.person_ref,
                spec.iin,
                "failed",
                {"reason": rejected.code},
                "",
                now,
                spec.on_not_found,
                spec.document,
            )
        return LookupRecord(
            spec.key,
            spec.registry,
            spec.person_ref,
            spec.iin,
            answer.status,
            answer.data,
            answer.source_system,
            answer.fetched_at,
            spec.on_not_found,
            spec.document,
        )

    if not specs:
        return []
    try:
        with ThreadPoolExecutor(max_workers=min(PARALLEL_REQUESTS, len(specs))) as pool:
            return list(pool.map(fetch, specs))
    except RegistryUnavailable as down:
        raise RegistriesUnavailable(f"The registry {down.registry} does not answer now: try again later.") from None

"""The eligibility pre-check: the service's rules on the citizen's own registry data, without filing.

Nothing is stored but the audit trail of the registry reads (they are reads of personal data all the same).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Application, Filer, Status
from chalicelib.domain.catalog import ServiceCatalog
from chalicelib.domain.errors import DomainError
from chalicelib.domain.facts import FactsMissing
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.lookups import LookupSpec, dynamic_condition_holds, plan_for
from chalicelib.domain.rules import decide
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.decisions import case_of, gaps_of
from chalicelib.services.intake import local_date, validate_request
from chalicelib.services.ports import Clock, LookupRecord
from chalicelib.services.registry_port import GatewayRejected, RegistryGateway, RegistryUnavailable

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


def check_eligibility(service_id: str, body: Mapping[str, Any], caller: Caller,
                      deps: EligibilityDeps) -> dict[str, Any]:
    request = {**body, "service_id": service_id, "channel": "portal"}
    service, values = validate_request(request, caller, deps.catalog)
    now = deps.clock.now()
    on = local_date(now)
    check_id = f"precheck-{uuid.uuid4().hex[:12]}"
    draft = Application(
        id=check_id, service_id=service.id, channel="portal", status=Status.AWAITING_SIGNATURE,
        applicant=values["applicant"], subjects=values["subjects"], representative=values["representative"],
        bank_iban=values["iban"], accepted_by=None, language=values["language"],
        filer=Filer(caller.iin, caller.role), handling_office=service.handling_office(values["applicant"].region),
        created_at=now, registered_at=now, registered_on=on,
    )
    plan = plan_for(draft, on)
    records = _fetch_all([s for s in plan if not s.when], draft, deps)
    address = next((r.data for r in records if r.registry == "address" and r.person_ref == "applicant"
                    and r.status == "found"), None)
    records += _fetch_all([s for s in plan if s.when and dynamic_condition_holds(s.when, address)], draft, deps)

    ask, write = gaps_of(records)
    missing = [{"registry": r.registry, "person": mask_iin(r.iin), "document": r.document,
                "on_not_found": r.on_not_found} for r in ask + write]
    result: dict[str, Any] = {"service_id": service.id, "checked_on": on.isoformat(), "lookups": len(records),
                              "missing": missing}
    try:
        decision = decide(case_of(draft, records), on=on)
    except FactsMissing as gap:
        result.update(would_be="cannot_tell", missing=missing + [
            {"registry": reg, "person": mask_iin(iin), "document": None, "on_not_found": "missing"}
            for reg, iin in gap.missing])
        return result
    result.update(would_be=decision.outcome if not missing else "needs_documents",
                  decision=decision.to_dict())
    return result


def _fetch_all(specs: list[LookupSpec], draft: Application, deps: EligibilityDeps) -> list[LookupRecord]:
    def fetch(spec: LookupSpec) -> LookupRecord:
        now = deps.clock.now()
        deps.audit.record(AuditEntry.registry_read(
            at=now, actor_role="citizen", actor_id=draft.filer.iin, on_behalf_of=draft.filer.iin,
            purpose=f"eligibility pre-check: {spec.purpose}", application_id=draft.id, registry=spec.registry))
        try:
            answer = deps.gateway.fetch(spec.registry, spec.iin, service_id=draft.service_id, purpose=spec.purpose,
                                        on_behalf_of=draft.filer.iin, request_id=f"{draft.id}:{spec.key}")
        except GatewayRejected as rejected:
            return LookupRecord(spec.key, spec.registry, spec.person_ref, spec.iin, "failed",
                                {"reason": rejected.code}, "", now, spec.on_not_found, spec.document)
        return LookupRecord(spec.key, spec.registry, spec.person_ref, spec.iin, answer.status, answer.data,
                            answer.source_system, answer.fetched_at, spec.on_not_found, spec.document)

    if not specs:
        return []
    try:
        with ThreadPoolExecutor(max_workers=min(PARALLEL_REQUESTS, len(specs))) as pool:
            return list(pool.map(fetch, specs))
    except RegistryUnavailable as down:
        raise RegistriesUnavailable(f"The registry {down.registry} does not answer now: try again later.") from None

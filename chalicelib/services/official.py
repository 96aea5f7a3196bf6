"""Decisions by an official, signed with the official's EDS (API.md "The official's desk").

An application goes to an official when a fact came from paper a person read (services/review.py) or when the rules
cannot decide on the facts held (services/decisions.to_official); it waits `deciding`. The official never types an
outcome or an amount: they change facts (reviews, agency replies), the rules decide.

1. `draft_decision`: `409 decision.facts_missing` with the facts still missing, `409 assignment.pending` while
   another open application holds the claim on a beneficiary, or the rules' decision on the facts held (an
   approval for a person already assigned the benefit is the refusal naming it) with a `draft_id` and `to_sign`,
   the canonical XML of the result document (domain.signing.canonical_result_content). The draft is kept in the
   application with a fingerprint of the facts it was made on.
2. `sign_decision`: the official's enveloped XMLDSig over `to_sign`. Refused, each with its code:
   - `decision.draft_stale` (409): not the current draft, made by another official or on another day, or a fact
     changed since it was made;
   - `eds.untrusted` (422): the certificate does not chain to a trusted CA or is not valid that day;
   - `eds.not_signer` (422): the certificate's IIN is not the signed-in official's (the token's `sub`);
   - `decision.draft_mismatch` (422): what is signed is not the draft's `to_sign`;
   - `eds.revoked` (422) / `eds.revocation_unknown` (503): the revocation check (RevocationChecker port);
   - `eds.malformed`, `eds.tampered`, `eds.algorithm_unsupported` (422) as for an applicant's EDS;
   - `assignment.exists` (409): the draft approves, but a beneficiary got the benefit through another application
     since (one assignment per person and period, services/assignments.py): no second assignment is made, the
     draft is withdrawn, and the next draft is the refusal naming that assignment (masked);
   - `assignment.pending` (409): another open application holds the claim on a beneficiary; this one waits
     (`waiting_for: assignment`) and comes back to the officials once that one is decided.
   The signature over an approval takes the assignment claim exactly as a machine decision does (conditional
   writes, before the result is stored). The result is then stored with the signed XML, the application approved
   or refused, the applicant told, and the claims it does not keep are given back.

Supported signature algorithms: RSA-SHA256 and RSA-SHA512 (NCA RSA certificates). GOST R 34.10-2015 is not
supported: no maintained Python library verifies it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain.access import Caller, is_deciding_official
from chalicelib.domain.application import Application, Status
from chalicelib.domain.assignments import ASSIGNED, PENDING, AssignmentExists
from chalicelib.domain.calendar import local_date
from chalicelib.domain.catalog import ServiceCatalog
from chalicelib.domain.decision import Decision
from chalicelib.domain.errors import ApplicationNotFound, Conflict, DomainError, FieldError, ValidationFailed
from chalicelib.domain.facts import FactsMissing
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.result_document import format_instant
from chalicelib.domain.rules import decide
from chalicelib.domain.signing import SignatureRefused, canonical_result_content
from chalicelib.services.assignments import AssignmentPending, check_assignable, one_assignment
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.concurrency import Unchanged, update_application
from chalicelib.services.decisions import (
    after_assignment,
    case_of,
    finish_decision,
    result_document,
    wait_for_assignment,
)
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import (
    ApplicationRepository,
    AssignmentStore,
    Clock,
    EdsVerifier,
    LookupRecord,
    LookupState,
    LookupStore,
    MessagePublisher,
    ResultStore,
    RevocationChecker,
)
from chalicelib.services.results import SIGNED_BY_OFFICIAL

DECISION_PURPOSE = "decision on the application by an official"


class NotAwaitingOfficial(Conflict):
    code = "decision.not_awaiting_official"


class DraftFactsMissing(Conflict):
    """409: the rules cannot decide yet. `errors` lists each missing fact (registry and masked person)."""

    code = "decision.facts_missing"

    def __init__(self, message: str, errors: list[FieldError]) -> None:
        super().__init__(message)
        self.errors = errors


class DraftStale(Conflict):
    code = "decision.draft_stale"


class DraftMismatch(DomainError):
    code = "decision.draft_mismatch"
    status = 422


class RevocationUnknown(DomainError):
    code = "eds.revocation_unknown"
    status = 503


@dataclass(frozen=True)
class OfficialDeps:
    repo: ApplicationRepository
    lookups: LookupStore
    results: ResultStore
    publisher: MessagePublisher
    clock: Clock
    catalog: ServiceCatalog
    eds: EdsVerifier
    revocation: RevocationChecker
    audit: AuditLog
    assignments: AssignmentStore


def facts_fingerprint(records: list[LookupRecord]) -> str:
    """A digest of every fact held (status, data, source of each lookup): a new or changed fact changes it."""
    facts = sorted(
        (
            r.key,
            r.status,
            json.dumps(r.data, sort_keys=True, ensure_ascii=False),
            r.source_system,
            r.provided_document or "",
        )
        for r in records
    )
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()


def _awaiting_official(application: Application, caller: Caller) -> None:
    if not is_deciding_official(caller, application):
        raise ApplicationNotFound("No such application.")
    if application.status is not Status.DECIDING or not application.data.get("official_decision"):
        raise NotAwaitingOfficial(
            f"An application that is {application.status.value} does not wait for an official's decision."
        )


def draft_decision(application_id: str, caller: Caller, deps: OfficialDeps) -> dict[str, Any]:
    """{draft_id, decision: {outcome, amount_monthly, period_from, period_to, reasons, ...}, document, to_sign}.

    Raises ApplicationNotFound (not an official of the deciding office), NotAwaitingOfficial (409),
    DraftFactsMissing (409, the missing facts in `errors`)."""
    application = deps.repo.get(application_id)
    _awaiting_official(application, caller)
    records = deps.lookups.for_application(application_id)
    now = deps.clock.now()
    case = case_of(application, records)
    try:
        decision = decide(case, on=local_date(now))
    except FactsMissing as gap:
        raise DraftFactsMissing(
            "The rules cannot decide yet: facts are missing (ask the agency in writing and review its reply).",
            [
                FieldError(
                    f"{registry}:{mask_iin(iin)}", "fact.missing", f"No answer of {registry} about {mask_iin(iin)}."
                )
                for registry, iin in gap.missing
            ],
        ) from None
    # one assignment per person and period: look now (the signature takes the claim)
    claims = list(decision.beneficiaries) if decision.approved else []
    decision, block = one_assignment(deps.assignments, deps.repo, application, decision, take=False)
    if block is not None and block.kind == PENDING:
        wait_for_assignment(application_id, block, repo=deps.repo, clock=deps.clock)
        raise AssignmentPending(block)
    document = result_document(application, case, decision, now, deps.catalog)
    draft_id = uuid.uuid4().hex
    draft = {
        "draft_id": draft_id,
        "document": document,
        "facts": facts_fingerprint(records),
        "official": caller.iin,
        "made_on": local_date(now).isoformat(),
        "made_at": now.isoformat(),
        "claims": claims,
    }

    def keep(app: Application) -> None:
        _awaiting_official(app, caller)
        app.data["draft"] = draft
        app.record(
            now,
            "decision_drafted",
            "official",
            draft_id=draft_id,
            outcome=decision.outcome,
            official=mask_iin(caller.iin),
        )

    update_application(deps.repo, application_id, keep)
    deps.audit.record(
        AuditEntry.by_caller(
            caller, at=now, purpose=DECISION_PURPOSE, application_id=application_id, action="decision_drafted"
        )
    )
    return {
        "draft_id": draft_id,
        "decision": document["decision"],
        "document": document,
        "to_sign": canonical_result_content(document, draft_id).decode("utf-8"),
    }


_REFUSALS = {
    "eds.expired": "eds.untrusted",
    "eds.iin_mismatch": "eds.not_signer",
    "eds.content_mismatch": "decision.draft_mismatch",
}


def _signer(signature: Any, application: Application) -> dict[str, Any]:
    return {
        "kind": "official",
        "name": signature.subject_common_name,
        "position": signature.position,
        "organization": signature.organization,
        "office_id": application.handling_office,
        "iin_masked": mask_iin(signature.iin),
        "certificate_serial": signature.certificate_serial,
    }


def sign_decision(application_id: str, raw: Any, caller: Caller, deps: OfficialDeps) -> Application:
    """Accept the official's signature over the current draft: the result is stored, the application decided.

    `raw` is {"draft_id": "...", "signed_xml": "..."}. Raises as the module doc lists."""
    errors = [
        FieldError(name, "field.required", f"`{name}` is a non-empty string.")
        for name in ("draft_id", "signed_xml")
        if not isinstance(raw.get(name), str) or not raw.get(name)
    ]
    if errors:
        raise ValidationFailed(errors)
    application = deps.repo.get(application_id)
    _awaiting_official(application, caller)
    now = deps.clock.now()
    draft = application.data.get("draft") or {}
    if draft.get("draft_id") != raw["draft_id"]:
        raise DraftStale("This is not the current draft: get the draft again.")
    if draft.get("official") != caller.iin:
        raise DraftStale("The draft was made by another official: get your own draft.")
    if draft.get("made_on") != local_date(now).isoformat():
        raise DraftStale("The draft was made on another day: get the draft again.")
    records = deps.lookups.for_application(application_id)
    if facts_fingerprint(records) != draft.get("facts"):
        raise DraftStale("A fact changed since the draft was made: get the draft again.")
    to_sign = canonical_result_content(draft["document"], draft["draft_id"])
    try:
        signature = deps.eds.verify(raw["signed_xml"], to_sign, {caller.iin}, now)
    except SignatureRefused as refused:
        code = _REFUSALS.get(refused.code, refused.code)
        if code == "decision.draft_mismatch":
            raise DraftMismatch("What is signed is not the draft's `to_sign`.") from None
        raise SignatureRefused(code, refused.message) from None
    status = deps.revocation.status(signature.certificate_der or b"", now) if signature.certificate_der else "unknown"
    if status == "revoked":
        raise SignatureRefused("eds.revoked", "The certificate was revoked.")
    if status != "good":
        raise RevocationUnknown("The certificate's revocation status cannot be checked now: try again later.")

    decision = _drafted(draft)
    _take_assignment(application, decision, draft, deps)

    signer = _signer(signature, application)
    signed = deps.results.put_once(
        application_id,
        {
            "kind": SIGNED_BY_OFFICIAL,
            "document": draft["document"],
            "draft_id": draft["draft_id"],
            "signed_xml": raw["signed_xml"],
            "signed_at": format_instant(now),
            "algorithm": signature.algorithm,
            "signer": signer,
        },
        [LookupState.of(r) for r in records],
    )
    decision = _drafted({**draft, "document": signed["document"]})
    deps.audit.record(
        AuditEntry.by_caller(
            caller, at=now, purpose=DECISION_PURPOSE, application_id=application_id, action="decision_signed"
        )
    )
    decided = finish_decision(
        application_id,
        decision,
        signed["document"],
        "official",
        repo=deps.repo,
        clock=deps.clock,
        method="eds",
        official=mask_iin(caller.iin),
        certificate_serial=_masked_serial(signature.certificate_serial),
        draft_id=draft["draft_id"],
    )
    dispatch_outbox(deps.repo, deps.publisher, decided)
    after_assignment(decided, decision, deps.assignments, deps.publisher)
    return deps.repo.get(application_id)


def _drafted(draft: dict[str, Any]) -> Decision:
    """The drafted decision with its beneficiaries (kept in the draft, not in the result document: they are IINs)."""
    decision = Decision.from_dict(draft["document"]["decision"])
    if not decision.approved:
        return decision
    return replace(decision, beneficiaries=tuple(draft.get("claims") or ()))


def _take_assignment(application: Application, decision: Decision, draft: dict[str, Any], deps: OfficialDeps) -> None:
    """The signed draft meets the one-assignment rule as a machine decision does, before anything is stored.

    An approval takes the claims on its beneficiaries (conditional writes); if a beneficiary was assigned through
    another application since the draft, or another open one holds the claim, the draft is withdrawn and
    AssignmentExists / AssignmentPending (409) is raised: no second assignment is ever stored. A refusal drafted
    because of an assignment is stale once that assignment no longer stands (DraftStale)."""
    if decision.approved and decision.beneficiaries:
        _, block = one_assignment(deps.assignments, deps.repo, application, decision, take=True)
        if block is None:
            return
        _withdraw_draft(application.id, draft["draft_id"], block.kind, deps)
        if block.kind == ASSIGNED:
            raise AssignmentExists(block)
        wait_for_assignment(application.id, block, repo=deps.repo, clock=deps.clock)
        raise AssignmentPending(block)
    refused_for = [r for r in decision.reasons if r.rule_id == "assignment.exists" and r.outcome == "not_met"]
    if refused_for and draft.get("claims"):
        block = check_assignable(deps.assignments, deps.repo, application, draft["claims"])
        if block is None or block.kind != ASSIGNED:
            _withdraw_draft(application.id, draft["draft_id"], "assignment_ended", deps)
            raise DraftStale("The assignment this refusal names no longer stands: get the draft again.")


def _withdraw_draft(application_id: str, draft_id: str, reason: str, deps: OfficialDeps) -> None:
    now = deps.clock.now()

    def withdraw(app: Application) -> None:
        if (app.data.get("draft") or {}).get("draft_id") != draft_id:
            raise Unchanged
        app.data.pop("draft", None)
        app.record(now, "decision_draft_withdrawn", "system", draft_id=draft_id, reason=reason)

    update_application(deps.repo, application_id, withdraw)


def _masked_serial(serial: str) -> str:
    return f"{serial[:4]}****{serial[-4:]}" if len(serial) > 8 else "****"

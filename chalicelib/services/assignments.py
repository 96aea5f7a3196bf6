"""One assignment per subject and period, across applicants, channels and concurrent filings.

- At filing, `stop_if_assigned` refuses (409 `assignment.exists`) an application for a subject this system has
  already assigned the benefit to for the registration date: certain then. Otherwise `claim_pending` takes a
  `pending` claim on the subjects (all or none), so that a later application for them waits for this one.
- At the decision, `claim_assigned` turns the claims into `assigned` for the decision's beneficiaries before the
  approval is saved. Of concurrent applications exactly one succeeds (conditional writes); the others are
  refused naming the assignment, or wait (`waiting_for: assignment`) while another open application holds a
  pending claim, and are decided again when that one ends.
- `release` gives the claims of a refused or withdrawn application back and returns who waited on them.

Every path that ends in an approval goes through `one_assignment`: the machine's decision (first decision, the
sweep's re-decision, a proactive application), and an official's EDS-signed decision (services/official.py: the
draft looks with `take=False`, the signature takes the claim with `take=True` before the result is stored).

Claims are held in the AssignmentStore (adapters/assignments.py); the rules are in domain/assignments.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from chalicelib.domain.application import Application
from chalicelib.domain.assignments import (
    ASSIGNED,
    PENDING,
    AssignmentExists,
    Blocking,
    Claim,
    blocking,
    filing_subjects,
    subjects_of,
)
from chalicelib.domain.decision import Decision
from chalicelib.domain.errors import ApplicationNotFound, ConcurrentUpdate, Conflict
from chalicelib.domain.rules import refused_as_assigned
from chalicelib.services.ports import ApplicationRepository, AssignmentStore

MAX_ATTEMPTS = 8


def _holder_status(repo: ApplicationRepository, application_id: str) -> str | None:
    try:
        return repo.get(application_id).status.value
    except ApplicationNotFound:
        return None


def _read(
    store: AssignmentStore,
    repo: ApplicationRepository,
    service_id: str,
    subjects: Sequence[str],
    *,
    application_id: str,
    on: date,
) -> tuple[list[Claim | None], list[Blocking]]:
    claims = [store.get(service_id, iin) for iin in subjects]
    blocks = []
    for claim in claims:
        if claim is None or claim.holder == application_id:
            continue
        found = blocking(claim, application_id, _holder_status(repo, claim.holder), on)
        if found is not None:
            blocks.append(found)
    return claims, blocks


def all_subjects(application: Application) -> list[str]:
    return subjects_of(
        application.service_id, application.applicant.iin, [(s.iin, s.relation) for s in application.subjects]
    )


def stop_if_assigned(store: AssignmentStore, repo: ApplicationRepository, application: Application, on: date) -> None:
    """Raise AssignmentExists when a subject's benefit is already assigned for `on` by this system."""
    subjects = filing_subjects(
        application.service_id, application.applicant.iin, [(s.iin, s.relation) for s in application.subjects]
    )
    _, blocks = _read(store, repo, application.service_id, subjects, application_id=application.id, on=on)
    for block in blocks:
        if block.kind == ASSIGNED:
            raise AssignmentExists(block)


def claim_pending(store: AssignmentStore, repo: ApplicationRepository, application: Application) -> bool:
    """Take a pending claim on every subject of a registered application, or none (someone holds one)."""
    subjects = all_subjects(application)
    if not subjects or application.registered_on is None:
        return True
    for _ in range(MAX_ATTEMPTS):
        claims, blocks = _read(
            store, repo, application.service_id, subjects, application_id=application.id, on=application.registered_on
        )
        if blocks:
            return False
        fresh = [
            (claim or Claim(application.service_id, iin, application.id, PENDING)).taken_by(application.id, PENDING)
            for iin, claim in zip(subjects, claims, strict=True)
            if claim is None or claim.holder != application.id
        ]
        if store.put(fresh):
            return True
    return False


def claim_assigned(
    store: AssignmentStore,
    repo: ApplicationRepository,
    application: Application,
    beneficiaries: Sequence[str],
    *,
    period_from: date | None,
    period_to: date | None,
) -> Blocking | None:
    """Make this application the holder of the assignment of every beneficiary for the period, or say why not:
    a `Blocking` of kind `assigned` (refuse, naming it) or `pending` (wait; this application is noted as a
    waiter and is decided again when the holder ends)."""
    on = application.registered_on
    assert on is not None
    for _ in range(MAX_ATTEMPTS):
        claims, blocks = _read(store, repo, application.service_id, beneficiaries, application_id=application.id, on=on)
        assigned = next((b for b in blocks if b.kind == ASSIGNED), None)
        if assigned is not None:
            return assigned
        if blocks:
            if store.add_waiter(blocks[0].claim, application.id):
                return blocks[0]
            continue
        fresh = [
            (claim or Claim(application.service_id, iin, application.id, ASSIGNED)).taken_by(
                application.id, ASSIGNED, period_from=period_from, period_to=period_to
            )
            for iin, claim in zip(beneficiaries, claims, strict=True)
        ]
        if store.put(fresh):
            return None
    raise ConcurrentUpdate("The assignment claims kept changing; the decision is retried.")


def check_assignable(
    store: AssignmentStore, repo: ApplicationRepository, application: Application, beneficiaries: Sequence[str]
) -> Blocking | None:
    """Whether an approval of `application` for `beneficiaries` could take their assignment now, without taking
    it (an official's draft, before the signature): a `Blocking` of kind `assigned` (an approval would be refused,
    naming it) or `pending` (another open application holds the claim: this one is noted as its waiter and is
    decided again when that one ends), or None."""
    on = application.registered_on
    assert on is not None
    for _ in range(MAX_ATTEMPTS):
        _, blocks = _read(store, repo, application.service_id, beneficiaries, application_id=application.id, on=on)
        assigned = next((b for b in blocks if b.kind == ASSIGNED), None)
        if assigned is not None:
            return assigned
        if not blocks:
            return None
        if store.add_waiter(blocks[0].claim, application.id):
            return blocks[0]
    raise ConcurrentUpdate("The assignment claims kept changing; try again.")


def one_assignment(
    store: AssignmentStore, repo: ApplicationRepository, application: Application, decision: Decision, *, take: bool
) -> tuple[Decision, Blocking | None]:
    """The decision as the one-assignment rule leaves it, and what blocked the approval (None: nothing did).

    An approval whose beneficiary this system already assigned for the period becomes a refusal naming that
    assignment (masked subject and application: domain.rules.refused_as_assigned), with the `assigned` Blocking;
    while another open application holds the claim, the decision is unchanged and the `pending` Blocking says it
    must wait (this application is noted as a waiter and decided again when that one ends). `take`: claim the assignment
    (conditional writes: of concurrent approvals exactly one holds it), as the machine's decision and the
    official's signature do; otherwise only look (the official's draft). A refusal takes nothing."""
    if not (decision.approved and decision.beneficiaries):
        return decision, None
    if take:
        block = claim_assigned(
            store,
            repo,
            application,
            decision.beneficiaries,
            period_from=decision.period_from,
            period_to=decision.period_to,
        )
    else:
        block = check_assignable(store, repo, application, decision.beneficiaries)
    if block is None or block.kind == PENDING:
        return decision, block
    return refused_as_assigned(decision, block), block


class AssignmentPending(Conflict):
    """409: another open application holds the claim on a beneficiary; this one is decided again (and goes back
    to the officials) once that one is decided. The work queue shows it `waiting_for: assignment`."""

    code = "assignment.pending"

    def __init__(self, block: Blocking) -> None:
        super().__init__(
            f"Application {block.masked_holder}, still open, holds the claim on {block.masked_subject}: this "
            "application is decided again once that one is decided (one assignment per person and period)."
        )
        self.block = block
        self.extensions = {"assignment": block.to_problem()}


def release(store: AssignmentStore, service_id: str, holder: str, subjects: Iterable[str]) -> set[str]:
    """Give back what `holder` claims on `subjects`; the applications that waited on those claims."""
    waiters: set[str] = set()
    for iin in dict.fromkeys(subjects):
        released = store.release(service_id, iin, holder)
        if released:
            waiters |= released
    waiters.discard(holder)
    return waiters


def waiters_of(store: AssignmentStore, service_id: str, holder: str, subjects: Iterable[str]) -> set[str]:
    """The applications waiting on `holder`'s claims (to be decided again once it is decided)."""
    found: set[str] = set()
    for iin in dict.fromkeys(subjects):
        claim = store.get(service_id, iin)
        if claim is not None and claim.holder == holder:
            found |= claim.waiters
    found.discard(holder)
    return found

"""One assignment per subject and period, across applicants, channels and concurrent filings.

- At filing, `stop_if_assigned` refuses (409 `assignment.exists`) an application for a subject this system has
  already assigned the benefit to for the registration date: certain then. Otherwise `claim_pending` takes a
  `pending` claim on the subjects (all or none), so that a later application for them waits for this one.
- At the decision, `claim_assigned` turns the claims into `assigned` for the decision's beneficiaries before the
  approval is saved. Of concurrent applications exactly one succeeds (conditional writes); the others are
  refused naming the assignment, or wait (`waiting_for: assignment`) while another open application holds a
  pending claim, and are decided again when that one ends.
- `release` gives the claims of a refused or withdrawn application back and returns who waited on them.

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
from chalicelib.domain.errors import ApplicationNotFound, ConcurrentUpdate
from chalicelib.services.ports import ApplicationRepository, AssignmentStore

MAX_ATTEMPTS = 8


def _holder_status(repo: ApplicationRepository, application_id: str) -> str | None:
    try:
        return repo.get(application_id).status.value
    except ApplicationNotFound:
        return None


def _read(store: AssignmentStore, repo: ApplicationRepository, service_id: str, subjects: Sequence[str], *,
          application_id: str, on: date) -> tuple[list[Claim | None], list[Blocking]]:
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
    return subjects_of(application.service_id, application.applicant.iin,
                       [(s.iin, s.relation) for s in application.subjects])


def stop_if_assigned(store: AssignmentStore, repo: ApplicationRepository, application: Application,
                     on: date) -> None:
    """Raise AssignmentExists when a subject's benefit is already assigned for `on` by this system."""
    subjects = filing_subjects(application.service_id, application.applicant.iin,
                               [(s.iin, s.relation) for s in application.subjects])
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
        claims, blocks = _read(store, repo, application.service_id, subjects, application_id=application.id,
                               on=application.registered_on)
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


def claim_assigned(store: AssignmentStore, repo: ApplicationRepository, application: Application,
                   beneficiaries: Sequence[str], *, period_from: date | None,
                   period_to: date | None) -> Blocking | None:
    """Make this application the holder of the assignment of every beneficiary for the period, or say why not:
    a `Blocking` of kind `assigned` (refuse, naming it) or `pending` (wait; this application is noted as a
    waiter and is decided again when the holder ends)."""
    on = application.registered_on
    assert on is not None
    for _ in range(MAX_ATTEMPTS):
        claims, blocks = _read(store, repo, application.service_id, beneficiaries, application_id=application.id,
                               on=on)
        assigned = next((b for b in blocks if b.kind == ASSIGNED), None)
        if assigned is not None:
            return assigned
        if blocks:
            if store.add_waiter(blocks[0].claim, application.id):
                return blocks[0]
            continue
        fresh = [
            (claim or Claim(application.service_id, iin, application.id, ASSIGNED)).taken_by(
                application.id, ASSIGNED, period_from=period_from, period_to=period_to)
            for iin, claim in zip(beneficiaries, claims, strict=True)
        ]
        if store.put(fresh):
            return None
    raise ConcurrentUpdate("The assignment claims kept changing; the decision is retried.")


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

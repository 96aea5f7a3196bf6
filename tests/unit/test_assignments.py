"""One assignment per subject and period: the claim rules (domain) and their use at filing and decision
(services/assignments.py) on in-memory ports. The race itself runs on the moto server
(tests/reliability/test_one_assignment.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.assignments import (
    ASSIGNED,
    PENDING,
    AssignmentExists,
    Claim,
    blocking,
    filing_subjects,
    mask_application_id,
    subjects_of,
)
from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.catalog import load_catalog
from chalicelib.services.assignments import claim_assigned, claim_pending, release
from chalicelib.services.intake import IntakeDeps, submit_application, withdraw_application
from tests.support.fakes import (
    FakeClock,
    InMemoryAssignmentStore,
    InMemoryRepository,
    RecordingPublisher,
    SequentialIds,
)
from tests.support.people import CHILD, MOTHER, child_benefit_body

CHILD_SERVICE = "child-disability-benefit"
ON = date(2026, 3, 10)


def claim(state: str, *, to: date | None = None, holder: str = "260301-00000001") -> Claim:
    return Claim(CHILD_SERVICE, CHILD, holder, state, date(2026, 3, 1) if state == ASSIGNED else None, to)


@pytest.mark.parametrize(
    ("stored", "holder_status", "expected"),
    [
        (None, None, None),  # nobody holds it
        (claim(PENDING), "checking", PENDING),  # another open application filed first: wait for it
        (claim(PENDING), "refused", None),  # its holder was refused and did not release it yet: free
        (claim(PENDING), "withdrawn", None),
        (claim(PENDING), None, None),  # its holder does not exist (a crash before it was saved)
        (claim(ASSIGNED), "approved", ASSIGNED),  # open-ended assignment: refused / stopped at filing
        (claim(ASSIGNED), "deciding", ASSIGNED),  # written just before the approval is saved
        (claim(ASSIGNED, to=date(2026, 3, 31)), "approved", ASSIGNED),  # the period covers the day
        (claim(ASSIGNED, to=date(2026, 3, 9)), "approved", None),  # it ended the day before
        (claim(ASSIGNED, to=date(2026, 3, 10)), "approved", ASSIGNED),  # last day still covered
        (claim(ASSIGNED), "refused", None),
    ],
)
def test_what_blocks_another_application(stored: Claim | None, holder_status: str | None, expected: str | None) -> None:
    found = blocking(stored, "260310-00000009", holder_status, ON)
    assert (found.kind if found else None) == expected


def test_a_claim_held_by_the_application_itself_never_blocks_it() -> None:
    assert blocking(claim(ASSIGNED), "260301-00000001", "approved", ON) is None


def test_subjects_per_service() -> None:
    assert subjects_of(CHILD_SERVICE, MOTHER, [(CHILD, "child")]) == [CHILD]
    assert subjects_of("caregiver-allowance", MOTHER, [(CHILD, "cared_person")]) == [CHILD]
    tsa = subjects_of("targeted-social-assistance", MOTHER, [(CHILD, "family_member")])
    assert tsa == [MOTHER, CHILD]  # TSA per family member, the applicant included
    assert filing_subjects("targeted-social-assistance", MOTHER, [(CHILD, "family_member")]) == [MOTHER]
    assert subjects_of("special-social-services", MOTHER, [(CHILD, "cared_person")]) == []


def test_the_application_number_is_masked() -> None:
    assert mask_application_id("261130-AB7KQ2XZ") == "261130-AB****XZ"


# -- filing and deciding on in-memory ports ------------------------------------------------------------------


@pytest.fixture
def deps() -> IntakeDeps:
    return IntakeDeps(
        InMemoryRepository(),
        FakeClock(),
        SequentialIds(),
        RecordingPublisher(),
        load_catalog(),
        default_calendar(),
        InMemoryAssignmentStore(),
    )


def file(deps: IntakeDeps, key: str | None = None, **change: Any) -> Any:
    body = {**child_benefit_body(), **change}
    return submit_application(body, Caller(MOTHER, "citizen"), deps, render=lambda a: {"id": a.id}, idempotency_key=key)


def approve(deps: IntakeDeps, application_id: str) -> None:
    app = deps.repo.get(application_id)
    assert (
        claim_assigned(deps.assignments, deps.repo, app, [CHILD], period_from=app.registered_on, period_to=None) is None
    )
    app.status = Status.APPROVED
    deps.repo.save(app)


def test_the_first_filing_holds_a_pending_claim_and_a_second_is_filed_but_waits(deps: IntakeDeps) -> None:
    first = file(deps).application
    second = file(deps).application
    held = deps.assignments.get(CHILD_SERVICE, CHILD)
    assert held is not None and held.holder == first.id and held.state == PENDING
    # The second is not stopped at filing (the first may yet be refused), but its decision waits for the first
    block = claim_assigned(deps.assignments, deps.repo, second, [CHILD], period_from=ON, period_to=None)
    assert block is not None and block.kind == PENDING
    assert second.id in deps.assignments.get(CHILD_SERVICE, CHILD).waiters  # type: ignore[union-attr]


def test_once_assigned_a_new_filing_is_stopped_with_the_assignment_masked(deps: IntakeDeps) -> None:
    first = file(deps).application
    approve(deps, first.id)
    with pytest.raises(AssignmentExists) as stopped:
        file(deps, key="another-key")
    assert stopped.value.status == 409
    assert mask_application_id(first.id) in stopped.value.message
    assert CHILD not in stopped.value.message and first.id not in stopped.value.message
    assert CHILD[:4] + "****" + CHILD[-4:] in stopped.value.message


def test_a_retry_of_the_assigned_request_replays_its_first_response(deps: IntakeDeps) -> None:
    first = file(deps, key="k1")
    approve(deps, first.response["id"])
    again = file(deps, key="k1")
    assert again.replayed and again.response == first.response


def test_a_withdrawn_application_releases_its_claim_and_wakes_who_waited(deps: IntakeDeps) -> None:
    first = file(deps).application
    second = file(deps).application
    claim_assigned(deps.assignments, deps.repo, second, [CHILD], period_from=ON, period_to=None)
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    withdraw_application(first.id, Caller(MOTHER, "citizen"), deps)
    assert deps.assignments.get(CHILD_SERVICE, CHILD) is None
    assert any(m.queue == "decisions" and m.body["application_id"] == second.id for m in publisher.sent)
    # and the second can now be assigned
    assert (
        claim_assigned(deps.assignments, deps.repo, deps.repo.get(second.id), [CHILD], period_from=ON, period_to=None)
        is None
    )


def test_a_claim_left_by_a_refused_application_is_taken_over(deps: IntakeDeps) -> None:
    first = file(deps).application
    refused = deps.repo.get(first.id)
    refused.status = Status.REFUSED
    deps.repo.save(refused)
    second = file(deps).application
    held = deps.assignments.get(CHILD_SERVICE, CHILD)
    assert held is not None and held.holder == second.id


def test_release_gives_back_only_what_the_holder_holds(deps: IntakeDeps) -> None:
    first = file(deps).application
    assert release(deps.assignments, CHILD_SERVICE, "someone-else", [CHILD]) == set()
    assert deps.assignments.get(CHILD_SERVICE, CHILD) is not None
    assert release(deps.assignments, CHILD_SERVICE, first.id, [CHILD]) == set()
    assert deps.assignments.get(CHILD_SERVICE, CHILD) is None


def test_a_stale_write_loses(deps: IntakeDeps) -> None:
    first = file(deps).application
    held = deps.assignments.get(CHILD_SERVICE, CHILD)
    assert held is not None
    assert not deps.assignments.put([replace(held, version=0).taken_by("x", ASSIGNED)])
    assert claim_pending(deps.assignments, deps.repo, deps.repo.get(first.id))

"""Filing, idempotency and withdrawal as use cases, on in-memory ports."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.application import Status
from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.catalog import load_catalog
from chalicelib.domain.errors import ApplicationNotFound, IdempotencyKeyReused, ValidationFailed
from chalicelib.services.intake import IntakeDeps, WithdrawTooLate, submit_application, withdraw_application
from tests.support.fakes import (
    FakeClock,
    InMemoryAssignmentStore,
    InMemoryRepository,
    RecordingPublisher,
    SequentialIds,
)
from tests.support.people import CARED, CHILD, KASPI_IBAN, KAZPOST_IBAN, MOTHER, STRANGER, child_benefit_body

CITIZEN = Caller(MOTHER, "citizen")
OPERATOR = Caller(STRANGER, "operator", org="gfc-astana-01")


def view(app: Any) -> dict[str, Any]:
    return {"id": app.id, "status": app.status.value, "due_date": str(app.due_date)}


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


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors}


def test_a_service_without_signing_is_registered_at_once_with_its_due_date(deps: IntakeDeps) -> None:
    # Given a mother filing on Monday 23 Nov 2026 (11:00 in Almaty)
    filed = submit_application(child_benefit_body(), CITIZEN, deps, render=view)
    # Then it is submitted, registered and due 7 working days later (day 1 = the filing day)
    app = filed.application
    assert app is not None and app.status is Status.SUBMITTED
    assert app.registered_on == date(2026, 11, 23)
    assert app.due_date == date(2026, 12, 1)
    assert [e.type for e in app.timeline] == ["created", "status_changed", "registered"]
    # And one lookup per (registry, person) of the plan went out with the registration notice
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    lookups = [m for m in publisher.sent if m.queue == "lookups"]
    assert len(lookups) == app.data["lookups_planned"] > 5
    assert {m.body["spec"]["registry"] for m in lookups} >= {"gbdfl", "disability", "civil_births", "bank_accounts"}
    assert [m.key for m in publisher.sent if m.queue == "notifications"] == [f"{app.id}:registered"]
    # And the outbox is empty and the application is being checked
    stored = deps.repo.get(app.id)
    assert stored.outbox == [] and stored.status is Status.CHECKING


def test_a_service_that_needs_a_signature_waits_for_it_with_no_term_running(deps: IntakeDeps) -> None:
    body = child_benefit_body(service_id="caregiver-allowance", subjects=[{"iin": CARED, "relation": "cared_person"}])
    app = submit_application(body, CITIZEN, deps, render=view).application
    assert app is not None and app.status is Status.AWAITING_SIGNATURE
    assert app.due_date is None and app.registered_at is None


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"service_id": "no-such"}, "service_id", "service.unknown"),
        ({"channel": "akimat"}, "channel", "channel.not_allowed"),
        ({"channel": "proactive"}, "channel", "channel.not_allowed"),
        ({"applicant": {"iin": "900517443218", "region": "KZ-AKT"}}, "applicant.iin", "iin.checksum"),
        ({"applicant": {"iin": MOTHER, "region": "KZ-AKT", "phone": "123"}}, "applicant.phone", "phone.format"),
        ({"applicant": {"iin": MOTHER, "region": "KZ-NOPE"}}, "applicant.region", "region.unknown"),
        ({"subjects": []}, "subjects", "subject.count"),
        ({"subjects": [{"iin": CHILD, "relation": "spouse"}]}, "subjects[0].relation", "subject.relation_not_allowed"),
        ({"subjects": [{"iin": MOTHER, "relation": "child"}]}, "subjects[0].iin", "subject.is_applicant"),
        ({"bank_account": None}, "bank_account", "bank_account.required"),
        ({"bank_account": {"iban": "KZ00"}}, "bank_account.iban", "iban.length"),
        (
            {"representative": {"iin": STRANGER, "power_of_attorney": "N1"}},
            "representative",
            "representative.not_allowed",
        ),
        ({"applicant": {"iin": STRANGER, "region": "KZ-AKT"}}, "applicant.iin", "applicant.not_caller"),
    ],
)
def test_each_kind_of_bad_request_gets_its_own_code(
    deps: IntakeDeps, change: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        submit_application(child_benefit_body(**change), CITIZEN, deps, render=view)
    assert codes(refused.value).get(field) == code
    assert deps.repo.history(MOTHER, cursor=None, limit=10).items == []


def test_tsa_pays_only_to_kazpost_or_halyk(deps: IntakeDeps) -> None:
    body = {
        "service_id": "targeted-social-assistance",
        "channel": "portal",
        "applicant": {"iin": MOTHER, "region": "KZ-AKT"},
        "bank_account": {"iban": KASPI_IBAN},
    }
    with pytest.raises(ValidationFailed) as refused:
        submit_application(body, CITIZEN, deps, render=view)
    assert codes(refused.value) == {"bank_account.iban": "iban.bank_not_allowed"}
    body["bank_account"] = {"iban": KAZPOST_IBAN}
    assert submit_application(body, CITIZEN, deps, render=view).status == 201


def test_an_operator_must_say_who_accepted_it_at_their_own_office(deps: IntakeDeps) -> None:
    body = child_benefit_body(channel="state_corp")
    with pytest.raises(ValidationFailed) as refused:
        submit_application(body, OPERATOR, deps, render=view)
    assert codes(refused.value) == {"accepted_by": "accepted_by.required"}
    body["accepted_by"] = {"office": "another-office", "official": "Иванова А.Б."}
    with pytest.raises(ValidationFailed) as refused:
        submit_application(body, OPERATOR, deps, render=view)
    assert codes(refused.value) == {"accepted_by.office": "accepted_by.other_office"}
    body["accepted_by"] = {"office": "gfc-astana-01", "official": "Иванова А.Б."}
    app = submit_application(body, OPERATOR, deps, render=view).application
    # And at the State Corporation the filing day is not counted; the result is due there a day earlier
    assert app is not None and app.due_date == date(2026, 12, 2)
    assert app.due_date_at_state_corp == date(2026, 12, 1)


def test_the_same_key_and_body_give_back_the_first_response(deps: IntakeDeps) -> None:
    first = submit_application(child_benefit_body(), CITIZEN, deps, render=view, idempotency_key="k-1")
    again = submit_application(child_benefit_body(), CITIZEN, deps, render=view, idempotency_key="k-1")
    assert again.replayed and again.response == first.response and again.status == 201
    assert len(deps.repo.history(MOTHER, cursor=None, limit=10).items) == 1


def test_the_same_key_with_another_body_is_a_conflict(deps: IntakeDeps) -> None:
    submit_application(child_benefit_body(), CITIZEN, deps, render=view, idempotency_key="k-1")
    with pytest.raises(IdempotencyKeyReused):
        submit_application(child_benefit_body(language="ru"), CITIZEN, deps, render=view, idempotency_key="k-1")


def test_keys_are_per_caller(deps: IntakeDeps) -> None:
    submit_application(child_benefit_body(), CITIZEN, deps, render=view, idempotency_key="k-1")
    other = Caller(STRANGER, "citizen")
    body = child_benefit_body(applicant_iin=STRANGER)
    assert not submit_application(body, other, deps, render=view, idempotency_key="k-1").replayed


def test_a_crash_before_dispatch_is_repaired_by_the_retry(deps: IntakeDeps) -> None:
    # Given the queue is down when the application is saved
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    publisher.fail_next = True
    with pytest.raises(ConnectionError):
        submit_application(child_benefit_body(), CITIZEN, deps, render=view, idempotency_key="k-1")
    # Then the application is saved with its message still in the outbox
    [app] = deps.repo.history(MOTHER, cursor=None, limit=10).items
    pending = [m.key for m in app.outbox]
    assert f"{app.id}:registered" in pending and app.status is Status.SUBMITTED
    # When the portal retries with the same key, Then the messages go out and the outbox empties
    again = submit_application(child_benefit_body(), CITIZEN, deps, render=view, idempotency_key="k-1")
    assert again.replayed
    sent = [m.key for m in publisher.sent]
    assert f"{app.id}:registered" in sent
    assert len([k for k in sent if ":lookup:" in k]) == app.data["lookups_planned"]
    assert deps.repo.get(app.id).outbox == []


def test_withdrawal_by_the_owner_before_the_decision(deps: IntakeDeps) -> None:
    app = submit_application(child_benefit_body(), CITIZEN, deps, render=view).application
    assert app is not None
    with pytest.raises(ApplicationNotFound):
        withdraw_application(app.id, Caller(STRANGER, "citizen"), deps)
    withdrawn = withdraw_application(app.id, CITIZEN, deps)
    assert withdrawn.status is Status.WITHDRAWN
    with pytest.raises(WithdrawTooLate):
        withdraw_application(app.id, CITIZEN, deps)


def test_a_lost_race_is_retried_from_fresh_state(deps: IntakeDeps) -> None:
    app = submit_application(child_benefit_body(), CITIZEN, deps, render=view).application
    assert app is not None
    repo = deps.repo
    assert isinstance(repo, InMemoryRepository)
    repo.conflicts_to_inject = 2
    assert withdraw_application(app.id, CITIZEN, deps).status is Status.WITHDRAWN
    assert [e.detail.get("to") for e in repo.get(app.id).timeline].count("withdrawn") == 1

"""The application's status machine: what API.md allows happens and is recorded; nothing else does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.application import ALLOWED, Applicant, Application, Filer, Status
from chalicelib.domain.errors import IllegalTransition

AT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def application(status: Status) -> Application:
    return Application(
        id="261123-00000001",
        service_id="child-disability-benefit",
        channel="portal",
        status=status,
        applicant=Applicant("900517443217", None, "KZ-AKT"),
        subjects=(),
        representative=None,
        bank_iban=None,
        accepted_by=None,
        language="ru",
        filer=Filer("900517443217", "citizen"),
        handling_office="x:KZ-AKT",
        created_at=AT,
    )


ALL_PAIRS = [(a, b) for a in Status for b in Status]


@pytest.mark.parametrize(("start", "target"), [p for p in ALL_PAIRS if p[1] in ALLOWED[p[0]]])
def test_an_allowed_transition_changes_status_and_is_in_the_timeline(start: Status, target: Status) -> None:
    app = application(start)
    app.transition(target, at=AT, actor="system", reason="because")
    assert app.status is target
    assert app.timeline[-1].type == "status_changed"
    assert app.timeline[-1].detail == {"from": start.value, "to": target.value, "reason": "because"}


@pytest.mark.parametrize(("start", "target"), [p for p in ALL_PAIRS if p[1] not in ALLOWED[p[0]]])
def test_any_other_transition_is_refused_and_changes_nothing(start: Status, target: Status) -> None:
    app = application(start)
    with pytest.raises(IllegalTransition):
        app.transition(target, at=AT, actor="system")
    assert app.status is start
    assert app.timeline == []


def test_final_statuses_lead_nowhere() -> None:
    for final in (Status.APPROVED, Status.REFUSED, Status.WITHDRAWN):
        assert application(final).is_final
        assert ALLOWED[final] == frozenset()


def test_an_outbox_message_is_kept_once_per_key() -> None:
    app = application(Status.SUBMITTED)
    app.send("notifications", "k1", {"a": 1})
    app.send("notifications", "k1", {"a": 2})
    assert [m.body for m in app.outbox] == [{"a": 1}]

"""The deadline sweep on moto: what it flags, escalates and schedules, and what it leaves alone.

Applications of the child-disability benefit filed on the portal on Monday 7 December 2026 are due on
Tuesday 15 December (7 working days), at risk from Friday 11th and overdue from Wednesday 16th
(Independence Day) on; the next working day after that is Thursday 17th.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.adapters.dynamodb import ApplicationItem, sweep_partition, sweep_shard
from chalicelib.domain.application import (
    AcceptedBy,
    Applicant,
    Application,
    Filer,
    Status,
    Subject,
)
from chalicelib.services.concurrency import update_application
from chalicelib.services.deadlines import DeadlineDeps, SweepReport, sweep_deadlines
from chalicelib.services.intake import register
from chalicelib.services.ports import LookupRecord
from tests.support.fakes import FakeClock, RecordingPublisher
from tests.support.people import CHILD, HALYK_IBAN, MOTHER

FILED = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # 10:00 in Almaty


def almaty(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 5, 0, tzinfo=UTC)


def file(container: Any, app_id: str, *, at: datetime = FILED, channel: str = "portal") -> Application:
    service = container.catalog.get("child-disability-benefit")
    application = Application(
        id=app_id,
        service_id=service.id,
        channel=channel,
        status=Status.SUBMITTED,
        applicant=Applicant(MOTHER, "+77011234567", "KZ-AKT"),
        subjects=(Subject(CHILD, "child"),),
        representative=None,
        bank_iban=HALYK_IBAN,
        accepted_by=AcceptedBy("gfc-1", "Иванова А.Б.") if channel == "state_corp" else None,
        language="kk",
        filer=Filer(MOTHER, "citizen"),
        handling_office=service.handling_office("KZ-AKT"),
        created_at=at,
    )
    register(application, service, container.calendar, at)
    container.repo.add(application)
    return application


@pytest.fixture(autouse=True)
def swept_before_filing(aws: Any) -> None:
    """The sweep ran up to the day before these applications were filed (else it looks back a month)."""
    aws.deadline_index.mark_swept(date(2026, 12, 6), almaty(date(2026, 12, 6)))


def stored(app_id: str) -> ApplicationItem:
    return ApplicationItem.get(f"APP#{app_id}", "APP", consistent_read=True)


def sweep(container: Any, publisher: RecordingPublisher, on: date, hour: int = 10) -> SweepReport:
    return sweep_deadlines(almaty(on, hour), DeadlineDeps(container.deadline_index, publisher, container.calendar))


def test_registration_schedules_the_first_check_on_the_at_risk_day(aws: Any) -> None:
    # When an application due on 15 December is registered
    app = file(aws, "A-SCHED")
    # Then the deadlines index lists it on Friday 11th, the first day it is at risk, and nothing else changed
    assert app.due_date == date(2026, 12, 15)
    item = stored("A-SCHED")
    assert item.gsi3pk == sweep_partition(date(2026, 12, 11), sweep_shard("A-SCHED"))
    assert item.risk is None and "sweep_on" not in json.loads(item.body)["data"]


def test_an_application_at_risk_is_flagged_without_a_new_version(aws: Any) -> None:
    # Given an application due on 15 December and a sweep that last ran on the 10th
    file(aws, "A-RISK")
    publisher = RecordingPublisher()
    sweep(aws, publisher, date(2026, 12, 10))
    version = stored("A-RISK").version
    # When the sweep runs on Friday 11th
    report = sweep(aws, publisher, date(2026, 12, 11))
    # Then the application is flagged at risk and next looked at the day after its due date
    item = stored("A-RISK")
    assert (report.due, report.at_risk, report.overdue) == (1, 1, 0)
    assert item.risk == "at_risk"
    assert item.gsi3pk == sweep_partition(date(2026, 12, 16), sweep_shard("A-RISK"))
    assert item.version == version  # the sweep never races the application's own saves
    assert publisher.sent == [] and aws.deadline_index.events_of("A-RISK") == []


def test_an_overdue_application_is_escalated_once(aws: Any) -> None:
    # Given an application flagged at risk on the 11th
    file(aws, "A-LATE")
    publisher = RecordingPublisher()
    sweep(aws, publisher, date(2026, 12, 11))
    # When the sweep runs on the day after its due date, and again a quarter of an hour later
    first = sweep(aws, publisher, date(2026, 12, 16))
    second = sweep(aws, publisher, date(2026, 12, 16), hour=11)
    # Then it was escalated once: one timeline event, one notice to the officials, flagged overdue
    assert (first.due, first.overdue) == (1, 1)
    assert (second.due, second.overdue, second.events, second.notices) == (0, 0, 0, 0)
    events = aws.deadline_index.events_of("A-LATE")
    assert [(e.type, e.actor, e.detail["step"]) for e in events] == [("deadline_overdue", "deadline_sweep", 1)]
    assert events[0].at == datetime(2026, 12, 15, 19, 0, tzinfo=UTC)  # the 16th began then, in Almaty
    [notice] = publisher.sent
    assert notice.queue == "notifications" and notice.key == "A-LATE:overdue:overdue-1"
    assert notice.body["audience"] == "officials" and notice.body["purpose"] == "overdue"
    assert notice.body["office"] == "labour-department:KZ-AKT"
    assert notice.body["values"]["days_overdue"] == 1
    item = stored("A-LATE")
    assert item.risk == "overdue"
    assert item.gsi3pk == sweep_partition(date(2026, 12, 17), sweep_shard("A-LATE"))
    # And on the next working day the officials are reminded (step 2)
    sweep(aws, publisher, date(2026, 12, 17))
    assert [n.key for n in publisher.sent] == ["A-LATE:overdue:overdue-1", "A-LATE:overdue:overdue-2"]
    assert [e.detail["step"] for e in aws.deadline_index.events_of("A-LATE")] == [1, 2]


def test_the_sweep_event_shows_in_the_applications_timeline(aws: Any) -> None:
    from chalicelib.entrypoints.views import application_view

    # Given an application escalated as overdue
    file(aws, "A-VIEW")
    sweep(aws, RecordingPublisher(), date(2026, 12, 16))
    # When it is shown
    view = application_view(aws.repo.get("A-VIEW"), aws.deadline_index.events_of("A-VIEW"))
    # Then its timeline ends with the escalation, after the registration
    types = [e["type"] for e in view["timeline"]]
    assert types[-1] == "deadline_overdue" and types.index("registered") < types.index("deadline_overdue")


def test_a_due_date_extension_between_sweeps_wins(aws: Any) -> None:
    # Given an application flagged at risk on the 11th, next to be looked at on the 16th
    file(aws, "A-EXT")
    publisher = RecordingPublisher()
    sweep(aws, publisher, date(2026, 12, 11))
    # When a registry has no data on the 14th and a written request extends the term (30 calendar days)
    aws.clock = FakeClock(almaty(date(2026, 12, 14)))
    aws.lookup_store.record(
        "A-EXT",
        LookupRecord(
            key="gbdfl#1",
            registry="gbdfl",
            person_ref="1",
            iin=CHILD,
            status="not_found",
            data={},
            source_system="GBD FL",
            fetched_at=almaty(date(2026, 12, 14)),
            on_not_found="written_request",
        ),
    )
    from chalicelib.services.decisions import decide_application

    assert decide_application("A-EXT", aws.decisions()) == "written_request"
    # And the sweep runs on the old overdue day
    report = sweep(aws, publisher, date(2026, 12, 16))
    # Then nothing happens to it: the new due date (6 January) is at risk from 31 December, where it waits
    item = stored("A-EXT")
    assert item.due_date == "2027-01-06"
    assert (report.due, report.overdue) == (0, 0)
    assert item.risk is None and aws.deadline_index.events_of("A-EXT") == [] and publisher.sent == []
    assert item.gsi3pk == sweep_partition(date(2026, 12, 31), sweep_shard("A-EXT"))


def test_a_deadline_change_made_while_the_sweep_runs_wins(aws: Any) -> None:
    # Given the sweep has read an application due for a check
    file(aws, "A-RACE")
    [entry] = [e for e in aws.deadline_index.due_on(date(2026, 12, 11)) if e.application.id == "A-RACE"]

    # When its deadline is rescheduled before the sweep writes
    def reschedule(app: Application) -> None:
        app.data["sweep_on"] = "2026-12-31"

    update_application(aws.repo, "A-RACE", reschedule)
    moved = aws.deadline_index.move(entry, check_on=date(2026, 12, 16), risk="at_risk")
    # Then the sweep's write changes nothing
    assert moved is False
    item = stored("A-RACE")
    assert item.risk is None and item.gsi3pk == sweep_partition(date(2026, 12, 31), sweep_shard("A-RACE"))


def test_an_application_closed_between_sweeps_is_not_touched(aws: Any) -> None:
    # Given an application flagged at risk on the 11th
    file(aws, "A-DONE")
    publisher = RecordingPublisher()
    sweep(aws, publisher, date(2026, 12, 11))

    # When it is withdrawn on the 14th
    def withdraw(app: Application) -> None:
        app.transition(Status.WITHDRAWN, at=almaty(date(2026, 12, 14)), actor="citizen")

    update_application(aws.repo, "A-DONE", withdraw)
    version = stored("A-DONE").version
    # And the sweep runs on the day it would have been overdue
    report = sweep(aws, publisher, date(2026, 12, 16))
    # Then the sweep does not see it, and it is left as the withdrawal left it
    item = stored("A-DONE")
    assert report.due == 0 and publisher.sent == [] and aws.deadline_index.events_of("A-DONE") == []
    assert item.gsi3pk is None and item.risk is None and item.version == version


def test_a_state_corporation_application_is_escalated_when_the_handover_day_passes(aws: Any) -> None:
    # Given an application filed at a State Corporation office on Monday 7 December (due Wednesday 16th...
    app = file(aws, "A-GFC", channel="state_corp")
    # ...but Independence Day moves it to Thursday 17th; the result must be there on Tuesday 15th)
    assert (app.due_date, app.due_date_at_state_corp) == (date(2026, 12, 17), date(2026, 12, 15))
    publisher = RecordingPublisher()
    # When the sweep runs on the 11th (at risk for the handover) and on the 16th
    assert sweep(aws, publisher, date(2026, 12, 11)).at_risk == 1
    report = sweep(aws, publisher, date(2026, 12, 16))
    # Then the missed handover is escalated, and the legal due date is watched next
    assert report.handover_overdue == 1
    assert [n.key for n in publisher.sent] == ["A-GFC:overdue:handover_overdue-1"]
    assert [e.type for e in aws.deadline_index.events_of("A-GFC")] == ["deadline_handover_overdue"]
    assert stored("A-GFC").gsi3pk == sweep_partition(date(2026, 12, 18), sweep_shard("A-GFC"))


def test_the_scheduled_handler_sweeps_and_reports_metrics(api: Any, aws: Any, capsys: Any) -> None:
    # Given an overdue application and the clock on the day after its due date
    file(aws, "A-SCHEDULED")
    aws.clock = FakeClock(almaty(date(2026, 12, 16)))
    # When the schedule fires
    event = api.events.generate_cw_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=["arn:aws:events:eu-central-1:123456789012:rule/deadline_sweep"],
    )
    result = api.lambda_.invoke("deadline_sweep", event)
    # Then it escalated the application, queued the officials' notice on sb-notifications, and reported metrics
    assert result.payload["overdue"] == 1
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName="sb-notifications")["QueueUrl"]
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert [b["message_key"] for b in bodies if b["audience"] == "officials"] == ["A-SCHEDULED:overdue:overdue-1"]
    output = capsys.readouterr().out
    assert "OverdueApplications" in output and "AtRiskApplications" in output
    assert MOTHER not in output and CHILD not in output

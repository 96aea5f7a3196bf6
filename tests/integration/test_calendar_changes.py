"""A calendar correction moves the due dates already stored (on moto): a decreed day off added after filing gives
open applications the term the law now gives, moves their deadline-index entry, writes the change into the
timeline and tells the citizen; an entry not yet in force (`effective_from` later) changes nothing yet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.dynamodb import ApplicationItem, sweep_partition, sweep_shard
from chalicelib.data import data_path, load_json
from chalicelib.domain.application import Applicant, Application, Filer, Status, Subject
from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.deadlines import Term, compute_due_dates
from chalicelib.services.calendar_changes import recompute_due_dates
from chalicelib.services.intake import register
from tests.support.people import CHILD, HALYK_IBAN, MOTHER

FILED = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # Monday 7 December 2026, 10:00 in Almaty
DAY_OFF = date(2026, 12, 10)  # a Thursday made a day off
WORKED = date(2026, 12, 19)  # the Saturday worked instead


def transfer(effective_from: str) -> list[dict[str, Any]]:
    source = {"title": "test order on transferring a day of rest", "url": "https://adilet.zan.kz"}
    text = "test: day of rest moved from Saturday 19 December 2026 to Thursday 10 December 2026"
    return [
        {
            "date": DAY_OFF.isoformat(),
            "kind": "day_off",
            "transfer": text,
            "source": source,
            "effective_from": effective_from,
        },
        {
            "date": WORKED.isoformat(),
            "kind": "working_day",
            "transfer": text,
            "source": source,
            "effective_from": effective_from,
        },
    ]


@pytest.fixture
def world(aws: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    from chalicelib import bootstrap

    shipped = json.loads(data_path("calendar.json").read_text(encoding="utf-8"))
    (tmp_path / "calendar.json").write_text(json.dumps(shipped), encoding="utf-8")
    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", str(tmp_path))
    load_json.cache_clear()
    default_calendar.cache_clear()
    bootstrap.reset()
    yield bootstrap.container(), tmp_path
    load_json.cache_clear()
    default_calendar.cache_clear()


def correct_calendar(folder: Path, entries: list[dict[str, Any]]) -> Any:
    """An operator adds the decreed transfer (SB_DATA_OVERRIDE_DIR); a new process (container) reads it."""
    from chalicelib import bootstrap

    calendar = json.loads((folder / "calendar.json").read_text(encoding="utf-8"))
    calendar["days"] = [*calendar["days"], *entries]
    (folder / "calendar.json").write_text(json.dumps(calendar), encoding="utf-8")
    load_json.cache_clear()
    default_calendar.cache_clear()
    bootstrap.reset()
    return bootstrap.container()


def file(container: Any, app_id: str) -> Application:
    service = container.catalog.get("child-disability-benefit")
    application = Application(
        id=app_id,
        service_id=service.id,
        channel="portal",
        status=Status.SUBMITTED,
        applicant=Applicant(MOTHER, "+77011234567", "KZ-AKT"),
        subjects=(Subject(CHILD, "child"),),
        representative=None,
        bank_iban=HALYK_IBAN,
        accepted_by=None,
        language="ru",
        filer=Filer(MOTHER, "citizen"),
        handling_office=service.handling_office("KZ-AKT"),
        created_at=FILED,
    )
    register(application, service, container.calendar, FILED)
    container.repo.add(application)
    return application


def queued_notices(container: Any) -> list[dict[str, Any]]:
    sqs = container.client("sqs")
    url = sqs.get_queue_url(QueueName=container.settings.queue_name("notifications"))["QueueUrl"]
    found = []
    for _ in range(5):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        found += [json.loads(m["Body"]) for m in got]
    return found


def test_a_day_off_decreed_after_filing_moves_the_stored_due_date(world: Any) -> None:
    container, folder = world
    app = file(container, "261207-CAL00001")
    before = app.due_date
    assert before is not None
    # The first run only remembers the calendar the terms were computed on
    assert recompute_due_dates(FILED, container.calendar_changes()).moved == 0

    # When an order makes Thursday 10 December a day off (in force from 8 December) and the job runs on the 8th
    container = correct_calendar(folder, transfer("2026-12-08"))
    assert not container.calendar.is_working_day(DAY_OFF)
    now = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    report = recompute_due_dates(now, container.calendar_changes())

    # Then the application has the due date the law now gives: one working day later
    expected = compute_due_dates(container.calendar, Term(working_days=7), date(2026, 12, 7), "portal").due_date
    assert expected > before
    assert report.moved_ids == [app.id]
    stored = container.repo.get(app.id)
    assert stored.due_date == expected
    [event] = [e for e in stored.timeline if e.type == "due_date_recomputed"]
    assert event.detail["previous_due_date"] == before.isoformat()
    assert event.detail["due_date"] == expected.isoformat() and event.detail["reason"] == "calendar_changed"
    # its deadline-index entry follows (the sweep looks at it on its new first check day)
    item = ApplicationItem.get(f"APP#{app.id}", "APP", consistent_read=True)
    assert item.due_date == expected.isoformat()
    assert item.gsi3pk is not None and item.gsi3pk != sweep_partition(date(2026, 12, 7), sweep_shard(app.id))
    # and the citizen is told
    notices = [n for n in queued_notices(container) if n.get("purpose") == "due_date_changed"]
    assert len(notices) == 1 and notices[0]["values"]["due_date"] == expected.isoformat()

    # A second run with the same calendar changes nothing
    again = recompute_due_dates(now, container.calendar_changes())
    assert (again.changed_calendar, again.moved) == (False, 0)


def test_an_entry_not_yet_in_force_changes_no_term_until_its_day(world: Any) -> None:
    container, folder = world
    app = file(container, "261207-CAL00002")
    before = app.due_date
    recompute_due_dates(FILED, container.calendar_changes())
    container = correct_calendar(folder, transfer("2026-12-09"))  # signed, in force from the 9th
    on_the_8th = recompute_due_dates(datetime(2026, 12, 8, 4, 0, tzinfo=UTC), container.calendar_changes())
    assert on_the_8th.moved == 0 and container.repo.get(app.id).due_date == before
    on_the_9th = recompute_due_dates(datetime(2026, 12, 9, 4, 0, tzinfo=UTC), container.calendar_changes())
    assert on_the_9th.moved_ids == [app.id]
    assert container.repo.get(app.id).due_date != before

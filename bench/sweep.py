"""Benchmark (not a test): how many items the deadline sweep reads per application due, as open ones grow.

Seeds N open applications (10,000 and 100,000) as index-shaped items (the attributes the indexes hold,
written with BatchWriteItem through boto3 on moto in-process), 100 of them due for a check today (50
becoming at risk, 50 overdue), the rest due later; the previous sweep ran yesterday. Runs one sweep and
counts what DynamoDB reports it read (each Query's `ScannedCount`, plus the cursor's GetItem) through a
botocore `after-call` hook. Goal: at most 1.5 items read per due item, whatever N.

    .venv/bin/python bench/sweep.py            # prints a table, merges the figures into bench/results.json
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
SIZES = (10_000, 100_000)
DUE_TODAY = 100
TODAY = date(2026, 12, 9)  # a Wednesday
NOW = datetime(2026, 12, 9, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
GOAL = 1.5
ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_REGION": "eu-central-1",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "STAGE": "bench",
    "TABLE_NAME": "social-benefits-bench",
    "PERSON_KEY_SECRET": "bench-person-key",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "SocialBenefitsBench",
}


class ReadCounter:
    """Adds up what DynamoDB says each call read (botocore `after-call` events)."""

    def __init__(self) -> None:
        self.queries = 0
        self.returned = 0
        self.scanned = 0
        self.gets = 0
        self.writes = 0

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            self.queries += 1
            self.returned += int(parsed.get("Count", 0))
            self.scanned += int(parsed.get("ScannedCount", 0))
        elif model.name == "GetItem":
            self.gets += 1 if parsed.get("Item") else 0
        elif model.name in ("UpdateItem", "PutItem"):
            self.writes += 1

    @property
    def items_read(self) -> int:
        return self.scanned + self.gets

    def watch(self, *clients: Any) -> None:
        for client in clients:
            client.meta.events.register("after-call.dynamodb.*", self)


def _item(app_id: str, due: date, check_on: date, *, at_risk: bool = False) -> dict[str, Any]:
    from chalicelib.adapters.dynamodb import sweep_partition, sweep_shard

    office = "OFFICE#labour-department:KZ-AKT"
    item = {
        "PK": {"S": f"APP#{app_id}"},
        "SK": {"S": "APP"},
        "kind": {"S": "application"},
        "version": {"N": "3"},
        "service_id": {"S": "child-disability-benefit"},
        "status": {"S": "checking"},
        "body": {"S": "{}"},
        "due_date": {"S": due.isoformat()},
        "registered_at": {"S": "2026-12-01T05:00:00+00:00"},
        "GSI2PK": {"S": office},
        "GSI2SK": {"S": f"{due.isoformat()}#{app_id}"},
        "GSI3PK": {"S": sweep_partition(check_on, sweep_shard(app_id))},
        "GSI3SK": {"S": app_id},
    }
    if at_risk:
        item["risk"] = {"S": "at_risk"}
    return item


def seed(client: Any, table: str, open_applications: int) -> None:
    """`open_applications` items: DUE_TODAY of them due for a check today, the rest on later days."""
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.deadline_watch import WatchedApplication, first_check

    calendar = default_calendar()
    # Due dates whose first check (at risk) is today, and one whose overdue step 1 is today
    risk_due = calendar.add_working_days(TODAY, 2)
    overdue_due = TODAY - timedelta(days=1)
    assert first_check(WatchedApplication("x", "s", "checking", risk_due, None), calendar) == TODAY
    later_dues = [TODAY + timedelta(days=d) for d in range(10, 70)]
    checks = {d: first_check(WatchedApplication("x", "s", "checking", d, None), calendar) for d in later_dues}
    assert min(checks.values()) > TODAY
    batch: list[dict[str, Any]] = []
    for n in range(open_applications):
        app_id = f"261201-{n:08d}"
        if n < DUE_TODAY // 2:
            item = _item(app_id, risk_due, TODAY)
        elif n < DUE_TODAY:
            item = _item(app_id, overdue_due, TODAY, at_risk=True)
        else:
            due = later_dues[n % len(later_dues)]
            item = _item(app_id, due, checks[due])
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={table: batch})


def run(open_applications: int) -> dict[str, Any]:
    from moto import mock_aws

    from chalicelib import bootstrap
    from local.provision import provision

    with mock_aws():
        bootstrap.reset()
        container = bootstrap.container()
        provision(container.settings, container.client)
        started = time.perf_counter()
        seed(container.client("dynamodb"), container.settings.table_name, open_applications)
        seeded_s = time.perf_counter() - started

        from chalicelib.adapters.deadline_index import SweepCursorItem, TimelineEventItem
        from chalicelib.adapters.dynamodb import ApplicationItem
        from chalicelib.services.deadlines import sweep_deadlines

        deps = container.deadlines()
        deps.index.mark_swept(TODAY - timedelta(days=1), NOW - timedelta(days=1))  # yesterday's last sweep
        counter = ReadCounter()
        counter.watch(
            *(
                model._get_connection().connection.client
                for model in (ApplicationItem, SweepCursorItem, TimelineEventItem)
            )
        )
        started = time.perf_counter()
        report = sweep_deadlines(NOW, deps)
        sweep_s = time.perf_counter() - started
        first = dict(vars(counter))
        again = sweep_deadlines(NOW + timedelta(minutes=15), deps)  # the next run, a quarter of an hour later
        second_read = counter.items_read - first["scanned"] - first["gets"]
    return {
        "open_applications": open_applications,
        "due": report.due,
        "at_risk": report.at_risk,
        "overdue": report.overdue,
        "queries": first["queries"],
        "items_read": first["scanned"] + first["gets"],
        "items_read_per_due_item": round((first["scanned"] + first["gets"]) / report.due, 3) if report.due else None,
        "writes": first["writes"],
        "second_run_due": again.due,
        "second_run_items_read": second_read,
        "seed_seconds": round(seeded_s, 1),
        "sweep_seconds_on_moto": round(sweep_s, 2),
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    rows = [run(n) for n in SIZES]
    print(
        f"{'open applications':>18} {'due':>5} {'queries':>8} {'items read':>11} {'read/due':>9} "
        f"{'writes':>7} {'2nd run read':>13} {'sweep s':>8}"
    )
    for r in rows:
        print(
            f"{r['open_applications']:>18,} {r['due']:>5} {r['queries']:>8} {r['items_read']:>11} "
            f"{r['items_read_per_due_item']:>9} {r['writes']:>7} {r['second_run_items_read']:>13} "
            f"{r['sweep_seconds_on_moto']:>8}"
        )
    ok = all(r["items_read_per_due_item"] is not None and r["items_read_per_due_item"] <= GOAL for r in rows)
    print(f"goal: at most {GOAL} items read per due item: {'met' if ok else 'NOT met'}")
    results: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    results["deadline_sweep"] = {
        "what": "items read (Query ScannedCount + cursor GetItem) per application due, one sweep on moto",
        "goal_items_read_per_due_item": GOAL,
        "goal_met": ok,
        "measured_on": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": rows,
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

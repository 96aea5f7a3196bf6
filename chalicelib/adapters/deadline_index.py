"""The deadline sweep's side of the single table, and the work queues.

  APP#<id> / APP                        the application; its `deadlines` index keys (GSI3) say when the sweep
                                        looks at it next: SWEEP#<date>#<shard> / <id>, plus the `risk` flag
  APP#<id> / EVENT#<at>#<type>          a timeline event written beside the application (written once)
  SWEEP / CURSOR                        the last day a sweep completed

The sweep reads the `deadlines` index only (its INCLUDE projection carries what it needs: resources.
SWEEP_ATTRIBUTES) and moves an application to its next check with one UpdateItem conditional on the index
partition it was found under: it reads nothing and leaves the version alone, so it never races the
application's own versioned saves, and a deadline change or a closing made meanwhile wins.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.models import Model

from chalicelib.adapters.cursors import CursorCodec
from chalicelib.adapters.dynamodb import ApplicationItem, TableMeta, sweep_partition, sweep_shard
from chalicelib.adapters.resources import SWEEP_SHARDS
from chalicelib.domain.application import TimelineEvent
from chalicelib.domain.deadline_watch import WatchedApplication
from chalicelib.services.ports import DueEntry, WorkQueuePage

CONDITION_FAILED = "ConditionalCheckFailedException"
OFFICE_PREFIX = "OFFICE#"


class TimelineEventItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="timeline_event")
    type = UnicodeAttribute()
    actor = UnicodeAttribute()
    at = UnicodeAttribute()
    detail = UnicodeAttribute(default="{}")


class SweepCursorItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="sweep_cursor")
    swept_through = UnicodeAttribute()
    swept_at = UnicodeAttribute()


CURSOR_KEY = ("SWEEP", "CURSOR")
EVENT_PREFIX = "EVENT#"


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _watched(item: ApplicationItem) -> WatchedApplication:
    office = item.gsi2pk.removeprefix(OFFICE_PREFIX) if item.gsi2pk else None
    return WatchedApplication(
        id=item.pk.removeprefix("APP#"),
        service_id=item.service_id,
        status=item.status,
        due_date=_date(item.due_date),
        due_date_at_state_corp=_date(item.due_date_at_state_corp),
        office=office,
        risk=item.risk,
        waiting_for=item.waiting_for,
        registered_at=datetime.fromisoformat(item.registered_at) if item.registered_at else None,
    )


def event_sort_key(event: TimelineEvent) -> str:
    return f"{EVENT_PREFIX}{event.at.isoformat()}#{event.type}"


class DynamoDeadlineIndex:
    """DeadlineIndex and TimelineEvents on the single table."""

    def swept_through(self) -> date | None:
        try:
            cursor = SweepCursorItem.get(*CURSOR_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return date.fromisoformat(cursor.swept_through)

    def due_on(self, day: date) -> list[DueEntry]:
        found: list[DueEntry] = []
        for shard in range(SWEEP_SHARDS):
            partition = sweep_partition(day, shard)
            found.extend(DueEntry(_watched(item), partition) for item in ApplicationItem.deadlines.query(partition))
        return found

    def move(self, entry: DueEntry, *, check_on: date | None, risk: str | None) -> bool:
        app_id = entry.application.id
        actions: list[Any] = [ApplicationItem.risk.set(risk) if risk else ApplicationItem.risk.remove()]
        if check_on is None:
            actions += [ApplicationItem.gsi3pk.remove(), ApplicationItem.gsi3sk.remove()]
        else:
            actions += [
                ApplicationItem.gsi3pk.set(sweep_partition(check_on, sweep_shard(app_id))),
                ApplicationItem.gsi3sk.set(app_id),
            ]
        try:
            # The table connection, not Model.update: that one would add the version condition and bump it.
            ApplicationItem._get_connection().update_item(
                f"APP#{app_id}", "APP", actions=actions, condition=ApplicationItem.gsi3pk == entry.partition
            )
        except UpdateError as exc:
            if exc.cause_response_code == CONDITION_FAILED:
                return False
            raise
        return True

    def record_event(self, application_id: str, event: TimelineEvent) -> bool:
        item = TimelineEventItem(
            pk=f"APP#{application_id}",
            sk=event_sort_key(event),
            type=event.type,
            actor=event.actor,
            at=event.at.isoformat(),
            detail=json.dumps(event.detail, ensure_ascii=False, separators=(",", ":")),
        )
        try:
            item.save(condition=TimelineEventItem.sk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == CONDITION_FAILED:
                return False
            raise
        return True

    def mark_swept(self, day: date, at: datetime) -> None:
        cursor = SweepCursorItem(*CURSOR_KEY, swept_through=day.isoformat(), swept_at=at.isoformat())
        try:
            cursor.save(
                condition=SweepCursorItem.pk.does_not_exist() | (SweepCursorItem.swept_through <= day.isoformat())
            )
        except PutError as exc:
            if exc.cause_response_code != CONDITION_FAILED:  # another sweep got further: keep its cursor
                raise

    def events_of(self, application_id: str) -> list[TimelineEvent]:
        items = TimelineEventItem.query(f"APP#{application_id}", TimelineEventItem.sk.startswith(EVENT_PREFIX))
        return [TimelineEvent(datetime.fromisoformat(i.at), i.type, i.actor, json.loads(i.detail)) for i in items]


class DynamoWorkQueue:
    """WorkQueue on the `work_queue` (handling office) and `accepted_queue` (accepting office) indexes.
    `cursor_secret` keys its page cursors (chalicelib/adapters/cursors.py)."""

    def __init__(self, cursor_secret: str) -> None:
        self._cursors = CursorCodec(cursor_secret, "work_queue")

    def open_applications(
        self, queue: str, office: str, *, cursor: str | None, limit: int, waiting_for: str | None = None
    ) -> WorkQueuePage:
        if queue == "handling":
            index: Any = ApplicationItem.work_queue
        elif queue == "accepted":
            index = ApplicationItem.accepted_queue
        else:
            raise ValueError(f"Unknown work queue {queue!r}")
        partition = f"{OFFICE_PREFIX}{office}"
        last_key = self._cursors.decode(cursor, f"{queue}:{partition}") if cursor else None
        condition = ApplicationItem.waiting_for == waiting_for if waiting_for else None
        result = index.query(
            partition, scan_index_forward=True, limit=limit, last_evaluated_key=last_key, filter_condition=condition
        )
        items = [_watched(item) for item in result]
        next_key = result.last_evaluated_key
        return WorkQueuePage(items, self._cursors.encode(next_key, f"{queue}:{partition}"))

"""Which working-day calendar the stored terms were last computed on: `CALENDAR / APPLIED` in the single table."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import TableMeta

KEY = ("CALENDAR", "APPLIED")


class CalendarStateItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="calendar_state")
    fingerprint = UnicodeAttribute()
    applied_at = UnicodeAttribute()


class DynamoCalendarState:
    def applied_calendar(self) -> str | None:
        try:
            return str(CalendarStateItem.get(*KEY, consistent_read=True).fingerprint)
        except DoesNotExist:
            return None

    def mark_applied_calendar(self, fingerprint: str, at: datetime) -> None:
        CalendarStateItem(*KEY, fingerprint=fingerprint, applied_at=at.isoformat()).save()

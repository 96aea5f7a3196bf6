"""Registry answers and lookup progress in the single table.

  APP#<id> / LOOKUP#<registry>#<person ref>   one answer, written once (conditional put)
  APP#<id> / PROGRESS                         `expected` and the string set `settled` of lookup keys

Settling a lookup is `ADD settled :key`: a redelivered message adds nothing, and the count comes back
with the same write, so a lookup costs two writes and the last one to land sees the full count.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.services.ports import LookupRecord


class LookupItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="lookup")
    registry = UnicodeAttribute()
    person_ref = UnicodeAttribute()
    iin = UnicodeAttribute()
    status = UnicodeAttribute()
    data = UnicodeAttribute(default="{}")
    source_system = UnicodeAttribute(default="")
    fetched_at = UnicodeAttribute()
    on_not_found = UnicodeAttribute()
    document = UnicodeAttribute(null=True)
    provided_document = UnicodeAttribute(null=True)


class ProgressItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="lookup_progress")
    expected = NumberAttribute(null=True)
    settled = UnicodeSetAttribute(null=True)


def _record(item: LookupItem) -> LookupRecord:
    return LookupRecord(
        key=item.sk.removeprefix("LOOKUP#"), registry=item.registry, person_ref=item.person_ref, iin=item.iin,
        status=item.status, data=json.loads(item.data), source_system=item.source_system,
        fetched_at=datetime.fromisoformat(item.fetched_at), on_not_found=item.on_not_found,
        document=item.document, provided_document=item.provided_document,
    )


class DynamoLookupStore:
    def record(self, application_id: str, record: LookupRecord) -> bool:
        item = LookupItem(
            pk=f"APP#{application_id}", sk=f"LOOKUP#{record.key}", registry=record.registry,
            person_ref=record.person_ref, iin=record.iin, status=record.status,
            data=json.dumps(record.data, ensure_ascii=False, separators=(",", ":")),
            source_system=record.source_system, fetched_at=record.fetched_at.isoformat(),
            on_not_found=record.on_not_found, document=record.document,
        )
        try:
            item.save(condition=LookupItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_done(self, application_id: str, keys: Sequence[str], expected: int) -> tuple[int, int]:
        if not keys:
            try:
                held = ProgressItem.get(f"APP#{application_id}", "PROGRESS", consistent_read=True)
            except ProgressItem.DoesNotExist:
                return 0, expected
            return len(held.settled or ()), int(held.expected or expected)
        progress = ProgressItem(pk=f"APP#{application_id}", sk="PROGRESS")
        progress.update(actions=[
            ProgressItem.settled.add(set(keys)),
            ProgressItem.expected.set(ProgressItem.expected | expected),
        ])
        return len(progress.settled or ()), int(progress.expected or expected)

    def for_application(self, application_id: str) -> list[LookupRecord]:
        return [_record(item) for item in LookupItem.query(f"APP#{application_id}", LookupItem.sk.startswith("LOOKUP#"),
                                                           consistent_read=True)]

    def provide_document(self, application_id: str, key: str, document_key: str) -> None:
        item = LookupItem(pk=f"APP#{application_id}", sk=f"LOOKUP#{key}")
        item.update(actions=[LookupItem.provided_document.set(document_key), LookupItem.status.set("provided")],
                    condition=LookupItem.pk.exists())

"""Registry answers and lookup progress in the single table.

  APP#<id> / LOOKUP#<registry>#<person ref>   the first answer (if_not_exists per field) and, in the string
                                              set `reads`, the audit record of every read of the registry
  APP#<id> / PROGRESS                         `expected` and the string set `settled` of lookup keys

A lookup costs two writes: the answer with its audit record in one UpdateItem, and `ADD settled :key`,
which a redelivered message repeats harmlessly and which returns the count, so the last lookup to land
sees that it is the last. The audit log (adapters/audit.py) reads the `reads` back into the trail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.services.audit import AuditEntry
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
    reads = UnicodeSetAttribute(null=True)


class ProgressItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="lookup_progress")
    expected = NumberAttribute(null=True)
    settled = UnicodeSetAttribute(null=True)


def _whole(item: LookupItem) -> bool:
    required = (item.registry, item.person_ref, item.iin, item.status, item.fetched_at, item.on_not_found)
    return all(value is not None for value in required)


def _record(item: LookupItem) -> LookupRecord:
    return LookupRecord(
        key=item.sk.removeprefix("LOOKUP#"), registry=item.registry, person_ref=item.person_ref, iin=item.iin,
        status=item.status, data=json.loads(item.data), source_system=item.source_system,
        fetched_at=datetime.fromisoformat(item.fetched_at), on_not_found=item.on_not_found,
        document=item.document, provided_document=item.provided_document,
    )


class DynamoLookupStore:
    def record(self, application_id: str, record: LookupRecord, read: AuditEntry | None = None) -> bool:
        item = LookupItem(pk=f"APP#{application_id}", sk=f"LOOKUP#{record.key}")
        first: list[tuple[Any, str]] = [
            (LookupItem.registry, record.registry), (LookupItem.person_ref, record.person_ref),
            (LookupItem.iin, record.iin), (LookupItem.status, record.status),
            (LookupItem.data, json.dumps(record.data, ensure_ascii=False, separators=(",", ":"))),
            (LookupItem.source_system, record.source_system), (LookupItem.fetched_at, record.fetched_at.isoformat()),
            (LookupItem.on_not_found, record.on_not_found),
        ]
        actions: list[Action] = [attribute.set(attribute | value) for attribute, value in first]
        if record.document:
            actions.append(LookupItem.document.set(LookupItem.document | record.document))
        actions.append(LookupItem.kind.set("lookup"))
        if read is not None:
            actions.append(LookupItem.reads.add({json.dumps(read.to_dict(), sort_keys=True)}))
        item.update(actions=actions)
        return item.fetched_at == record.fetched_at.isoformat()

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
        """Every answer kept so far. An item whose first write is still being applied is not an answer yet: DynamoDB
        never shows one, but moto (the local stack) applies an update's actions one at a time, and a reader in another
        thread (GET /applications/{id} while the lookups worker writes) can see it between two of them."""
        return [_record(item) for item in LookupItem.query(f"APP#{application_id}", LookupItem.sk.startswith("LOOKUP#"),
                                                           consistent_read=True)
                if _whole(item)]

    def provide_document(self, application_id: str, key: str, document_key: str,
                         data: Mapping[str, Any] | None = None, source_system: str | None = None) -> None:
        item = LookupItem(pk=f"APP#{application_id}", sk=f"LOOKUP#{key}")
        actions: list[Action] = [LookupItem.provided_document.set(document_key), LookupItem.status.set("provided")]
        if data is not None:
            actions.append(LookupItem.data.set(json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))))
        if source_system is not None:
            actions.append(LookupItem.source_system.set(source_system))
        item.update(actions=actions, condition=LookupItem.pk.exists())

    def document_pending(self, application_id: str, key: str, document_key: str | None) -> None:
        from pynamodb.exceptions import UpdateError

        item = LookupItem(pk=f"APP#{application_id}", sk=f"LOOKUP#{key}")
        if document_key is None:
            actions: list[Action] = [LookupItem.status.set("not_found"), LookupItem.provided_document.remove()]
        else:
            actions = [LookupItem.status.set("document_received"), LookupItem.provided_document.set(document_key)]
        try:
            item.update(actions=actions, condition=LookupItem.pk.exists() & (LookupItem.status != "provided"))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

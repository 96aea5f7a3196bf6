"""Registry answers and lookup progress in the single table.

  APP#<id> / LOOKUP#<registry>#<person ref>   the first answer (if_not_exists per field) and, in the string
                                              set `reads`, the audit record of every read of the registry
  APP#<id> / PROGRESS                         `expected` and the string set `settled` of what a status poll
                                              shows of each settled lookup: `<key>|<status>|<epoch ms>`

A lookup costs two writes: the answer with its audit record in one UpdateItem, and `ADD settled :state`,
which a redelivered message repeats harmlessly (the state is the first answer's, so it is the same string)
and which returns the set, so the last lookup to land sees that it is the last. A status poll reads this one
item instead of every answer (94 of them for a TSA family of five). A document that stands in for an answer
adds `<key>|provided|`: the key is counted once. The audit log (adapters/audit.py) reads the `reads` back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.services.audit import AuditEntry
from chalicelib.services.ports import LookupRecord, LookupState


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
        key=item.sk.removeprefix("LOOKUP#"),
        registry=item.registry,
        person_ref=item.person_ref,
        iin=item.iin,
        status=item.status,
        data=json.loads(item.data),
        source_system=item.source_system,
        fetched_at=datetime.fromisoformat(item.fetched_at),
        on_not_found=item.on_not_found,
        document=item.document,
        provided_document=item.provided_document,
    )


class DynamoLookupStore:
    def record(self, application_id: str, record: LookupRecord, read: AuditEntry | None = None) -> LookupRecord:
        item = LookupItem(pk=f"APP#{application_id}", sk=f"LOOKUP#{record.key}")
        first: list[tuple[Any, str]] = [
            (LookupItem.registry, record.registry),
            (LookupItem.person_ref, record.person_ref),
            (LookupItem.iin, record.iin),
            (LookupItem.status, record.status),
            (LookupItem.data, json.dumps(record.data, ensure_ascii=False, separators=(",", ":"))),
            (LookupItem.source_system, record.source_system),
            (LookupItem.fetched_at, record.fetched_at.isoformat()),
            (LookupItem.on_not_found, record.on_not_found),
        ]
        actions: list[Action] = [attribute.set(attribute | value) for attribute, value in first]
        if record.document:
            actions.append(LookupItem.document.set(LookupItem.document | record.document))
        actions.append(LookupItem.kind.set("lookup"))
        if read is not None:
            actions.append(LookupItem.reads.add({json.dumps(read.to_dict(), sort_keys=True)}))
        item.update(actions=actions)
        return _record(item)

    def mark_done(self, application_id: str, states: Sequence[LookupState], expected: int) -> tuple[int, int]:
        if not states:
            try:
                held = ProgressItem.get(f"APP#{application_id}", "PROGRESS", consistent_read=True)
            except ProgressItem.DoesNotExist:
                return 0, expected
            return len(_settled_keys(held.settled)), int(held.expected or expected)
        progress = ProgressItem(pk=f"APP#{application_id}", sk="PROGRESS")
        progress.update(
            actions=[
                ProgressItem.settled.add({encode_state(s) for s in states}),
                ProgressItem.expected.set(ProgressItem.expected | expected),
            ]
        )
        return len(_settled_keys(progress.settled)), int(progress.expected or expected)

    def states(self, application_id: str) -> list[LookupState]:
        try:
            held = ProgressItem.get(f"APP#{application_id}", "PROGRESS", consistent_read=True)
        except ProgressItem.DoesNotExist:
            return []
        return merge_states(decode_state(raw) for raw in held.settled or ())

    def for_application(self, application_id: str) -> list[LookupRecord]:
        """Every answer kept so far. An item whose first write is still being applied is not an answer yet: DynamoDB
        never shows one, but moto (the local stack) applies an update's actions one at a time, and a reader in another
        thread (GET /applications/{id} while the lookups worker writes) can see it between two of them."""
        return [
            _record(item)
            for item in LookupItem.query(
                f"APP#{application_id}", LookupItem.sk.startswith("LOOKUP#"), consistent_read=True
            )
            if _whole(item)
        ]

    def provide_document(
        self,
        application_id: str,
        key: str,
        document_key: str,
        data: Mapping[str, Any] | None = None,
        source_system: str | None = None,
    ) -> None:
        item = LookupItem(pk=f"APP#{application_id}", sk=f"LOOKUP#{key}")
        actions: list[Action] = [LookupItem.provided_document.set(document_key), LookupItem.status.set("provided")]
        if data is not None:
            actions.append(LookupItem.data.set(json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))))
        if source_system is not None:
            actions.append(LookupItem.source_system.set(source_system))
        item.update(actions=actions, condition=LookupItem.pk.exists())
        ProgressItem(pk=f"APP#{application_id}", sk="PROGRESS").update(
            actions=[ProgressItem.settled.add({encode_state(LookupState(key, "provided"))})]
        )

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


def encode_state(state: LookupState) -> str:
    millis = "" if state.fetched_at is None else str(round(state.fetched_at.timestamp() * 1000))
    return f"{state.key}|{state.status}|{millis}"


def decode_state(raw: str) -> LookupState:
    key, status, millis = raw.rsplit("|", 2) if raw.count("|") >= 2 else (raw, "settled", "")
    fetched_at = datetime.fromtimestamp(int(millis) / 1000, UTC) if millis else None
    return LookupState(key, status, fetched_at)


def _settled_keys(settled: set[str] | None) -> set[str]:
    return {decode_state(raw).key for raw in settled or ()}


def merge_states(states: Iterable[LookupState]) -> list[LookupState]:
    """One state per key: a document provided wins over the registry's answer and keeps its time."""
    merged: dict[str, LookupState] = {}
    for state in states:
        held = merged.get(state.key)
        if held is None:
            merged[state.key] = state
        elif state.status == "provided" or held.status == "provided":
            merged[state.key] = LookupState(state.key, "provided", held.fetched_at or state.fetched_at)
    return list(merged.values())

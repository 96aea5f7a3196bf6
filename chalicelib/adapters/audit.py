"""The audit trail on the single table, beside the application it is about.

Keys: ``APP#<id> / AUDIT#<instant>#<random>``, the instant in a fixed-width UTC form
(``2026-11-24T09:30:00.000000Z``) so that the sort key orders entries in time; the random part keeps two
entries of the same microsecond apart. Append-only: each entry is put on condition that its key is new,
and this adapter has no update or delete.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.services.audit import AuditAction, AuditEntry

SORT_PREFIX = "AUDIT#"
_WRITE_ATTEMPTS = 3


class AuditItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="audit")
    at = UnicodeAttribute()
    action = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    actor_id_masked = UnicodeAttribute()
    on_behalf_of_masked = UnicodeAttribute()
    purpose = UnicodeAttribute()
    application_id = UnicodeAttribute()
    registry = UnicodeAttribute(null=True)


class AuditWriteRefused(Exception):
    """Every key tried for an entry was taken (the random part collided each time): nothing was overwritten."""


def sort_instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _random_part() -> str:
    return secrets.token_hex(6)


class DynamoAuditLog:
    """AuditLog (chalicelib/services/audit.py) on DynamoDB."""

    def __init__(self, random_part: Callable[[], str] = _random_part) -> None:
        self._random_part = random_part

    def record(self, entry: AuditEntry) -> None:
        for _ in range(_WRITE_ATTEMPTS):
            item = AuditItem(
                pk=f"APP#{entry.application_id}",
                sk=f"{SORT_PREFIX}{sort_instant(entry.at)}#{self._random_part()}",
                at=sort_instant(entry.at),
                action=entry.action,
                actor_role=entry.actor_role,
                actor_id_masked=entry.actor_id_masked,
                on_behalf_of_masked=entry.on_behalf_of_masked,
                purpose=entry.purpose,
                application_id=entry.application_id,
                registry=entry.registry,
            )
            try:
                item.save(condition=AuditItem.sk.does_not_exist())
                return
            except PutError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
        raise AuditWriteRefused("Could not find a free key for the audit entry.")

    def for_application(self, application_id: str) -> list[AuditEntry]:
        """Entries newest first: this log's own, and the registry reads kept with each lookup's answer."""
        import json

        from chalicelib.adapters.lookup_store import LookupItem

        items = AuditItem.query(
            f"APP#{application_id}",
            AuditItem.sk.startswith(SORT_PREFIX),
            scan_index_forward=False,
            consistent_read=True,
        )
        entries = [_entry(item) for item in items]
        for lookup in LookupItem.query(
            f"APP#{application_id}",
            LookupItem.sk.startswith("LOOKUP#"),
            consistent_read=True,
            attributes_to_get=["reads"],
        ):
            for raw in lookup.reads or ():
                read = json.loads(raw)
                entries.append(
                    AuditEntry(
                        at=datetime.fromisoformat(read["at"].replace("Z", "+00:00")),
                        actor_role=read["actor_role"],
                        actor_id_masked=read["actor_id_masked"],
                        on_behalf_of_masked=read["on_behalf_of_masked"],
                        purpose=read["purpose"],
                        application_id=read["application_id"],
                        registry=read["registry"],
                        action=cast(AuditAction, read["action"]),
                        message_log=tuple(read.get("message_log", ())),
                    )
                )
        return sorted(entries, key=lambda e: e.at, reverse=True)


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        at=datetime.strptime(item.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
        actor_role=item.actor_role,
        actor_id_masked=item.actor_id_masked,
        on_behalf_of_masked=item.on_behalf_of_masked,
        purpose=item.purpose,
        application_id=item.application_id,
        registry=item.registry,
        action=cast(AuditAction, item.action),
    )

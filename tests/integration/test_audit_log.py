"""The audit trail on DynamoDB (moto): append-only, newest first, one application's entries only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.audit import AuditItem, AuditWriteRefused, DynamoAuditLog
from chalicelib.domain.access import Caller
from chalicelib.services.audit import AuditEntry
from tests.support.people import MOTHER, STRANGER

AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
APP = "261124-7KQ2M9XA"


def registry_read(at: datetime, registry: str = "gbdfl", application_id: str = APP) -> AuditEntry:
    return AuditEntry.registry_read(
        at=at,
        actor_role="system",
        actor_id="social-benefits-back-office",
        on_behalf_of=application_id,
        purpose="TSA: identity of each family member",
        application_id=application_id,
        registry=registry,
    )


def test_entries_come_back_newest_first_and_only_for_their_application(aws: Any) -> None:
    # Given reads recorded out of order, a second apart, and one read of another application
    log = aws.audit
    log.record(registry_read(AT + timedelta(seconds=1), "address"))
    log.record(registry_read(AT, "gbdfl"))
    log.record(registry_read(AT + timedelta(seconds=2), "disability"))
    log.record(registry_read(AT, "gbdfl", application_id="261124-OTHER000"))
    # When the application's trail is read
    trail = log.for_application(APP)
    # Then it holds its three entries, newest first, exactly as recorded
    assert [e.registry for e in trail] == ["disability", "address", "gbdfl"]
    assert trail[2] == registry_read(AT, "gbdfl")


def test_sub_second_instants_sort_in_time(aws: Any) -> None:
    # A whole second and a fraction of it must not swap places when the key is compared as text
    log = aws.audit
    log.record(registry_read(AT.replace(microsecond=500_000), "address"))
    log.record(registry_read(AT, "gbdfl"))
    assert [e.registry for e in log.for_application(APP)] == ["address", "gbdfl"]


def test_two_entries_of_the_same_instant_are_both_kept(aws: Any) -> None:
    log = aws.audit
    log.record(registry_read(AT))
    log.record(registry_read(AT))
    assert len(log.for_application(APP)) == 2


def test_an_entry_is_never_overwritten(aws: Any) -> None:
    # Given an entry stored, and a log whose random key part always repeats
    colliding = DynamoAuditLog(random_part=lambda: "000000000000")
    colliding.record(registry_read(AT, "gbdfl"))
    # When another entry lands on the same key
    with pytest.raises(AuditWriteRefused):
        colliding.record(registry_read(AT, "address"))
    # Then the first is still there, unchanged
    assert [e.registry for e in colliding.for_application(APP)] == ["gbdfl"]


def test_items_hold_masked_people_and_no_values(aws: Any) -> None:
    # Given an official's read, recorded from the caller as it signed in
    official = Caller(iin=STRANGER, role="official", org="labour-department:KZ-AKT")
    aws.audit.record(
        AuditEntry.by_caller(official, at=AT, purpose="review", application_id=APP, action="application_read")
    )
    # Then the stored item names the official only masked, and the office they act for
    (item,) = list(AuditItem.query(f"APP#{APP}"))
    stored = item.serialize()
    assert STRANGER not in str(stored)
    assert item.actor_id_masked == f"{STRANGER[:4]}****{STRANGER[-4:]}"
    assert item.on_behalf_of_masked == "labour-department:KZ-AKT"
    assert item.sk.startswith("AUDIT#2026-11-24T09:30:00.000000Z#")
    assert item.kind == "audit"


def test_an_entry_refuses_an_iin_in_clear() -> None:
    with pytest.raises(ValueError, match="IIN in clear"):
        AuditEntry(AT, "official", MOTHER, "-", "review", APP, None, "application_read")
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditEntry(AT.replace(tzinfo=None), "official", "-", "-", "review", APP, None, "application_read")

"""Proactive services in the single table: registry events, offers, their indexes, and consents.

  REGEVENT#<event id> / EVENT         a registry event seen (the webhook's dedupe), with the subject it is about
  OFFER#<offer id> / OFFER            one offer and its SMS dialogue (domain.proactive.Offer as JSON), versioned
  OFFERPHONE#<phone key> / <offered at>#<offer id>   the offers made to one phone (where an inbound SMS goes)
  PGROUP#<group id> / GROUP           the offers made on one event, and which of them took the benefit
  PTIMER / <due instant>#<offer id>   offers whose reminder or expiry is due then (the hourly sweep reads up to now)
  CONSENT#<person key> / <offer id>   a consent given by SMS, and its revocation

Phone and person keys are HMACs with the person-key secret, so no key holds a phone number or an IIN in clear.
The timers partition is a single one: offers waiting for an answer number in the hundreds (one per parent of each
child whose disability is established that week), and the sweep reads only what is due.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.proactive import Offer
from chalicelib.services.ports import ConsentRecord, RegistryEvent

TIMERS = "PTIMER"
PHONE_OFFERS_READ = 20


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


def _failed_condition(exc: PutError | UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


class RegistryEventItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="registry_event")
    type = UnicodeAttribute()
    subject_iin = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    ref = UnicodeAttribute()
    received_at = UnicodeAttribute()
    queued = BooleanAttribute(default=False)
    outcome = UnicodeAttribute(null=True)


class OfferItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="proactive_offer")
    state = UnicodeAttribute()
    body = UnicodeAttribute()
    version = NumberAttribute()
    timer_at = UnicodeAttribute(null=True)


class OfferPhoneItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="proactive_phone")
    offer_id = UnicodeAttribute()


class OfferGroupItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="proactive_group")
    offer_ids = UnicodeSetAttribute(null=True)
    claimed_by = UnicodeAttribute(null=True)


class OfferTimerItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="proactive_timer")
    offer_id = UnicodeAttribute()


class ConsentItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="consent")
    service_id = UnicodeAttribute()
    scope = UnicodeAttribute()
    given_at = UnicodeAttribute()
    message_id = UnicodeAttribute()
    application_id = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    revoked_message_id = UnicodeAttribute(null=True)


def _offer_item(offer: Offer, version: int, timer_at: datetime | None) -> OfferItem:
    return OfferItem(
        pk=f"OFFER#{offer.id}",
        sk="OFFER",
        state=offer.state.value,
        version=version,
        body=json.dumps(offer.to_dict(), ensure_ascii=False, separators=(",", ":")),
        timer_at=_instant(timer_at) if timer_at else None,
    )


def _offer(item: OfferItem) -> Offer:
    return Offer.from_dict(json.loads(item.body), version=int(item.version), timer_at=_parse(item.timer_at))


def _timer(at: datetime, offer_id: str) -> OfferTimerItem:
    return OfferTimerItem(pk=TIMERS, sk=f"{_instant(at)}#{offer_id}", offer_id=offer_id)


def _cancelled_by_condition(exc: TransactWriteError, index: int = 0) -> bool:
    reasons = exc.cancellation_reasons or []
    reason = reasons[index] if len(reasons) > index else None
    return reason is not None and reason.code == "ConditionalCheckFailed"


class DynamoProactiveStore:
    """ProactiveStore (services/ports.py) on the single table."""

    def __init__(self, person_key_secret: str) -> None:
        if not person_key_secret:
            raise ValueError("PERSON_KEY_SECRET must be set: it keys the proactive phone and consent indexes.")
        self._secret = person_key_secret.encode()

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]

    @staticmethod
    def _connection() -> Connection:
        connection: Connection = OfferItem._get_connection().connection
        return connection

    # --- events ------------------------------------------------------------------------------------------

    @staticmethod
    def _event(item: RegistryEventItem) -> RegistryEvent:
        return RegistryEvent(
            item.pk.removeprefix("REGEVENT#"), item.type, item.subject_iin, item.occurred_at, item.ref, item.outcome
        )

    def receive_event(self, event: RegistryEvent, at: datetime) -> tuple[RegistryEvent, str]:
        item = RegistryEventItem(
            pk=f"REGEVENT#{event.event_id}",
            sk="EVENT",
            type=event.type,
            subject_iin=event.subject_iin,
            occurred_at=event.occurred_at,
            ref=event.ref,
            received_at=_instant(at),
            queued=False,
        )
        try:
            item.save(condition=RegistryEventItem.pk.does_not_exist())
        except PutError as exc:
            if not _failed_condition(exc):
                raise
            seen = RegistryEventItem.get(item.pk, "EVENT", consistent_read=True)
            return self._event(seen), "done" if seen.queued else "pending"
        return event, "new"

    def event_queued(self, event_id: str) -> None:
        RegistryEventItem(pk=f"REGEVENT#{event_id}", sk="EVENT").update(actions=[RegistryEventItem.queued.set(True)])

    def event(self, event_id: str) -> RegistryEvent | None:
        try:
            return self._event(RegistryEventItem.get(f"REGEVENT#{event_id}", "EVENT", consistent_read=True))
        except DoesNotExist:
            return None

    def event_done(self, event_id: str, outcome: str) -> None:
        RegistryEventItem(pk=f"REGEVENT#{event_id}", sk="EVENT").update(
            actions=[RegistryEventItem.outcome.set(outcome)]
        )

    # --- offers ------------------------------------------------------------------------------------------

    def add_offer(self, offer: Offer) -> Offer:
        item = _offer_item(offer, 1, offer.timer_at)
        phone = OfferPhoneItem(
            pk=f"OFFERPHONE#{self._key('phone', offer.phone)}",
            sk=f"{_instant(offer.offered_at)}#{offer.id}",
            offer_id=offer.id,
        )
        try:
            with TransactWrite(connection=self._connection()) as tx:
                tx.save(item, condition=OfferItem.pk.does_not_exist())
                tx.save(phone)
                tx.update(
                    OfferGroupItem(pk=f"PGROUP#{offer.group_id}", sk="GROUP"),
                    actions=[OfferGroupItem.offer_ids.add({offer.id})],
                )
                if offer.timer_at is not None:
                    tx.save(_timer(offer.timer_at, offer.id))
        except TransactWriteError as exc:
            if _cancelled_by_condition(exc):
                return self.offer(offer.id)
            raise
        offer.version = 1
        return offer

    def offer(self, offer_id: str) -> Offer:
        try:
            return _offer(OfferItem.get(f"OFFER#{offer_id}", "OFFER", consistent_read=True))
        except DoesNotExist:
            raise KeyError(offer_id) from None

    def save_offer(self, offer: Offer, timer_at: datetime | None) -> None:
        item = _offer_item(offer, offer.version + 1, timer_at)
        try:
            with TransactWrite(connection=self._connection()) as tx:
                tx.save(item, condition=OfferItem.version == offer.version)
                if offer.timer_at != timer_at:
                    if offer.timer_at is not None:
                        tx.delete(_timer(offer.timer_at, offer.id))
                    if timer_at is not None:
                        tx.save(_timer(timer_at, offer.id))
        except TransactWriteError as exc:
            if _cancelled_by_condition(exc):
                raise ConcurrentUpdate("The offer changed since it was read.") from None
            raise
        offer.version += 1
        offer.timer_at = timer_at

    def offers_on_phone(self, phone: str) -> list[Offer]:
        pointers = OfferPhoneItem.query(
            f"OFFERPHONE#{self._key('phone', phone)}", scan_index_forward=False, limit=PHONE_OFFERS_READ
        )
        keys = [(f"OFFER#{p.offer_id}", "OFFER") for p in pointers]
        return [_offer(item) for item in OfferItem.batch_get(keys)] if keys else []

    def group(self, group_id: str) -> list[str]:
        try:
            item = OfferGroupItem.get(f"PGROUP#{group_id}", "GROUP", consistent_read=True)
        except DoesNotExist:
            return []
        return sorted(item.offer_ids or ())

    def claim_group(self, group_id: str, offer_id: str) -> str:
        item = OfferGroupItem(pk=f"PGROUP#{group_id}", sk="GROUP")
        try:
            item.update(
                actions=[OfferGroupItem.claimed_by.set(offer_id)],
                condition=OfferGroupItem.claimed_by.does_not_exist() | (OfferGroupItem.claimed_by == offer_id),
            )
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
            return str(OfferGroupItem.get(item.pk, "GROUP", consistent_read=True).claimed_by)
        return offer_id

    def release_group(self, group_id: str, offer_id: str) -> bool:
        item = OfferGroupItem(pk=f"PGROUP#{group_id}", sk="GROUP")
        try:
            item.update(actions=[OfferGroupItem.claimed_by.remove()], condition=OfferGroupItem.claimed_by == offer_id)
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
            try:
                holder = OfferGroupItem.get(item.pk, "GROUP", consistent_read=True).claimed_by
            except DoesNotExist:
                return True
            return holder is None
        return True

    def due_offers(self, now: datetime, limit: int) -> list[str]:
        due = OfferTimerItem.query(TIMERS, OfferTimerItem.sk < f"{_instant(now)}$", limit=limit)
        return list(dict.fromkeys(item.offer_id for item in due))

    # --- consents ----------------------------------------------------------------------------------------

    def record_consent(self, record: ConsentRecord) -> None:
        item = ConsentItem(
            pk=f"CONSENT#{self._key('person', record.person_iin)}",
            sk=record.offer_id,
            service_id=record.service_id,
            scope=record.scope,
            given_at=_instant(record.given_at),
            message_id=record.message_id,
            application_id=record.application_id,
        )
        try:
            item.save(condition=ConsentItem.pk.does_not_exist())
        except PutError as exc:
            if not _failed_condition(exc):
                raise
            if record.application_id:
                ConsentItem(pk=item.pk, sk=item.sk).update(
                    actions=[ConsentItem.application_id.set(record.application_id)]
                )

    def revoke_consent(self, person_iin: str, offer_id: str, at: datetime, message_id: str) -> None:
        item = ConsentItem(pk=f"CONSENT#{self._key('person', person_iin)}", sk=offer_id)
        try:
            item.update(
                actions=[ConsentItem.revoked_at.set(_instant(at)), ConsentItem.revoked_message_id.set(message_id)],
                condition=ConsentItem.pk.exists() & ConsentItem.revoked_at.does_not_exist(),
            )
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise

    def consents(self, person_iin: str) -> list[ConsentRecord]:
        found: list[ConsentRecord] = []
        for item in ConsentItem.query(f"CONSENT#{self._key('person', person_iin)}"):
            given = _parse(item.given_at)
            assert given is not None
            found.append(
                ConsentRecord(
                    person_iin,
                    item.sk,
                    item.service_id,
                    item.scope,
                    given,
                    item.message_id,
                    item.application_id,
                    _parse(item.revoked_at),
                    item.revoked_message_id,
                )
            )
        return sorted(found, key=lambda r: r.given_at, reverse=True)

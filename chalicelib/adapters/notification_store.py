"""Notifications, notices, per-phone SMS counters and the SMS webhook inbox, in the single table.

  NOTIF#<key> / NOTIF                    the claim of one notification (ports.NotificationRecord), written first
  SMS#<provider message id> / SMS        which notification a provider message id belongs to (delivery receipts)
  FLAGGED#SMS / <instant>#<key>          notifications the support desk should look at (rate_limited, undelivered...)
  NOTICES#P#<person key> / <instant>#<key>   a person's personal-account notices (person key: HMAC of the IIN)
  NOTICES#O#<office> / <instant>#<key>   an office's notices (audience "officials")
  SMSRATE#<phone key> / <hour>#ALL       SMS sent to one phone in one clock hour (phone key: HMAC of the number)
  SMSRATE#<phone key> / <hour>#T#<hash>  ... of one identical text
  SMSHOOK#<message id> / HOOK            a webhook message seen (dedupe), with the inbound SMS it carried

No key holds an IIN or a phone number in clear. Counters and receipt dedupe items expire (TTL `expires_at`);
inbound SMS are kept: they may carry a citizen's consent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.cursors import CursorCodec
from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.domain.notifications import NotificationStatus as Status
from chalicelib.services.ports import InboundSms, Notice, NoticePage, NotificationRecord

RECEIPT_DEDUPE_TTL = timedelta(days=30)
RATE_COUNTER_TTL = timedelta(hours=2)


def _conditional_failed(exc: PutError | UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def _keyed(secret: bytes, value: str, length: int = 40) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:length]


class NotificationItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="notification")
    application_id = UnicodeAttribute(null=True)
    purpose = UnicodeAttribute()
    audience = UnicodeAttribute()
    language = UnicodeAttribute()
    template_values = UnicodeAttribute(default="{}")
    claimed_at = UnicodeAttribute()
    retryable = BooleanAttribute(default=True)
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    provider_message_id = UnicodeAttribute(null=True)
    flag = UnicodeAttribute(null=True)
    sending_at = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    failed_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)


class SmsMessageItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="sms_message")
    notification_key = UnicodeAttribute()
    sent_at = UnicodeAttribute()


class FlaggedItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="notification_flag")
    notification_key = UnicodeAttribute()
    flag = UnicodeAttribute()
    application_id = UnicodeAttribute(null=True)


class NoticeItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="notice")
    notification_key = UnicodeAttribute()
    application_id = UnicodeAttribute(null=True)
    purpose = UnicodeAttribute()
    created_at = UnicodeAttribute()
    texts = UnicodeAttribute()


class SmsRateItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    sent = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class SmsHookItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="sms_webhook")
    message_kind = UnicodeAttribute()
    received_at = UnicodeAttribute()
    done = BooleanAttribute(default=False)
    phone = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    provider_received_at = UnicodeAttribute(null=True)
    routed = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def _instant(at: datetime) -> str:
    """A fixed-width UTC form, so that sort keys order by time."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_instant(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


def _record(item: NotificationItem) -> NotificationRecord:
    claimed = _parse_instant(item.claimed_at)
    assert claimed is not None
    return NotificationRecord(
        key=item.pk.removeprefix("NOTIF#"),
        application_id=item.application_id,
        purpose=item.purpose,
        audience=item.audience,
        language=item.language,
        values=json.loads(item.template_values),
        claimed_at=claimed,
        retryable=bool(item.retryable),
        status=Status(item.status),
        attempts=int(item.attempts or 0),
        provider_message_id=item.provider_message_id,
        flag=item.flag,
        sending_at=_parse_instant(item.sending_at),
    )


class DynamoNotificationStore:
    """NotificationStore (services/ports.py) on the single table."""

    def __init__(self, person_key_secret: str) -> None:
        if not person_key_secret:
            raise ValueError("PERSON_KEY_SECRET must be set: it keys the notices of a person.")
        self._secret = person_key_secret.encode()
        self._cursors = CursorCodec(person_key_secret, "notices")

    @staticmethod
    def _item(key: str) -> NotificationItem:
        return NotificationItem(pk=f"NOTIF#{key}", sk="NOTIF")

    def claim(self, record: NotificationRecord) -> tuple[NotificationRecord, bool]:
        item = NotificationItem(
            pk=f"NOTIF#{record.key}",
            sk="NOTIF",
            application_id=record.application_id,
            purpose=record.purpose,
            audience=record.audience,
            language=record.language,
            template_values=json.dumps(record.values, ensure_ascii=False, separators=(",", ":"), default=str),
            claimed_at=_instant(record.claimed_at),
            retryable=record.retryable,
            status=Status.PENDING,
            attempts=0,
        )
        try:
            item.save(condition=NotificationItem.pk.does_not_exist())
        except PutError as exc:
            if not _conditional_failed(exc):
                raise
            stored = self.get(record.key)
            assert stored is not None
            return stored, False
        return _record(item), True

    def get(self, key: str) -> NotificationRecord | None:
        try:
            return _record(NotificationItem.get(f"NOTIF#{key}", "NOTIF", consistent_read=True))
        except DoesNotExist:
            return None

    def start_sending(self, key: str, *, from_status: Status, attempts: int, at: datetime) -> bool:
        try:
            self._item(key).update(
                actions=[
                    NotificationItem.status.set(Status.SENDING),
                    NotificationItem.attempts.add(1),
                    NotificationItem.sending_at.set(_instant(at)),
                ],
                condition=(NotificationItem.status == from_status) & (NotificationItem.attempts == attempts),
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def sent(self, key: str, provider_message_id: str, at: datetime) -> None:
        SmsMessageItem(pk=f"SMS#{provider_message_id}", sk="SMS", notification_key=key, sent_at=_instant(at)).save()
        self._item(key).update(
            actions=[
                NotificationItem.status.set(Status.SENT),
                NotificationItem.provider_message_id.set(provider_message_id),
                NotificationItem.sent_at.set(_instant(at)),
            ]
        )

    def release(self, key: str, *, to_status: Status) -> None:
        try:
            self._item(key).update(
                actions=[NotificationItem.status.set(to_status), NotificationItem.attempts.add(-1)],
                condition=NotificationItem.status == Status.SENDING,
            )
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise

    def finish(self, key: str, status: Status, at: datetime, *, flag: str | None = None) -> None:
        actions: list[Any] = [NotificationItem.status.set(status), NotificationItem.finished_at.set(_instant(at))]
        if flag is not None:
            actions.append(NotificationItem.flag.set(flag))
        item = self._item(key)
        item.update(actions=actions)
        if flag is not None:
            FlaggedItem(
                pk="FLAGGED#SMS",
                sk=f"{_instant(at)}#{key}",
                notification_key=key,
                flag=flag,
                application_id=item.application_id,
            ).save()

    def key_for_provider_message(self, provider_message_id: str) -> str | None:
        try:
            return str(SmsMessageItem.get(f"SMS#{provider_message_id}", "SMS", consistent_read=True).notification_key)
        except DoesNotExist:
            return None

    def delivery(self, key: str, provider_message_id: str, status: str, at: datetime) -> NotificationRecord | None:
        actions: list[Any]
        if status == "delivered":
            actions = [NotificationItem.status.set(Status.DELIVERED), NotificationItem.delivered_at.set(_instant(at))]
            allowed = (Status.SENT, Status.DELIVERED)
        else:
            actions = [NotificationItem.status.set(Status.FAILED), NotificationItem.failed_at.set(_instant(at))]
            allowed = (Status.SENT, Status.FAILED)
        item = self._item(key)
        try:
            item.update(
                actions=actions,
                condition=(NotificationItem.provider_message_id == provider_message_id)
                & NotificationItem.status.is_in(*allowed),
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return None
            raise
        return _record(item)

    def _owner_partition(self, owner: tuple[str, str]) -> str:
        kind, value = owner
        if kind == "person":
            return f"NOTICES#P#{_keyed(self._secret, value)}"
        if kind == "office":
            return f"NOTICES#O#{value}"
        raise ValueError(f"unknown notice owner kind {kind!r}")

    def add_notice(self, owner: tuple[str, str], notice: Notice) -> None:
        item = NoticeItem(
            pk=self._owner_partition(owner),
            sk=f"{_instant(notice.created_at)}#{notice.key}",
            notification_key=notice.key,
            application_id=notice.application_id,
            purpose=notice.purpose,
            created_at=_instant(notice.created_at),
            texts=json.dumps(notice.texts, ensure_ascii=False),
        )
        try:
            item.save(condition=NoticeItem.pk.does_not_exist())
        except PutError as exc:
            if not _conditional_failed(exc):
                raise

    def notices(self, owner: tuple[str, str], *, cursor: str | None, limit: int) -> NoticePage:
        partition = self._owner_partition(owner)
        last_key = self._cursors.decode(cursor, partition) if cursor else None
        result = NoticeItem.query(partition, scan_index_forward=False, limit=limit, last_evaluated_key=last_key)
        items = []
        for item in result:
            created = _parse_instant(item.created_at)
            assert created is not None
            items.append(
                Notice(item.notification_key, item.application_id, item.purpose, created, json.loads(item.texts))
            )
        return NoticePage(items, self._cursors.encode(result.last_evaluated_key, partition))


class DynamoSmsRateLimiter:
    """SmsRateLimiter: per phone and clock hour, both counters in one transaction (both count, or neither)."""

    def __init__(self, secret: str, *, identical_per_hour: int, total_per_hour: int) -> None:
        if not secret:
            raise ValueError("PERSON_KEY_SECRET must be set: it keys the per-phone counters.")
        self._secret = secret.encode()
        self._identical = identical_per_hour
        self._total = total_per_hour

    def take(self, phone: str, text: str, at: datetime) -> bool:
        hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        partition = f"SMSRATE#{_keyed(self._secret, 'phone:' + phone)}"
        expires = int((hour + RATE_COUNTER_TTL).timestamp())
        text_key = _keyed(self._secret, "text:" + text, 24)
        connection: Connection = SmsRateItem._get_connection().connection
        try:
            with TransactWrite(connection=connection) as tx:
                for sort_key, limit in (
                    (f"{hour:%Y%m%d%H}#ALL", self._total),
                    (f"{hour:%Y%m%d%H}#T#{text_key}", self._identical),
                ):
                    tx.update(
                        SmsRateItem(pk=partition, sk=sort_key),
                        actions=[SmsRateItem.sent.add(1), SmsRateItem.expires_at.set(expires)],
                        condition=SmsRateItem.sent.does_not_exist() | (SmsRateItem.sent < limit),
                    )
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
                return False
            raise
        return True


class DynamoSmsInbox:
    """SmsInbox: webhook messages by the provider's message id."""

    @staticmethod
    def _item(message_id: str) -> SmsHookItem:
        return SmsHookItem(pk=f"SMSHOOK#{message_id}", sk="HOOK")

    def receive(self, message_id: str, kind: str, at: datetime, inbound: InboundSms | None = None) -> str:
        item = SmsHookItem(
            pk=f"SMSHOOK#{message_id}", sk="HOOK", message_kind=kind, received_at=_instant(at), done=False
        )
        if inbound is not None:
            item.phone, item.text, item.provider_received_at = inbound.phone, inbound.text, inbound.received_at
        else:
            item.expires_at = int((at + RECEIPT_DEDUPE_TTL).timestamp())
        try:
            item.save(condition=SmsHookItem.pk.does_not_exist())
        except PutError as exc:
            if not _conditional_failed(exc):
                raise
            seen = SmsHookItem.get(item.pk, "HOOK", consistent_read=True)
            return "done" if seen.done else "pending"
        return "new"

    def done(self, message_id: str) -> None:
        self._item(message_id).update(actions=[SmsHookItem.done.set(True)])

    def inbound(self, message_id: str) -> InboundSms | None:
        try:
            item = SmsHookItem.get(f"SMSHOOK#{message_id}", "HOOK", consistent_read=True)
        except DoesNotExist:
            return None
        if item.phone is None:
            return None
        return InboundSms(message_id, item.phone, item.text or "", item.provider_received_at or "", item.routed)

    def mark_routed(self, message_id: str, outcome: str) -> bool:
        try:
            self._item(message_id).update(
                actions=[SmsHookItem.routed.set(outcome)], condition=SmsHookItem.routed.does_not_exist()
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

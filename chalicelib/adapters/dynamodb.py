"""DynamoDB persistence (single table, PynamoDB models).

Keys (see DESIGN.md §4):
  APP#<id> / APP            the application (its aggregate as JSON in `body`, plus indexed attributes)
  APP#<id> / REP#<person>   a pointer that puts the application in its representative's history
  IDEM#<hash> / IDEM        an Idempotency-Key claim with the first response, expiring after 24 h (TTL)
Indexes: see chalicelib/adapters/resources.py (history, work_queue, accepted_queue, deadlines).
Person keys are HMACs of the IIN with a secret, so no index or key holds an IIN in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.cursors import CursorCodec
from chalicelib.adapters.resources import SWEEP_ATTRIBUTES, SWEEP_SHARDS, WORK_QUEUE_ATTRIBUTES
from chalicelib.domain.application import (
    FINAL,
    AcceptedBy,
    Applicant,
    Application,
    Filer,
    OutboxMessage,
    Representative,
    Status,
    Subject,
    TimelineEvent,
)
from chalicelib.domain.documents import waiting_for
from chalicelib.domain.errors import ApplicationNotFound, ConcurrentUpdate, DuplicateRequest
from chalicelib.services.ports import HistoryPage, IdempotencyRecord

IDEMPOTENCY_TTL = timedelta(hours=24)


class HistoryIndex(GlobalSecondaryIndex["ApplicationItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "history"
        projection = KeysOnlyProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class TableMeta:
    """Every model's Meta inherits from this, so binding it points every model (imported or not yet) at the
    one table: PynamoDB reads these attributes at connection time, through inheritance."""

    table_name = "social-benefits"
    region = "eu-central-1"
    host: str | None = None


class WorkQueueIndex(GlobalSecondaryIndex["ApplicationItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "work_queue"
        projection = IncludeProjection(WORK_QUEUE_ATTRIBUTES)

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class AcceptedQueueIndex(GlobalSecondaryIndex["ApplicationItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "accepted_queue"
        projection = IncludeProjection(WORK_QUEUE_ATTRIBUTES)

    gsi4pk = UnicodeAttribute(hash_key=True, attr_name="GSI4PK")
    gsi4sk = UnicodeAttribute(range_key=True, attr_name="GSI4SK")


class DeadlineIndex(GlobalSecondaryIndex["ApplicationItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "deadlines"
        projection = IncludeProjection(SWEEP_ATTRIBUTES)

    gsi3pk = UnicodeAttribute(hash_key=True, attr_name="GSI3PK")
    gsi3sk = UnicodeAttribute(range_key=True, attr_name="GSI3SK")


class ApplicationItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    version = VersionAttribute()
    kind = UnicodeAttribute(default="application")
    service_id = UnicodeAttribute()
    status = UnicodeAttribute()
    body = UnicodeAttribute()
    due_date = UnicodeAttribute(null=True)
    due_date_at_state_corp = UnicodeAttribute(null=True)
    registered_at = UnicodeAttribute(null=True)
    risk = UnicodeAttribute(null=True)
    waiting_for = UnicodeAttribute(null=True)  # who must act next (domain.documents.waiting_for): queues, sweep
    gsi1pk = UnicodeAttribute(null=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(null=True, attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    gsi3pk = UnicodeAttribute(null=True, attr_name="GSI3PK")
    gsi3sk = UnicodeAttribute(null=True, attr_name="GSI3SK")
    gsi4pk = UnicodeAttribute(null=True, attr_name="GSI4PK")
    gsi4sk = UnicodeAttribute(null=True, attr_name="GSI4SK")
    history = HistoryIndex()
    work_queue = WorkQueueIndex()
    accepted_queue = AcceptedQueueIndex()
    deadlines = DeadlineIndex()


class RepresentativePointer(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="representative")
    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")


class IdempotencyItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="idempotency")
    request_hash = UnicodeAttribute()
    status = NumberAttribute()
    response = UnicodeAttribute()
    expires_at = NumberAttribute()


def _table_models() -> list[type[Model]]:
    found: list[type[Model]] = []
    pending: list[type[Model]] = list(Model.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if issubclass(getattr(model, "Meta", object), TableMeta):
            found.append(model)
    return found


def bind_models(table_name: str, region: str, host: str | None = None) -> None:
    """Point every model at the table (bootstrap calls this once; tests call it again after a reset).

    Connections are dropped only when the target changes: each new one builds a botocore session, which
    costs a few hundred milliseconds of model loading.
    """
    if (TableMeta.table_name, TableMeta.region, TableMeta.host) == (table_name, region, host):
        return
    TableMeta.table_name = table_name
    TableMeta.region = region
    TableMeta.host = host
    for model in _table_models():
        model._connection = None


# --- mapping between the aggregate and its stored form -------------------------------------------------


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def application_to_dict(app: Application) -> dict[str, Any]:
    return {
        "id": app.id,
        "service_id": app.service_id,
        "channel": app.channel,
        "status": app.status.value,
        "applicant": {"iin": app.applicant.iin, "phone": app.applicant.phone, "region": app.applicant.region},
        "subjects": [{"iin": s.iin, "relation": s.relation} for s in app.subjects],
        "representative": (
            {"iin": app.representative.iin, "power_of_attorney": app.representative.power_of_attorney}
            if app.representative
            else None
        ),
        "bank_iban": app.bank_iban,
        "accepted_by": (
            {"office": app.accepted_by.office, "official": app.accepted_by.official} if app.accepted_by else None
        ),
        "language": app.language,
        "filer": {"iin": app.filer.iin, "role": app.filer.role, "office": app.filer.office},
        "handling_office": app.handling_office,
        "created_at": app.created_at.isoformat(),
        "registered_at": app.registered_at.isoformat() if app.registered_at else None,
        "registered_on": _d(app.registered_on),
        "due_date": _d(app.due_date),
        "due_date_at_state_corp": _d(app.due_date_at_state_corp),
        "timeline": [e.to_dict() for e in app.timeline],
        "outbox": [m.to_dict() for m in app.outbox],
        "decision": app.decision,
        "data": app.data,
    }


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def application_from_dict(raw: dict[str, Any], version: int) -> Application:
    rep = raw.get("representative")
    accepted = raw.get("accepted_by")
    return Application(
        id=raw["id"],
        service_id=raw["service_id"],
        channel=raw["channel"],
        status=Status(raw["status"]),
        applicant=Applicant(**raw["applicant"]),
        subjects=tuple(Subject(**s) for s in raw["subjects"]),
        representative=Representative(**rep) if rep else None,
        bank_iban=raw.get("bank_iban"),
        accepted_by=AcceptedBy(**accepted) if accepted else None,
        language=raw["language"],
        filer=Filer(**raw["filer"]),
        handling_office=raw["handling_office"],
        created_at=datetime.fromisoformat(raw["created_at"]),
        registered_at=datetime.fromisoformat(raw["registered_at"]) if raw.get("registered_at") else None,
        registered_on=_date(raw.get("registered_on")),
        due_date=_date(raw.get("due_date")),
        due_date_at_state_corp=_date(raw.get("due_date_at_state_corp")),
        version=version,
        timeline=[TimelineEvent.from_dict(e) for e in raw.get("timeline", [])],
        outbox=[OutboxMessage.from_dict(m) for m in raw.get("outbox", [])],
        decision=raw.get("decision"),
        data=dict(raw.get("data") or {}),
    )


def sweep_shard(application_id: str) -> int:
    return int(hashlib.sha256(application_id.encode()).hexdigest(), 16) % SWEEP_SHARDS


def sweep_partition(day: date, shard: int) -> str:
    return f"SWEEP#{day.isoformat()}#{shard}"


def index_keys(app: Application) -> dict[str, str | None]:
    """Work-queue index keys: present only while the application is open and registered."""
    keys: dict[str, str | None] = {k: None for k in ("gsi2pk", "gsi2sk", "gsi4pk", "gsi4sk")}
    if app.is_final or app.due_date is None:
        return keys
    order = f"{app.due_date.isoformat()}#{app.id}"
    keys["gsi2pk"], keys["gsi2sk"] = f"OFFICE#{app.handling_office}", order
    if app.accepted_by is not None:
        keys["gsi4pk"], keys["gsi4sk"] = f"OFFICE#{app.accepted_by.office}", order
    return keys


def sweep_keys(app: Application, sweep_on: date | None) -> dict[str, str | None] | None:
    """The deadline index keys, or None to leave them as they are.

    The sweep owns these attributes between deadline changes (it moves each application to its next
    milestone without reading the item). A save sets them only when the deadline service has scheduled
    a new first check (`sweep_on`, which the save took from the aggregate: `Application.take_sweep_schedule`), and
    removes them when the application closes. An unsigned draft is listed on the day it expires (intake), so the
    same sweep withdraws it.
    """
    if app.is_final or (app.due_date is None and not app.is_unsigned_draft):
        return {"gsi3pk": None, "gsi3sk": None, "risk": None}
    if sweep_on is not None:
        return {"gsi3pk": sweep_partition(sweep_on, sweep_shard(app.id)), "gsi3sk": app.id, "risk": None}
    return None


def _python_name(attribute: Any) -> str:
    for name, attr in ApplicationItem.get_attributes().items():
        if attr is attribute:
            return name
    raise KeyError(attribute)


class DynamoApplicationRepository:
    """ApplicationRepository on the single table."""

    def __init__(self, person_key_secret: str) -> None:
        if not person_key_secret:
            raise ValueError("PERSON_KEY_SECRET must be set: it keys the pseudonymous person index.")
        self._secret = person_key_secret.encode()
        self._cursors = CursorCodec(person_key_secret, "history")

    def person_key(self, iin: str) -> str:
        return "PERSON#" + hmac.new(self._secret, iin.encode(), hashlib.sha256).hexdigest()[:40]

    def _item(self, app: Application) -> ApplicationItem:
        item = ApplicationItem(
            pk=f"APP#{app.id}",
            sk="APP",
            service_id=app.service_id,
            status=app.status.value,
            body=json.dumps(application_to_dict(app), ensure_ascii=False, separators=(",", ":")),
            due_date=_d(app.due_date),
            due_date_at_state_corp=_d(app.due_date_at_state_corp),
            registered_at=app.registered_at.isoformat() if app.registered_at else None,
            waiting_for=waiting_for(app),
            gsi1pk=self.person_key(app.applicant.iin),
            gsi1sk=f"{app.created_at.isoformat()}#{app.id}",
        )
        for name, value in index_keys(app).items():
            setattr(item, name, value)
        return item

    def _new_item(self, app: Application) -> ApplicationItem:
        sweep = sweep_keys(app, app.take_sweep_schedule())  # first: the instruction is not part of the stored body
        item = self._item(app)
        for name, value in (sweep or {}).items():
            setattr(item, name, value)
        if app.version:
            item.version = app.version
        return item

    def add(
        self,
        application: Application,
        *,
        idempotency_key: str | None = None,
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        item = self._new_item(application)
        rep = self._rep_pointer(application)
        if idempotency_key is None or idempotency is None:
            if rep is None:
                item.save(condition=ApplicationItem.pk.does_not_exist())
            else:
                with TransactWrite(connection=self._connection()) as tx:
                    tx.save(item, condition=ApplicationItem.pk.does_not_exist())
                    tx.save(rep)
            application.version = item.version or 1
            return
        now = int(application.created_at.timestamp())
        claim = IdempotencyItem(
            pk=f"IDEM#{idempotency_key}",
            sk="IDEM",
            request_hash=idempotency.request_hash,
            status=idempotency.status,
            response=json.dumps(idempotency.response, ensure_ascii=False),
            expires_at=now + int(IDEMPOTENCY_TTL.total_seconds()),
        )
        try:
            with TransactWrite(connection=self._connection()) as tx:
                tx.save(claim, condition=IdempotencyItem.pk.does_not_exist() | (IdempotencyItem.expires_at < now))
                tx.save(item, condition=ApplicationItem.pk.does_not_exist())
                if rep is not None:
                    tx.save(rep)
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                raise DuplicateRequest(self._claim(idempotency_key)) from None
            raise
        application.version = item.version or 1

    def idempotency_record(self, idempotency_key: str) -> IdempotencyRecord | None:
        try:
            return self._claim(idempotency_key)
        except DoesNotExist:
            return None

    def _claim(self, key: str) -> IdempotencyRecord:
        stored = IdempotencyItem.get(f"IDEM#{key}", "IDEM", consistent_read=True)
        return IdempotencyRecord(stored.request_hash, int(stored.status), json.loads(stored.response))

    def _rep_pointer(self, app: Application) -> RepresentativePointer | None:
        if app.representative is None or app.representative.iin == app.applicant.iin:
            return None  # the applicant's own History already lists it: a pointer would list it twice
        key = self.person_key(app.representative.iin)
        return RepresentativePointer(
            pk=f"APP#{app.id}", sk=f"REP#{key}", gsi1pk=key, gsi1sk=f"{app.created_at.isoformat()}#{app.id}"
        )

    @staticmethod
    def _connection() -> Connection:
        connection: Connection = ApplicationItem._get_connection().connection
        return connection

    def get(self, application_id: str) -> Application:
        try:
            item = ApplicationItem.get(f"APP#{application_id}", "APP", consistent_read=True)
        except DoesNotExist:
            raise ApplicationNotFound("No such application.") from None
        return application_from_dict(json.loads(item.body), int(item.version or 0))

    def status_of(self, application_id: str) -> Status:
        try:
            item = ApplicationItem.get(
                f"APP#{application_id}", "APP", consistent_read=True, attributes_to_get=["status"]
            )
        except DoesNotExist:
            raise ApplicationNotFound("No such application.") from None
        return Status(item.status)

    def save(self, application: Application) -> None:
        """UpdateItem of what the aggregate owns, conditional on the version read (and incrementing it)."""
        sweep = sweep_keys(application, application.take_sweep_schedule())  # first: not part of the stored body
        fresh = self._item(application)
        owned = [
            ApplicationItem.body,
            ApplicationItem.status,
            ApplicationItem.due_date,
            ApplicationItem.due_date_at_state_corp,
            ApplicationItem.registered_at,
            ApplicationItem.waiting_for,
            ApplicationItem.gsi2pk,
            ApplicationItem.gsi2sk,
            ApplicationItem.gsi4pk,
            ApplicationItem.gsi4sk,
        ]
        if sweep is not None:
            owned += [ApplicationItem.gsi3pk, ApplicationItem.gsi3sk, ApplicationItem.risk]
        actions: list[Any] = []
        for attribute in owned:
            value = getattr(fresh, _python_name(attribute))
            if sweep is not None and _python_name(attribute) in sweep:
                value = sweep[_python_name(attribute)]
            actions.append(attribute.remove() if value is None else attribute.set(value))
        target = ApplicationItem(pk=fresh.pk, sk="APP")
        target.version = application.version
        try:
            target.update(actions=actions)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise ConcurrentUpdate("The application changed since it was read.") from None
            raise
        application.version = int(target.version or 0)

    def open_application_ids(self) -> Iterator[str]:
        final = [s.value for s in Status if s in FINAL]
        condition = (ApplicationItem.kind == "application") & ~ApplicationItem.status.is_in(*final)
        for item in ApplicationItem.scan(filter_condition=condition):
            yield item.pk.removeprefix("APP#")

    def history(self, person_iin: str, *, cursor: str | None, limit: int) -> HistoryPage:
        partition = self.person_key(person_iin)
        last_key = self._cursors.decode(cursor, partition) if cursor else None
        result = ApplicationItem.history.query(
            partition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=last_key,
        )
        keys = list(dict.fromkeys(item.pk for item in result))  # one application once, whatever points at it
        apps = self._batch_get(keys)
        next_key = result.last_evaluated_key
        next_cursor = self._cursors.encode(next_key, partition)
        return HistoryPage([apps[k] for k in keys if k in apps], next_cursor)

    def _batch_get(self, pks: Iterable[str]) -> dict[str, Application]:
        found: dict[str, Application] = {}
        for item in ApplicationItem.batch_get([(pk, "APP") for pk in pks]):
            found[item.pk] = application_from_dict(json.loads(item.body), int(item.version or 0))
        return found

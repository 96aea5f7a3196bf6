"""Counting what the app asks of AWS: every request, by service and operation, with what it costs.

`AwsMeter.install()` patches `botocore.session.Session.create_client`, so every client created afterwards gets
two hooks, whoever creates it: boto3 sessions (the container's clients) and PynamoDB's own botocore session alike.

- `before-parameter-build`: adds `ReturnConsumedCapacity="TOTAL"` to DynamoDB calls that take it, starts the clock,
  and (when estimating capacity) snapshots the items a write is about to change;
- `after-call`: records one `Request`: the phase it ran in (`PHASE`: which Lambda function, the queue pump, the
  harness), the service and operation, its time, the capacity DynamoDB (moto) reported, the capacity AWS would
  bill by its published rules (`CapacityEstimator`), SQS messages sent and billed 64 KB chunks, SMS segments.

moto reports flat capacity (PutItem 1, GetItem 0.5, Query 1, nothing for UpdateItem or transactions), so the
estimate is what the cost model uses; both are kept.
"""

from __future__ import annotations

import copy
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

PHASE: ContextVar[str] = ContextVar("bench_phase", default="harness")

DYNAMO_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
DYNAMO_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
SQS_CHUNK_BYTES = 64 * 1024
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Attribute the AWS requests made inside the block to `name`."""
    token = PHASE.set(name)
    try:
        yield
    finally:
        PHASE.reset(token)


@dataclass
class Request:
    phase: str
    service: str
    operation: str
    seconds: float
    ok: bool
    reported_rru: float = 0.0
    reported_wru: float = 0.0
    estimated_rru: float = 0.0
    estimated_wru: float = 0.0
    estimated_gsi_wru: float = 0.0
    items_written: int = 0
    largest_item_bytes: int = 0
    sqs_sent: int = 0
    sqs_received: int = 0
    sqs_billed: int = 1
    queue: str = ""
    sms_segments: int = 0
    sms_message_id: str = ""
    items_read: int = 0


def _items_read(parsed: dict[str, Any]) -> int:
    """Items a read returned: GetItem's one, a Query's or Scan's page, BatchGetItem's and TransactGetItems' items."""
    responses = parsed.get("Responses")
    if isinstance(responses, dict):  # BatchGetItem: table -> items
        return sum(len(items) for items in responses.values())
    if isinstance(responses, list):  # TransactGetItems: one {"Item": ...} per get
        return sum(1 for r in responses if r.get("Item"))
    return (1 if parsed.get("Item") else 0) + len(parsed.get("Items", []))


# --- item sizes, by DynamoDB's published rules ----------------------------------------------------------------


def value_size(value: dict[str, Any]) -> int:
    """Bytes a low-level AttributeValue counts for: strings and binaries by length, numbers about one byte per
    two significant digits plus one, lists and maps 3 bytes plus one per element."""
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return len(raw.encode("utf-8"))
    if kind == "N":
        digits = str(raw).lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in raw)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in raw)
    if kind == "BS":
        return sum(len(b) for b in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in raw.items())
    return 0


def item_size(item: dict[str, dict[str, Any]] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


class CapacityEstimator:
    """Read and write request units as AWS bills them, from the items moto holds (read in-process, no request).

    Writes: max(size before, size after) per 1 KB, at least 1; x2 in a transaction; a failed condition still
    costs the write. Each global index the item enters, leaves or changes in (a key or a projected attribute)
    costs one more write of the index entry's size; a changed index key costs two (delete + put).
    Reads: size per 4 KB, at least 1; half for eventually consistent reads (every index read); x2 in a
    transaction; a Query or Scan rounds the total of the items it scanned up once.
    """

    def __init__(self, region: str) -> None:
        self.region = region

    def _table(self, name: str) -> Any:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[DEFAULT_ACCOUNT_ID][self.region].get_table(name)

    def snapshot(self, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        """The stored item with that key (key attributes taken from `key`, which may be a whole item)."""
        from moto.dynamodb.models.dynamo_type import DynamoType

        try:
            table = self._table(table_name)
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            found = table.get_item(hash_key, range_key)
        except Exception:
            return None
        if found is None:
            return None
        return {name: _low_level(value) for name, value in copy.deepcopy(found.attrs).items()}

    def write_targets(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
        """(table, key or item, transactional) for each item a write request touches."""
        if operation == "PutItem":
            return [(params["TableName"], params["Item"], False)]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], params["Key"], False)]
        if operation == "BatchWriteItem":
            return [
                (table, r.get("PutRequest", {}).get("Item") or r.get("DeleteRequest", {}).get("Key"), False)
                for table, requests in params.get("RequestItems", {}).items()
                for r in requests
            ]
        if operation == "TransactWriteItems":
            targets = []
            for entry in params.get("TransactItems", []):
                kind, body = next(iter(entry.items()))
                targets.append((body["TableName"], body["Item"] if kind == "Put" else body["Key"], True))
            return targets
        return []

    def write_units(
        self, table_name: str, before: dict[str, Any] | None, after: dict[str, Any] | None, transactional: bool
    ) -> tuple[float, float]:
        """(table WRU, index WRU) of one item write."""
        table_units = _units(max(item_size(before), item_size(after)), WRITE_UNIT_BYTES) * (2 if transactional else 1)
        index_units = 0
        try:
            table = self._table(table_name)
        except Exception:
            return table_units, 0
        table_keys = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        for index in table.global_indexes:
            keys = [k["AttributeName"] for k in index.schema]
            projection = index.projection or {}
            kind = projection.get("ProjectionType", "ALL")
            projected = set(table_keys) | set(keys) | set(projection.get("NonKeyAttributes", []))

            def entry(
                item: dict[str, Any] | None, keys: list[str] = keys, kind: str = kind, projected: set[str] = projected
            ) -> dict[str, Any] | None:
                if item is None or any(k not in item for k in keys):
                    return None
                return dict(item) if kind == "ALL" else {k: v for k, v in item.items() if k in projected}

            old, new = entry(before), entry(after)
            if old is None and new is None:
                continue
            if old is None or new is None:
                index_units += _units(item_size(old or new), WRITE_UNIT_BYTES)
            elif any(old[k] != new[k] for k in keys):
                index_units += _units(item_size(old), WRITE_UNIT_BYTES) + _units(item_size(new), WRITE_UNIT_BYTES)
            elif old != new:
                index_units += _units(item_size(new), WRITE_UNIT_BYTES)
        return table_units, index_units

    def read_units(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
        if operation == "GetItem":
            size = item_size(self.snapshot(params["TableName"], params["Key"]))
            return _units(size, READ_UNIT_BYTES) * (1.0 if params.get("ConsistentRead") else 0.5)
        if operation == "BatchGetItem":
            total = 0.0
            for table, spec in params.get("RequestItems", {}).items():
                factor = 1.0 if spec.get("ConsistentRead") else 0.5
                total += sum(
                    _units(item_size(self.snapshot(table, k)), READ_UNIT_BYTES) * factor for k in spec.get("Keys", [])
                )
            return total
        if operation == "TransactGetItems":
            return float(
                sum(
                    2 * _units(item_size(self.snapshot(e["Get"]["TableName"], e["Get"]["Key"])), READ_UNIT_BYTES)
                    for e in params.get("TransactItems", [])
                )
            )
        if operation in ("Query", "Scan"):
            items = parsed.get("Items", [])
            returned = sum(item_size(i) for i in items)
            scanned, count = int(parsed.get("ScannedCount", len(items))), int(parsed.get("Count", len(items)))
            if count and scanned > count:  # filtered out items were read too: assume the same average size
                returned = round(returned * scanned / count)
            consistent = params.get("ConsistentRead") and not params.get("IndexName")
            return _units(returned, READ_UNIT_BYTES) * (1.0 if consistent else 0.5)
        return 0.0


def _low_level(value: Any) -> dict[str, Any]:
    """moto's DynamoType back to a low-level AttributeValue."""
    if value.is_list():
        return {"L": [_low_level(v) for v in value.value]}
    if value.is_map():
        return {"M": {k: _low_level(v) for k, v in value.value.items()}}
    return {value.type: value.value}


def _reported(parsed: dict[str, Any]) -> float:
    consumed = parsed.get("ConsumedCapacity")
    if consumed is None:
        return 0.0
    entries = consumed if isinstance(consumed, list) else [consumed]
    return float(sum(e.get("CapacityUnits", 0) for e in entries))


def _sqs_payload(entries: Iterable[dict[str, Any]]) -> int:
    size = 0
    for e in entries:
        size += len(str(e.get("MessageBody", "")).encode("utf-8"))
        for name, attr in (e.get("MessageAttributes") or {}).items():
            size += len(name) + len(str(attr.get("DataType", ""))) + len(str(attr.get("StringValue", "")).encode())
    return size


class AwsMeter:
    """Records every AWS request made by clients created while installed."""

    def __init__(self, *, estimate_capacity: bool = True) -> None:
        self.estimate_capacity = estimate_capacity
        self.requests: list[Request] = []
        self._original: Callable[..., Any] | None = None
        self._estimators: dict[str, CapacityEstimator] = {}

    # -- installation ---------------------------------------------------------------------------------------

    def install(self) -> AwsMeter:
        import botocore.session

        if self._original is not None:
            return self
        original = botocore.session.Session.create_client
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            meter.watch(client)
            return client

        self._original = original
        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]
        return self

    def uninstall(self) -> None:
        import botocore.session

        if self._original is not None:
            botocore.session.Session.create_client = self._original  # type: ignore[method-assign]
            self._original = None

    def watch(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        region = client.meta.region_name
        client.meta.events.register(
            "before-parameter-build", self._before_hook(service, region), unique_id=f"bench-meter-before-{id(client)}"
        )
        client.meta.events.register(
            "after-call", self._after_hook(service, region), unique_id=f"bench-meter-after-{id(client)}"
        )

    def take(self) -> list[Request]:
        """The requests recorded since the last take (and forget them)."""
        taken, self.requests = self.requests, []
        return taken

    # -- hooks ----------------------------------------------------------------------------------------------

    def _estimator(self, region: str) -> CapacityEstimator:
        if region not in self._estimators:
            self._estimators[region] = CapacityEstimator(region)
        return self._estimators[region]

    def _before_hook(self, service: str, region: str) -> Callable[..., None]:
        def before(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            context["bench_params"] = params
            if service == "dynamodb":
                if "ReturnConsumedCapacity" in model.input_shape.members:
                    params.setdefault("ReturnConsumedCapacity", "TOTAL")
                if self.estimate_capacity and model.name in DYNAMO_WRITES:
                    estimator = self._estimator(region)
                    context["bench_writes"] = [
                        (table, key, transactional, estimator.snapshot(table, key))
                        for table, key, transactional in estimator.write_targets(model.name, params)
                    ]
            context["bench_t0"] = time.perf_counter()

        return before

    def _after_hook(self, service: str, region: str) -> Callable[..., None]:
        def after(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            elapsed = time.perf_counter() - context.get("bench_t0", time.perf_counter())
            params: dict[str, Any] = context.get("bench_params", {})
            status = int(getattr(http_response, "status_code", 200) or 200)
            request = Request(PHASE.get(), service, model.name, elapsed, ok=status < 300)
            if service == "dynamodb":
                self._dynamodb(request, region, params, parsed, context)
            elif service == "sqs":
                self._sqs(request, params, parsed)
            elif service == "sns" and model.name == "Publish" and request.ok and params.get("PhoneNumber"):
                from chalicelib.domain.sms import segments

                request.sms_segments = segments(str(params.get("Message", "")))
                request.sms_message_id = str(parsed.get("MessageId", ""))
            self.requests.append(request)

        return after

    def _dynamodb(
        self, request: Request, region: str, params: dict[str, Any], parsed: dict[str, Any], context: dict[str, Any]
    ) -> None:
        operation = request.operation
        if operation in DYNAMO_READS:
            request.reported_rru = _reported(parsed)
            request.items_read = _items_read(parsed)
        elif operation in DYNAMO_WRITES:
            request.reported_wru = _reported(parsed)
        if not self.estimate_capacity:
            return
        estimator = self._estimator(region)
        if operation in DYNAMO_READS and request.ok:
            request.estimated_rru = estimator.read_units(operation, params, parsed)
        elif operation in DYNAMO_WRITES:
            for table, key, transactional, before in context.get("bench_writes", []):
                after = estimator.snapshot(table, key) if request.ok else before
                table_units, index_units = estimator.write_units(table, before, after, transactional)
                request.estimated_wru += table_units
                request.estimated_gsi_wru += index_units
                request.items_written += 1
                request.largest_item_bytes = max(request.largest_item_bytes, item_size(before), item_size(after))

    @staticmethod
    def _sqs(request: Request, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        request.queue = str(params.get("QueueUrl", "")).rstrip("/").rpartition("/")[2]
        if request.operation == "SendMessage":
            request.sqs_sent = 1
            request.sqs_billed = max(1, math.ceil(_sqs_payload([params]) / SQS_CHUNK_BYTES))
        elif request.operation == "SendMessageBatch":
            entries = params.get("Entries", [])
            request.sqs_sent = len(entries) - len(parsed.get("Failed", []))
            request.sqs_billed = max(1, math.ceil(_sqs_payload(entries) / SQS_CHUNK_BYTES))
        elif request.operation == "ReceiveMessage":
            messages = parsed.get("Messages", [])
            request.sqs_received = len(messages)
            payload = sum(len(str(m.get("Body", "")).encode("utf-8")) for m in messages)
            request.sqs_billed = max(1, math.ceil(payload / SQS_CHUNK_BYTES))


# --- summaries -----------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What a set of requests adds up to."""

    requests: Counter[str] = field(default_factory=Counter)
    by_phase: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    reported_rru: float = 0.0
    reported_wru: float = 0.0
    estimated_rru: float = 0.0
    estimated_wru: float = 0.0
    estimated_gsi_wru: float = 0.0
    dynamodb_write_requests: int = 0
    dynamodb_read_requests: int = 0
    items_written: int = 0
    largest_item_bytes: int = 0
    wru_by_phase: Counter[str] = field(default_factory=Counter)
    sqs_sent: int = 0
    sqs_billed: int = 0
    sqs_billed_by_app: int = 0
    sms_segments: int = 0
    sms_sent: int = 0
    seconds_in_aws: float = 0.0

    @classmethod
    def of(cls, requests: Iterable[Request]) -> Tally:
        tally = cls()
        for r in requests:
            name = f"{r.service}:{r.operation}"
            tally.requests[name] += 1
            tally.by_phase[r.phase][name] += 1
            tally.reported_rru += r.reported_rru
            tally.reported_wru += r.reported_wru
            tally.estimated_rru += r.estimated_rru
            tally.estimated_wru += r.estimated_wru
            tally.estimated_gsi_wru += r.estimated_gsi_wru
            tally.items_written += r.items_written
            tally.largest_item_bytes = max(tally.largest_item_bytes, r.largest_item_bytes)
            if r.estimated_wru or r.estimated_gsi_wru:
                tally.wru_by_phase[r.phase] += r.estimated_wru + r.estimated_gsi_wru
            if r.service == "dynamodb":
                tally.dynamodb_write_requests += r.operation in DYNAMO_WRITES
                tally.dynamodb_read_requests += r.operation in DYNAMO_READS
            if r.service == "sqs":
                tally.sqs_sent += r.sqs_sent
                tally.sqs_billed += r.sqs_billed
                if r.phase != "pump":
                    tally.sqs_billed_by_app += r.sqs_billed
            if r.sms_segments:
                tally.sms_segments += r.sms_segments
                tally.sms_sent += 1
            tally.seconds_in_aws += r.seconds
        return tally

    def count(self, service: str, operation: str | None = None, *, phase: str | None = None) -> int:
        source = self.by_phase.get(phase, Counter()) if phase is not None else self.requests
        return sum(
            n
            for name, n in source.items()
            if name.split(":")[0] == service and (operation is None or name.split(":")[1] == operation)
        )

    def by_service(self) -> dict[str, int]:
        services: Counter[str] = Counter()
        for name, n in self.requests.items():
            services[name.split(":")[0]] += n
        return dict(sorted(services.items()))

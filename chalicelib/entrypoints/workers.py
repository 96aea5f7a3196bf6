"""SQS workers: each parses its messages and hands them to one use case.

Batches go through Powertools' BatchProcessor: a message that fails is reported in `batchItemFailures`
and SQS delivers it again (the CDK app turns on ReportBatchItemFailures); after 5 receives it goes to the
queue's DLQ. Every handler is idempotent per message purpose, so a redelivery has no second effect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, SQSEvent

from chalicelib.adapters.resources import queue_name
from chalicelib.bootstrap import container
from chalicelib.observability import logger

workers = Blueprint(__name__)


def run_batch(event: SQSEvent, handle: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    def record_handler(record: SQSRecord) -> Any:
        body = json.loads(record.body)
        logger.append_keys(application_id=body.get("application_id"), message_key=body.get("message_key"))
        try:
            return handle(body)
        finally:
            logger.remove_keys(["application_id", "message_key"])

    processor = BatchProcessor(event_type=EventType.SQS)
    context: Any = event.context
    result: Any = process_partial_response(event=event.to_dict(), record_handler=record_handler,
                                           processor=processor, context=context)
    return dict(result)


@workers.on_sqs_message(queue=queue_name("lookups"), batch_size=10, name="lookups_worker")
def lookups_worker(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.services.lookups import handle_lookup

    deps = container().lookups()
    return run_batch(event, lambda body: handle_lookup(body, deps))


@workers.on_sqs_message(queue=queue_name("decisions"), batch_size=5, name="decisions_worker")
def decisions_worker(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.services.decisions import decide_application

    deps = container().decisions()
    return run_batch(event, lambda body: decide_application(body["application_id"], deps))

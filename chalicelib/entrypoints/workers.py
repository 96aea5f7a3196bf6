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
from chalicelib.observability import logger, metrics

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
    result: Any = process_partial_response(
        event=event.to_dict(), record_handler=record_handler, processor=processor, context=context
    )
    return dict(result)


@workers.on_sqs_message(queue=queue_name("lookups"), batch_size=10, name="lookups_worker")
def lookups_worker(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.services.lookups import handle_lookup

    deps = container().lookups()
    return run_batch(event, lambda body: handle_lookup(body, deps))


@workers.on_sqs_message(queue=queue_name("decisions"), batch_size=5, name="decisions_worker")
def decisions_worker(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.services.decisions import decide_application
    from chalicelib.services.printing import handle_render

    deps = container().decisions()

    def handle(body: dict[str, Any]) -> Any:
        if body.get("type") == "render":  # a printable PDF, rendered once and kept (services/printing.py)
            assert deps.printing is not None
            return handle_render(body, deps.printing, deps.results)
        outcome = decide_application(body["application_id"], deps)
        if outcome == "waiting_for_parameters":
            from aws_lambda_powertools.metrics import MetricUnit

            metrics.add_metric(name="DecisionsWaitingForParameters", unit=MetricUnit.Count, value=1)
            metrics.flush_metrics()
        return outcome

    return run_batch(event, handle)


def _uploads(body: dict[str, Any]) -> list[str]:
    """The object key of each object an S3 notification reports created (S3's test event: none)."""
    from urllib.parse import unquote_plus

    return [
        unquote_plus(record.get("s3", {}).get("object", {}).get("key", ""))
        for record in body.get("Records", [])
        if record.get("eventName", "").startswith("ObjectCreated")
    ]


@workers.on_sqs_message(queue=queue_name("documents"), batch_size=10, name="documents_worker")
def documents_worker(event: SQSEvent) -> dict[str, Any]:
    """Uploads landing in the documents bucket: each is kept for an official's review, or quarantined
    (services/documents.object_landed); a quarantine is logged with its reason code only."""
    from chalicelib.services.documents import object_landed

    deps = container().documents()

    def handle(body: dict[str, Any]) -> list[str]:
        outcomes = []
        for key in _uploads(body):
            outcome = object_landed(key, deps)
            if outcome.startswith("quarantined:"):
                logger.warning("upload quarantined", extra={"reason": outcome.split(":", 1)[1]})
            else:
                logger.info("upload received", extra={"outcome": outcome})
            outcomes.append(outcome)
        return outcomes

    return run_batch(event, handle)


@workers.on_sqs_message(queue=queue_name("notifications"), batch_size=10, name="notifications_worker")
def notifications_worker(event: SQSEvent) -> dict[str, Any]:
    """Notices and SMS from the outbox (and SMS retries after failed receipts): the queue's table of handlers is
    services/notifications.py:NOTIFICATIONS_QUEUE."""
    from chalicelib.services.notifications import handle_notification

    deps = container().notifications()

    def handle(body: dict[str, Any]) -> str:
        outcome = handle_notification(body, deps)
        flagged = outcome in ("rate_limited", "undelivered", "unknown")
        (logger.warning if flagged else logger.info)("notification handled", extra={"outcome": outcome})
        return outcome

    return run_batch(event, handle)


@workers.on_sqs_message(queue=queue_name("proactive"), batch_size=10, name="proactive_worker")
def proactive_worker(event: SQSEvent) -> dict[str, Any]:
    """Proactive-service messages: inbound SMS, routed to the conversation waiting on the phone; registry events,
    which make the offers; offer effects (the SMS of reminders and expiries); and the Digital Documents questions
    the decision step asks applicants: the queue's table of handlers is services/proactive.py:PROACTIVE_QUEUE.

    A type nobody handles fails (and reaches the DLQ after 5 receives) rather than vanish.
    """
    from chalicelib.services.proactive import handle_proactive_message

    deps = container().proactive_queue()

    def handle(body: dict[str, Any]) -> str:
        outcome = handle_proactive_message(body, deps)
        logger.info("proactive message handled", extra={"type": body.get("type"), "outcome": outcome})
        return outcome

    return run_batch(event, handle)

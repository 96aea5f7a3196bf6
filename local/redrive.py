"""`python -m local.redrive [purpose ...]`: move every message from a queue's DLQ back to the queue.

On AWS use the native redrive instead (`aws sqs start-message-move-task --source-arn <DLQ ARN>`, or the
console's "Start DLQ redrive"); moto, the local stack's AWS, does not implement it, so this does the same
with receive / send / delete. Every consumer is idempotent, so a message handled before it failed is safe.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from chalicelib.adapters.resources import FUNCTION_TIMEOUT_SECONDS, queue_name


def redrive(sqs: Any, purpose: str) -> int:
    source = sqs.get_queue_url(QueueName=queue_name(f"{purpose}-dlq"))["QueueUrl"]
    target = sqs.get_queue_url(QueueName=queue_name(purpose))["QueueUrl"]
    moved = 0
    while True:
        got = sqs.receive_message(
            QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=30, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return moved
        sqs.send_message_batch(
            QueueUrl=target, Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(got)]
        )
        sqs.delete_message_batch(
            QueueUrl=source, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        )
        moved += len(got)


def main(argv: list[str] | None = None) -> None:
    import boto3

    from local.stack import REGION, STATE_FILE

    parser = argparse.ArgumentParser(prog="python -m local.redrive", description=__doc__)
    parser.add_argument(
        "purposes",
        nargs="*",
        default=list(FUNCTION_TIMEOUT_SECONDS),
        help="queue purposes (default: all): " + ", ".join(FUNCTION_TIMEOUT_SECONDS),
    )
    args = parser.parse_args(argv)
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or json.loads(STATE_FILE.read_text())["aws_endpoint"]
    sqs = boto3.client(
        "sqs",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto's dummy credentials
    )
    for purpose in args.purposes:
        print(f"{purpose}: {redrive(sqs, purpose)} message(s) moved back")


if __name__ == "__main__":
    main()

"""Create every resource the app expects (table, queues with DLQs, signing key, bucket) on an AWS
endpoint: moto in server mode for the local stack, moto in-process for the tests."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.resources import (
    FUNCTION_TIMEOUT_SECONDS,
    MAX_RECEIVE_COUNT,
    TABLE_TTL_ATTRIBUTE,
    UPLOAD_PREFIX,
    create_table_request,
    visibility_timeout,
)
from chalicelib.config import Settings


def provision(settings: Settings, client: Any) -> dict[str, str]:
    """`client(service_name)` returns a boto3 client. Returns the names/ids created (e.g. the signing key)."""
    created: dict[str, str] = {}
    dynamodb = client("dynamodb")
    existing = dynamodb.list_tables()["TableNames"]
    if settings.table_name not in existing:
        dynamodb.create_table(**create_table_request(settings.table_name))
        dynamodb.update_time_to_live(
            TableName=settings.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TABLE_TTL_ATTRIBUTE},
        )
    sqs = client("sqs")
    for purpose in FUNCTION_TIMEOUT_SECONDS:
        dlq_url = sqs.create_queue(QueueName=settings.queue_name(f"{purpose}-dlq"))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(
            QueueName=settings.queue_name(purpose),
            Attributes={
                "VisibilityTimeout": str(visibility_timeout(purpose)),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
            },
        )
    s3 = client("s3")
    if settings.documents_bucket in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        pass
    elif settings.region == "us-east-1":
        s3.create_bucket(Bucket=settings.documents_bucket)
    else:
        s3.create_bucket(
            Bucket=settings.documents_bucket, CreateBucketConfiguration={"LocationConstraint": settings.region}
        )
    documents_queue = sqs.get_queue_url(QueueName=settings.queue_name("documents"))["QueueUrl"]
    documents_arn = sqs.get_queue_attributes(QueueUrl=documents_queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=settings.documents_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": documents_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}},
                }
            ]
        },
    )
    kms = client("kms")
    alias = settings.signing_key_id
    if alias.startswith("alias/"):
        aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
        if alias not in aliases:
            key_id = kms.create_key(
                KeyUsage="SIGN_VERIFY",
                KeySpec="ECC_NIST_P256",
                Description="Result documents (stand-in for the provider's EDS)",
            )["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
            created["signing_key_id"] = key_id
    return created

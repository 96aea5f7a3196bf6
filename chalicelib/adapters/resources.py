"""The AWS resources the app expects, described once: the local stack creates them from here and the
CDK app in infra/ builds the production ones from the same description (so both stay the same shape)."""

from __future__ import annotations

from typing import Any

TABLE_KEYS = {"hash": "PK", "range": "SK"}

# name -> (hash key attribute, range key attribute, projection)
TABLE_INDEXES: dict[str, tuple[str, str, str]] = {
    "history": ("GSI1PK", "GSI1SK", "KEYS_ONLY"),
    "work_queue": ("GSI2PK", "GSI2SK", "ALL"),
    "deadlines": ("GSI3PK", "GSI3SK", "KEYS_ONLY"),
}
TABLE_TTL_ATTRIBUTE = "expires_at"

# Queue purposes the app consumes. The visibility timeout is at least 6x the consuming function's timeout
# (AWS's advice for SQS event sources), and a message goes to the purpose's DLQ after 5 receives.
FUNCTION_TIMEOUT_SECONDS: dict[str, int] = {"lookups": 30, "decisions": 60, "notifications": 30, "proactive": 30}
MAX_RECEIVE_COUNT = 5
VISIBILITY_FACTOR = 6


QUEUE_PREFIX = "sb-"


def queue_name(purpose: str) -> str:
    """Queue names are fixed (SQS triggers are declared at import): one AWS account per stage."""
    return f"{QUEUE_PREFIX}{purpose}"


def visibility_timeout(purpose: str) -> int:
    return FUNCTION_TIMEOUT_SECONDS[purpose] * VISIBILITY_FACTOR


def create_table_request(table_name: str) -> dict[str, Any]:
    attributes = {TABLE_KEYS["hash"], TABLE_KEYS["range"]}
    indexes = []
    for name, (hash_key, range_key, projection) in TABLE_INDEXES.items():
        attributes |= {hash_key, range_key}
        indexes.append({
            "IndexName": name,
            "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                          {"AttributeName": range_key, "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": projection},
        })
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "KeySchema": [{"AttributeName": TABLE_KEYS["hash"], "KeyType": "HASH"},
                      {"AttributeName": TABLE_KEYS["range"], "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": indexes,
    }

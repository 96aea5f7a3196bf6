"""The AWS resources the app expects, described once: the local stack creates them from here and the
CDK app in infra/ builds the production ones from the same description (so both stay the same shape)."""

from __future__ import annotations

from typing import Any

TABLE_KEYS = {"hash": "PK", "range": "SK"}

# name -> (hash key attribute, range key attribute, projection). All are sparse: an item is in an index
# only while it has that index's key attributes.
#   history         PERSON#<person key> / <created_at>#<id>      a person's History of services
#   work_queue      OFFICE#<handling office> / <due_date>#<id>   open applications of the deciding office
#   accepted_queue  OFFICE#<accepting office> / <due_date>#<id>  open applications an operator's office accepted
#   deadlines       SWEEP#<date>#<shard> / <id>                  what the deadline sweep must look at on a date
TABLE_INDEXES: dict[str, tuple[str, str, str]] = {
    "history": ("GSI1PK", "GSI1SK", "KEYS_ONLY"),
    "work_queue": ("GSI2PK", "GSI2SK", "INCLUDE"),
    "accepted_queue": ("GSI4PK", "GSI4SK", "INCLUDE"),
    "deadlines": ("GSI3PK", "GSI3SK", "INCLUDE"),
}
# What the work queues show without reading the application itself.
WORK_QUEUE_ATTRIBUTES = [
    "service_id",
    "status",
    "due_date",
    "due_date_at_state_corp",
    "risk",
    "registered_at",
    "waiting_for",
]
# The deadline index is sharded so that no partition runs hot on a busy day.
SWEEP_SHARDS = 8
# What the deadline sweep needs without reading the application itself (GSI2PK: the deciding office).
SWEEP_ATTRIBUTES = ["service_id", "status", "due_date", "due_date_at_state_corp", "risk", "GSI2PK", "waiting_for"]
TABLE_TTL_ATTRIBUTE = "expires_at"

# Queue purposes the app consumes. The visibility timeout is at least 6x the consuming function's timeout
# (AWS's advice for SQS event sources), and a message goes to the purpose's DLQ after 5 receives.
FUNCTION_TIMEOUT_SECONDS: dict[str, int] = {
    "lookups": 30,
    "decisions": 60,
    "notifications": 30,
    "proactive": 30,
    "documents": 30,
}
# Uploads land in the documents bucket under this prefix; the bucket tells the `documents` queue.
UPLOAD_PREFIX = "uploads/"
RENDERED_PREFIX = "rendered/"  # printable PDFs rendered once by the decisions worker (adapters/rendered.py)
# Objects the documents worker refused (no issued slot, wrong bytes, too large) are moved here, never served.
QUARANTINE_PREFIX = "quarantine/"
# An accepted upload is moved here (out of reach of its pre-signed POST, which could otherwise overwrite it).
RECEIVED_PREFIX = "received/"
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
        indexes.append(
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": hash_key, "KeyType": "HASH"},
                    {"AttributeName": range_key, "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": projection,
                    **(
                        {"NonKeyAttributes": SWEEP_ATTRIBUTES if name == "deadlines" else WORK_QUEUE_ATTRIBUTES}
                        if projection == "INCLUDE"
                        else {}
                    ),
                },
            }
        )
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "KeySchema": [
            {"AttributeName": TABLE_KEYS["hash"], "KeyType": "HASH"},
            {"AttributeName": TABLE_KEYS["range"], "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": indexes,
    }

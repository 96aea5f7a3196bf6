"""SQS publisher: outbox messages, batched per queue with SendMessageBatch (10 a call)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.domain.application import OutboxMessage

BATCH = 10


class PublishFailed(Exception):
    def __init__(self, failed: list[str]) -> None:
        super().__init__(f"{len(failed)} message(s) were not accepted by SQS")
        self.failed = failed


class SqsPublisher:
    def __init__(self, client_factory: Callable[[], Any], queue_name: Callable[[str], str]) -> None:
        self._client_factory = client_factory
        self._queue_name = queue_name
        self._urls: dict[str, str] = {}

    def _url(self, purpose: str) -> str:
        if purpose not in self._urls:
            client = self._client_factory()
            self._urls[purpose] = client.get_queue_url(QueueName=self._queue_name(purpose))["QueueUrl"]
        return self._urls[purpose]

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        by_queue: dict[str, list[OutboxMessage]] = defaultdict(list)
        for message in messages:
            by_queue[message.queue].append(message)
        failed: list[str] = []
        client = self._client_factory()
        for queue, queued in by_queue.items():
            url = self._url(queue)
            for start in range(0, len(queued), BATCH):
                chunk = queued[start : start + BATCH]
                entries = [
                    {
                        "Id": str(i),
                        "MessageBody": json.dumps({**m.body, "message_key": m.key}, ensure_ascii=False),
                    }
                    for i, m in enumerate(chunk)
                ]
                result = client.send_message_batch(QueueUrl=url, Entries=entries)
                failed.extend(chunk[int(f["Id"])].key for f in result.get("Failed", []))
        if failed:
            raise PublishFailed(failed)

"""One SQS message made visible after a delay (`DelaySeconds`, at most 15 minutes): retries with backoff."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib.domain.application import OutboxMessage

MAX_DELAY_SECONDS = 900


class SqsDelayedPublisher:
    """DelayedPublisher (services/ports.py). The body gets `message_key`, as SqsPublisher gives it."""

    def __init__(self, client_factory: Callable[[], Any], queue_name: Callable[[str], str]) -> None:
        self._client_factory = client_factory
        self._queue_name = queue_name
        self._urls: dict[str, str] = {}

    def publish_later(self, message: OutboxMessage, delay_seconds: int) -> None:
        client = self._client_factory()
        if message.queue not in self._urls:
            self._urls[message.queue] = client.get_queue_url(QueueName=self._queue_name(message.queue))["QueueUrl"]
        client.send_message(
            QueueUrl=self._urls[message.queue],
            MessageBody=json.dumps({**message.body, "message_key": message.key}, ensure_ascii=False),
            DelaySeconds=max(0, min(int(delay_seconds), MAX_DELAY_SECONDS)),
        )

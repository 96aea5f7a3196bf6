"""Queueing a notice to the citizen (personal account + SMS) or to officials, through the outbox.

The message key comes from the purpose (`notification_key`), so a notice is queued once per purpose and
the notifications worker can send it at most once however often the message is delivered.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.application import Application
from chalicelib.domain.notifications import notification_key
from chalicelib.services.messages import Notify


def notify(
    application: Application, purpose: str, *, audience: str = "applicant", extra: str = "", **values: Any
) -> None:
    key = notification_key(application.id, purpose, extra)
    message = Notify(purpose=purpose, audience=audience, application_id=application.id, values=values)
    application.send(message.queue, key, message.body())

"""SMS through Amazon SNS (AWS End User Messaging SMS): one `Publish` to a phone number per message.

The message is Transactional (routed for reliability: codes and legal notices) and carries the sender id the
citizens know. Each send is logged with the masked number, the encoding and the number of segments it costs, never
the number or the text (a text may hold a one-time code). On the local stack that log line is how a developer sees
SMS go out; `python -m local.outbox` prints them in full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.sms import encoding, segments
from chalicelib.observability import logger
from chalicelib.services.ports import SmsRejected


def mask_phone(phone: str) -> str:
    """`+7*******567`: enough to tell numbers apart in a log, not enough to call one."""
    return f"{phone[:2]}{'*' * max(0, len(phone) - 5)}{phone[-3:]}" if len(phone) > 5 else "***"


class SnsSmsSender:
    """SmsSender (services/ports.py) on SNS."""

    def __init__(self, client_factory: Callable[[], Any], *, sender_id: str, sms_type: str = "Transactional") -> None:
        self._client_factory = client_factory
        self._sender_id = sender_id
        self._sms_type = sms_type

    def send(self, phone: str, text: str) -> str:
        try:
            response = self._client_factory().publish(
                PhoneNumber=phone,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": self._sms_type},
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
                },
            )
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            code = str(exc.response.get("Error", {}).get("Code", ""))
            logger.warning("sms refused", extra={"to": mask_phone(phone), "error": code, "http_status": status})
            if 400 <= status < 500:  # SNS answered and refused: nothing went out
                raise SmsRejected(code) from None
            raise
        message_id = str(response["MessageId"])
        logger.info(
            "sms sent",
            extra={
                "to": mask_phone(phone),
                "encoding": encoding(text),
                "segments": segments(text),
                "provider_message_id": message_id,
            },
        )
        return message_id

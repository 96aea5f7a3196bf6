"""What each Lambda function may touch, declared once per function (least privilege).

The stack gives every function Chalice synthesises its own IAM role built from this table, plus what
follows from the function's own triggers (consuming its SQS queue, writing its log group, X-Ray). A
function the app declares but this table does not is an error at synth time: a new handler gets no
permission by accident, and none by default.

Why each entry is what it is:
- Every function that changes an application dispatches the application's outbox, which may hold a
  message for any queue (and the deadline sweep re-sends what a crash left behind): they may send to
  every work queue. Only functions that never change applications would get less.
- PERSON_KEY_SECRET keys the person index (HMAC of the IIN); the repository needs it wherever it is built.
- The webhook secrets, the OTP secret and the console's session secret are only used by routes, all served by
  `api_handler`.
- Only `decisions_worker` signs result documents (the signing key's policy names its role alone);
  verification (`POST /results/verify`) needs only the public key.
- Only `notifications_worker` sends SMS (the brief). NB: the code also sends SMS directly from `api_handler`
  (one-time codes), `proactive_worker` (offers, replies to inbound SMS) and `proactive_timers` (reminders):
  those calls are refused until they go through the notifications queue or `send_sms=True` is given here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.adapters.resources import QUARANTINE_PREFIX, RECEIVED_PREFIX, RENDERED_PREFIX, UPLOAD_PREFIX

# The secrets the app reads, by the environment variable config.py reads today. In AWS a function
# receives `<NAME>_ARN` (the Secrets Manager secret's ARN) and resolves it at cold start.
SECRET_NAMES = (
    "SMS_WEBHOOK_SECRET",
    "GATEWAY_WEBHOOK_SECRET",
    "PERSON_KEY_SECRET",
    "OTP_SECRET",
    "GATEWAY_SENDER_PASSWORD",
    "GATEWAY_SIGNING_KEY_PEM",
    "GATEWAY_SIGNING_CERT_PEM",
    "CONSOLE_SESSION_SECRET",
)
# What a function that asks registries through the e-government gateway (ШЭП) needs: its login and the key and
# certificate it signs each SendMessage with (chalicelib/adapters/shep_wss.py).
GATEWAY_SECRETS = ("GATEWAY_SENDER_PASSWORD", "GATEWAY_SIGNING_KEY_PEM", "GATEWAY_SIGNING_CERT_PEM")

ALL_WORK_QUEUES = "*"


@dataclass(frozen=True)
class Access:
    table: Literal["read", "read_write"] | None = "read_write"
    # queue purposes (resources.queue_name) the function sends to, or ALL_WORK_QUEUES
    send_to: tuple[str, ...] | str = ()
    secrets: tuple[str, ...] = ()
    sign_results: bool = False
    read_signing_public_key: bool = False
    # S3 key prefixes of the documents bucket
    put_documents: tuple[str, ...] = ()
    read_documents: tuple[str, ...] = ()
    delete_documents: tuple[str, ...] = ()
    send_sms: bool = False


FUNCTION_ACCESS: dict[str, Access] = {
    "api_handler": Access(
        send_to=ALL_WORK_QUEUES,
        secrets=(
            "SMS_WEBHOOK_SECRET",
            "GATEWAY_WEBHOOK_SECRET",
            "PERSON_KEY_SECRET",
            "OTP_SECRET",
            *GATEWAY_SECRETS,  # the eligibility pre-check asks registries while the citizen waits
            "CONSOLE_SESSION_SECRET",
        ),  # the staff console's session cookie is sealed with it
        read_signing_public_key=True,
        put_documents=(UPLOAD_PREFIX,),  # signs the pre-signed POST: the upload runs with this role's rights
        # serves the PDFs the decisions worker rendered; signs the official's short-lived download link of a document
        read_documents=(RENDERED_PREFIX, RECEIVED_PREFIX),
        send_sms=True,  # the one-time password goes out while the citizen waits for it, not through a queue
    ),
    "lookups_worker": Access(send_to=ALL_WORK_QUEUES, secrets=("PERSON_KEY_SECRET", *GATEWAY_SECRETS)),
    "decisions_worker": Access(
        send_to=ALL_WORK_QUEUES,
        secrets=("PERSON_KEY_SECRET",),
        sign_results=True,
        read_signing_public_key=True,
        put_documents=(RENDERED_PREFIX,),
    ),  # renders the printable PDFs, once each
    "notifications_worker": Access(send_to=ALL_WORK_QUEUES, secrets=("PERSON_KEY_SECRET",), send_sms=True),
    # answers the citizen's SMS in the dialogue at once (the reply is the conversation's next step)
    "proactive_worker": Access(send_to=ALL_WORK_QUEUES, secrets=("PERSON_KEY_SECRET", *GATEWAY_SECRETS), send_sms=True),
    # reads an upload's size and first bytes; moves it to received/ (accepted) or quarantine/ (refused)
    "documents_worker": Access(
        send_to=ALL_WORK_QUEUES,
        secrets=("PERSON_KEY_SECRET",),
        read_documents=(UPLOAD_PREFIX,),
        put_documents=(QUARANTINE_PREFIX, RECEIVED_PREFIX),
        delete_documents=(UPLOAD_PREFIX,),
    ),
    "deadline_sweep": Access(send_to=ALL_WORK_QUEUES, secrets=("PERSON_KEY_SECRET",)),
    # moves the stored due dates when the working-day calendar changes (a full pass over open applications)
    "calendar_changes": Access(send_to=ALL_WORK_QUEUES, secrets=("PERSON_KEY_SECRET",)),
    # reminders and expiries of unanswered proactive offers (SMS go through the notifications queue)
    "proactive_timers": Access(send_to=ALL_WORK_QUEUES, secrets=("PERSON_KEY_SECRET",)),
}

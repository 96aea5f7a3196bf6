"""`python -m local.outbox`: the SMS the local stack has sent, as JSON lines (`to`, `text`, `sent_at`), oldest first.

`--phone +77...` keeps one number's; `--since 2026-11-24T10:00` those sent from then on (a time without an offset is
Almaty time; `sent_at` is UTC); `--last N` only the newest N. The SMS are read from the local AWS endpoint's own
outbox (`GET <endpoint>/_local/sms`, local/moto_server.py), filtered there: fast with thousands of SMS. `sent_at` is
when the SMS went out through moto. The endpoint is the one `make run` wrote to `.local/stack.json` (`--endpoint`
overrides). When the stack is not running it says so (exit code 1). Development only: texts hold codes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.local_time import ALMATY
from local.stack import REGION, STATE_FILE

DEFAULT_TABLE = "social-benefits"
# Six digits standing alone: not the date that starts an application number (`№261124-8415G1NM`).
_CODE = re.compile(r"(?<![\w№-])(\d{6})(?![\w-])")


def one_time_code(text: str) -> str | None:
    """The 6-digit one-time password in an SMS text, as the citizen reads it off their phone (None if there is none)."""
    match = _CODE.search(text)
    return match.group(1) if match else None


class StackDown(Exception):
    """The local stack does not answer at the endpoint."""


def sent_sms(
    endpoint: str, *, phone: str | None = None, since: str | None = None, last: int | None = None
) -> list[dict[str, Any]]:
    """The SMS moto recorded, oldest first: `message_id`, `phone_number`, `message`, `sent_at` (UTC, RFC 3339).
    `since` is an instant as `sent_at` writes it. StackDown when nothing answers at `endpoint`."""
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError("The AWS endpoint is an http(s) URL.")
    query = {
        k: v
        for k, v in (("phone", phone), ("since", since), ("limit", str(last) if last is not None else None))
        if v is not None
    }
    url = f"{endpoint.rstrip('/')}/_local/sms?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - scheme checked above
            data = json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise StackDown(f"The local stack does not answer at {endpoint}: is `make run` running? ({exc})") from None
    return [
        {"message_id": m["message_id"], "phone_number": m["to"], "message": m["text"], "sent_at": m["sent_at"]}
        for m in data["items"]
    ]


def utc_instant(text: str) -> str:
    """`2026-11-24T10:00` (Almaty time) or `2026-11-24T05:00Z` as `sent_at` writes it: `2026-11-24T05:00:00.000Z`."""

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ALMATY)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sent_times(endpoint: str, table: str, message_ids: list[str]) -> dict[str, str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client: Any = boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto's dummy credentials
    )
    times: dict[str, str] = {}
    for start in range(0, len(message_ids), 100):
        keys = [{"PK": {"S": f"SMS#{m}"}, "SK": {"S": "SMS"}} for m in message_ids[start : start + 100]]
        try:
            result = client.batch_get_item(RequestItems={table: {"Keys": keys}})
        except (BotoCoreError, ClientError):
            return times
        for item in result.get("Responses", {}).get(table, []):
            times[item["PK"]["S"].removeprefix("SMS#")] = item["sent_at"]["S"]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.outbox", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", help="the AWS (moto) endpoint; default: aws_endpoint of .local/stack.json")
    parser.add_argument("--phone", help="only the SMS to this number (+77XXXXXXXXX)")
    parser.add_argument("--since", help="only the SMS sent from then on: 2026-11-24T10:00 (Almaty) or ...Z (UTC)")
    parser.add_argument("--last", type=int, help="only the newest N")
    args = parser.parse_args(argv)
    endpoint = args.endpoint
    if not endpoint:
        if not STATE_FILE.is_file():
            print("No local stack: start it with `make run`.", file=sys.stderr)
            return 1
        endpoint = json.loads(STATE_FILE.read_text())["aws_endpoint"]
    try:
        since = utc_instant(args.since) if args.since else None
    except ValueError:
        print(f"--since is a time such as 2026-11-24T10:00, not {args.since!r}.", file=sys.stderr)
        return 2
    try:
        messages = sent_sms(endpoint, phone=args.phone, since=since, last=args.last)
    except StackDown as exc:
        print(f"{exc}\nStart it with `make run`.", file=sys.stderr)
        return 1
    for message in messages:
        print(
            json.dumps(
                {"to": message["phone_number"], "text": message["message"], "sent_at": message["sent_at"]},
                ensure_ascii=False,
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

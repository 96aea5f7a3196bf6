"""`python -m local.outbox`: every SMS the local stack has sent so far, as JSON lines (`to`, `text`, `sent_at`).

The SMS are read from moto (`GET <aws endpoint>/moto-api/data.json`, sns -> SMS); `sent_at` comes from the app's own
record of the provider message id (`SMS#<id>` in the table; null for an SMS the app did not record). The endpoint
is the one `make run` wrote to `.local/stack.json` (`--endpoint` overrides). Development only: texts hold codes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from typing import Any

from local.stack import REGION, STATE_FILE

DEFAULT_TABLE = "social-benefits"
# Six digits standing alone: not the date that starts an application number (`№261124-8415G1NM`).
_CODE = re.compile(r"(?<![\w№-])(\d{6})(?![\w-])")


def one_time_code(text: str) -> str | None:
    """The 6-digit one-time password in an SMS text, as the citizen reads it off their phone (None if there is none)."""
    match = _CODE.search(text)
    return match.group(1) if match else None


def sent_sms(endpoint: str) -> list[dict[str, str]]:
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError("The AWS endpoint is an http(s) URL.")
    url = f"{endpoint.rstrip('/')}/moto-api/data.json"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - scheme checked above
        data = json.loads(response.read())
    return list(data.get("sns", {}).get("SMS", []))


def sent_times(endpoint: str, table: str, message_ids: list[str]) -> dict[str, str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client: Any = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="local",
                               aws_secret_access_key="local")  # noqa: S106 - moto's dummy credentials
    times: dict[str, str] = {}
    for start in range(0, len(message_ids), 100):
        keys = [{"PK": {"S": f"SMS#{m}"}, "SK": {"S": "SMS"}} for m in message_ids[start:start + 100]]
        try:
            result = client.batch_get_item(RequestItems={table: {"Keys": keys}})
        except (BotoCoreError, ClientError):
            return times
        for item in result.get("Responses", {}).get(table, []):
            times[item["PK"]["S"].removeprefix("SMS#")] = item["sent_at"]["S"]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.outbox", description=__doc__)
    parser.add_argument("--endpoint", help="the AWS (moto) endpoint; default: aws_endpoint of .local/stack.json")
    parser.add_argument("--table", default=DEFAULT_TABLE)
    args = parser.parse_args(argv)
    endpoint = args.endpoint
    if not endpoint:
        if not STATE_FILE.is_file():
            print("No local stack: start it with `make run`.", file=sys.stderr)
            return 1
        endpoint = json.loads(STATE_FILE.read_text())["aws_endpoint"]
    messages = sent_sms(endpoint)
    times = sent_times(endpoint, args.table, [m["message_id"] for m in messages])
    for message in messages:
        print(json.dumps({"to": message["phone_number"], "text": message["message"],
                          "sent_at": times.get(message["message_id"])}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

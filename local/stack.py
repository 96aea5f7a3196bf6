"""The local stack: everything `make run` starts, with no AWS account.

- moto in server mode on 127.0.0.1 as the AWS endpoint (DynamoDB, SQS, SNS, KMS, S3), one request at a time, its
  state saved to `.local/aws-state.pickle` every few seconds and on stop, and restored on start (local/moto_server.py);
- every resource the app expects, created from chalicelib/adapters/resources.py;
- the e-government gateway simulator with the synthetic registries (REGISTRY_SEED);
- the API on Chalice's local server;
- a queue pump that feeds SQS messages to the app's own `on_sqs_message` handlers, as Lambda would,
  with partial batch responses (a failed message stays, is retried, and reaches its DLQ after 5 receives);
- a schedule ticker that fires the app's `schedule` handlers.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCAL_DIR = Path(__file__).resolve().parent.parent / ".local"
STATE_FILE = LOCAL_DIR / "stack.json"
AWS_STATE_NAME = "aws-state.pickle"
DEFAULT_SAVE_SECONDS = 2.0
REGION = "eu-central-1"
CONSOLE_CLIENT_ID = "social-benefits-console"
LOCAL_CONSOLE_SECRET = "local-console-session-secret-0123456789"  # noqa: S105 (development only)
LOCAL_DATA_DIR = Path(__file__).parent / "seed" / "data"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LambdaContext:
    """Enough of Lambda's context object for the handlers and Powertools."""

    def __init__(self, function_name: str, timeout_s: int = 60) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def serve_api(app: Any, port: int) -> tuple[Any, threading.Thread]:
    """The app on Chalice's local server, 127.0.0.1:`port`, served from a daemon thread (`server.shutdown()`
    stops it). The app reads its settings from the environment as it would on Lambda."""
    from chalice.config import Config

    from local.api_server import create_api_server

    config = Config.create(chalice_app=app, app_name="social-benefits", chalice_stage="local")
    server = create_api_server(app, config, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, name="api", daemon=True)
    thread.start()
    return server, thread


def resolve_handler(handler_string: str) -> Any:
    module_name, _, attr = handler_string.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def schedule_event(rule_name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:123456789012:rule/{rule_name}"],
        "detail": {},
    }


def pump_once(app: Any, sqs: Any, wait_seconds: int = 0) -> int:
    """Receive one batch from each queue the app consumes and hand it to its handler, as Lambda's
    event source mapping would (ReportBatchItemFailures: only the failed messages stay). Returns the
    number of messages received, handled or not (a failed one comes back after its visibility timeout)."""
    from chalice.app import SQSEventConfig

    handled = 0
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig) or not source.queue:
            continue
        url, arn = _queue_address(sqs, source.queue)
        received = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(source.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            continue
        handled += len(received)
        handler = resolve_handler(source.handler_string)
        try:
            result = handler(sqs_event(received, arn), LambdaContext(source.name))
        except Exception as exc:  # the whole batch failed: every message stays for redelivery
            print(f"[queue-pump] {source.queue}: batch failed: {type(exc).__name__}", flush=True)
            continue
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [m for m in received if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
                ],
            )
    return handled


_QUEUE_ADDRESSES: dict[tuple[str, str], tuple[str, str]] = {}


def _queue_address(sqs: Any, queue: str) -> tuple[str, str]:
    """A queue's URL and ARN, asked once per endpoint: the pump polls every queue several times a second, and two
    look-ups per poll would be two thirds of what it asks moto."""
    key = (str(sqs.meta.endpoint_url), queue)
    if key not in _QUEUE_ADDRESSES:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        _QUEUE_ADDRESSES[key] = (url, arn)
    return _QUEUE_ADDRESSES[key]


def fire_schedules(app: Any) -> None:
    from chalice.app import CloudWatchEventConfig, ScheduledEventConfig

    for source in app.event_sources:
        if isinstance(source, ScheduledEventConfig | CloudWatchEventConfig):
            resolve_handler(source.handler_string)(schedule_event(source.name), LambdaContext(source.name))


@dataclass
class LocalStack:
    api_port: int = 8000
    moto_port: int = 0
    gateway_port: int = 0
    tick_seconds: float = 60.0
    pump_interval: float = 0.2
    seed: str | None = None
    ncalayer_port: int = 13579
    ncalayer_signer: str | None = None
    aws_state_file: Path | None = None
    """Where moto's state is kept across restarts (None: nothing is kept, e.g. `make demo`)."""
    save_seconds: float = DEFAULT_SAVE_SECONDS
    reset: bool = False
    """Start empty: the kept state, if any, is deleted first (`make reset`, `python -m local.run --reset`)."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _closers: list[Any] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def environment(self, moto_url: str, gateway_url: str, idp_url: str = "", ncalayer_url: str = "") -> dict[str, str]:
        from local.dev_ca import trust_anchor_pem
        from local.devkeys import AUDIENCE, ISSUER, jwks_for, private_key_pem
        from local.gateway_participant import client_environment

        return {
            **client_environment(),
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "STAGE": "local",
            "TABLE_NAME": "social-benefits",
            "JWKS_JSON": json.dumps(jwks_for(private_key_pem())),
            "JWT_ISSUER": ISSUER,
            "JWT_AUDIENCE": AUDIENCE,
            "GATEWAY_URL": gateway_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.api_port}",
            "SMS_WEBHOOK_SECRET": os.environ.get("SMS_WEBHOOK_SECRET", "local-sms-secret"),
            "GATEWAY_WEBHOOK_SECRET": os.environ.get("GATEWAY_WEBHOOK_SECRET", "local-gateway-secret"),
            "PERSON_KEY_SECRET": os.environ.get("PERSON_KEY_SECRET", "local-person-key-secret"),
            "OTP_SECRET": os.environ.get("OTP_SECRET", "local-otp-secret"),
            "POWERTOOLS_METRICS_NAMESPACE": "SocialBenefits",
            "POWERTOOLS_DEV": "false",
            "EDS_TRUST_ANCHORS_PEM": os.environ.get("EDS_TRUST_ANCHORS_PEM") or trust_anchor_pem(),
            # the staff console signs in at the development identity provider (local/dev_idp.py) and signs
            # decisions through the NCALayer stand-in (local/ncalayer.py)
            "OIDC_ISSUER": ISSUER,
            "OIDC_CLIENT_ID": CONSOLE_CLIENT_ID,
            "OIDC_AUTHORIZATION_ENDPOINT": f"{idp_url}/authorize",
            "OIDC_TOKEN_ENDPOINT": f"{idp_url}/token",
            "OIDC_REDIRECT_URI": self.console_redirect_uri,
            "CONSOLE_SESSION_SECRET": os.environ.get("CONSOLE_SESSION_SECRET", LOCAL_CONSOLE_SECRET),
            "NCALAYER_URL": ncalayer_url,
            # The synthetic world's legal figures laid over the shipped ones (the TSA poverty line's regional
            # inputs: local/seed/data/poverty_line.json), like the registry seed; an operator's folder instead.
            "SB_DATA_OVERRIDE_DIR": os.environ.get("SB_DATA_OVERRIDE_DIR") or str(LOCAL_DATA_DIR),
        }

    @property
    def console_redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/console/callback"

    def start(self) -> dict[str, Any]:
        import logging

        from local.moto_server import LocalAwsServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if self.reset and self.aws_state_file is not None:
            self.aws_state_file.unlink(missing_ok=True)
        self._aws = LocalAwsServer(
            port=self.moto_port or free_port(), state_file=self.aws_state_file, save_interval=self.save_seconds
        )
        moto_url = self._aws.start()
        self._closers.append(self._aws.stop)

        gateway_url = self._start_gateway()
        idp_url = self._start_identity_provider()
        from local.dev_ca import crl_bytes
        from local.test_ca import CrlServer

        crl = CrlServer(crl_bytes).__enter__()  # the development CA's revocation list, named in its officials' certs
        self._closers.append(lambda: crl.__exit__(None, None, None))
        ncalayer_url = self._start_ncalayer(crl.url)
        env = self.environment(moto_url, gateway_url, idp_url, ncalayer_url)
        os.environ.update(env)

        from chalicelib import bootstrap

        bootstrap.reset()
        container = bootstrap.container()
        from local.provision import provision

        provision(container.settings, container.client)

        import app as app_module

        self._start_api(app_module.app)
        self._start_loop("queue-pump", lambda: self._pump(app_module.app, container), self.pump_interval)
        self._start_loop(
            "schedule-ticker", lambda: fire_schedules(app_module.app), self.tick_seconds, first_delay=self.tick_seconds
        )
        self.info = {
            "api": f"http://127.0.0.1:{self.api_port}",
            "aws_endpoint": moto_url,
            "gateway": gateway_url,
            "sms_webhook_secret": env["SMS_WEBHOOK_SECRET"],
            "gateway_webhook_secret": env["GATEWAY_WEBHOOK_SECRET"],
            "jwt_issuer": env["JWT_ISSUER"],
            "jwt_audience": env["JWT_AUDIENCE"],
            "console": f"http://127.0.0.1:{self.api_port}/console",
            "identity_provider": idp_url,
            "ncalayer": ncalayer_url or "not started (port busy)",
            "state": (
                f"{self.aws_state_file} (every {self.save_seconds:g} s and on stop; "
                + ("restored" if self._aws.stats.restored_from else "new")
                + ")"
            )
            if self.aws_state_file
            else "not kept",
            "crl_url": crl.url,
        }
        LOCAL_DIR.mkdir(exist_ok=True)
        STATE_FILE.write_text(json.dumps(self.info, indent=2))
        return self.info

    def _start_gateway(self) -> str:
        try:
            from local.gateway_sim import GatewaySimulator
        except ImportError:
            return ""
        seed = Path(self.seed) if self.seed else None
        sim = GatewaySimulator(seed_path=seed, port=self.gateway_port)
        url = sim.start()
        self._closers.append(sim.stop)
        return url

    def _start_identity_provider(self) -> str:
        from local.dev_idp import DevIdentityProvider

        provider = DevIdentityProvider(clients={CONSOLE_CLIENT_ID: (self.console_redirect_uri,)})
        url = provider.start()
        self._closers.append(provider.stop)
        return url

    def _start_ncalayer(self, crl_url: str | None = None) -> str:
        """The NCALayer stand-in on its usual port (13579); when that port is taken (a real NCALayer, another stack),
        on a free one: the console reads its address from NCALAYER_URL."""
        from local.ncalayer import NCALayerStandIn

        for port in dict.fromkeys((self.ncalayer_port, 0)):
            stand_in = NCALayerStandIn(port=port, signer_iin=self.ncalayer_signer, crl_url=crl_url)
            try:
                url = stand_in.start()
            except OSError:
                continue
            self._closers.append(stand_in.stop)
            return url
        return ""

    def _start_api(self, app: Any) -> None:
        server, thread = serve_api(app, self.api_port)
        self._threads.append(thread)
        self._closers.append(server.shutdown)

    def _pump(self, app: Any, container: Any) -> None:
        while not self._stop.is_set() and pump_once(app, container.client("sqs")):
            pass

    def _start_loop(self, name: str, work: Any, interval: float, first_delay: float = 0.0) -> None:
        def loop() -> None:
            if self._stop.wait(first_delay):
                return
            while not self._stop.is_set():
                try:
                    work()
                except Exception as exc:  # keep the stack alive; the handlers log their own errors
                    print(f"[{name}] {type(exc).__name__}: {exc}", flush=True)
                self._stop.wait(interval)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop the loops first (they talk to moto and the gateway), then the servers. Every thread is a
        daemon: one still busy after its short wait ends with the process."""
        self._stop.set()
        for thread in self._threads:
            if thread.name in ("queue-pump", "schedule-ticker"):
                thread.join(timeout=3)
        for close in reversed(self._closers):
            try:
                close()
            except Exception as exc:
                print(f"[stop] {type(exc).__name__}: {exc}", flush=True)

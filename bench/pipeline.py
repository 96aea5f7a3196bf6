"""The whole pipeline in-process, metered: moto (`mock_aws`), the gateway simulator, the app's own handlers.

An application is filed through the API handler itself (`app.app` with an API Gateway proxy event and a bearer
token), then the queues are pumped with `local.stack.pump_once` (as Lambda's event source mappings would) until
they are quiet. Every AWS request is recorded by `bench.meter.AwsMeter` with the phase it ran in: the Lambda
function (`api_handler`, `lookups_worker`, ...), `pump` (the polling Lambda does for us) or `harness`.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.lambda_events import proxy_event
from bench.meter import DYNAMO_READS, DYNAMO_WRITES, AwsMeter, Request, Tally, phase
from local.families import application_body, operator_iin

ROOT = Path(__file__).resolve().parent.parent
API_FUNCTION = "api_handler"
SQS_BATCH = 10
OPERATOR_OFFICE = "employment-center-aktobe-01"
# How each service is filed here: in person where the service needs a signature (the official's acceptance
# stands for it), on the portal by the citizen where it needs none.
FILING = {
    "targeted-social-assistance": ("provider_office", "operator"),
    "caregiver-allowance": ("state_corp", "operator"),
    "special-social-services": ("provider_office", "operator"),
    "child-disability-benefit": ("portal", "citizen"),
}
ENV = {
    # the synthetic world's legal figures (the TSA poverty line's regional inputs), as on the local stack
    "SB_DATA_OVERRIDE_DIR": str(Path(__file__).parent.parent / "local" / "seed" / "data"),
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_REGION": "eu-central-1",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "STAGE": "bench",
    "TABLE_NAME": "social-benefits-bench",
    "JWT_ISSUER": "https://idp.bench.egov.kz",
    "JWT_AUDIENCE": "social-benefits",
    "PERSON_KEY_SECRET": "bench-person-key",
    "OTP_SECRET": "bench-otp-secret",
    "SMS_WEBHOOK_SECRET": "bench-sms-secret",
    "GATEWAY_WEBHOOK_SECRET": "bench-gateway-secret",
    "POWERTOOLS_METRICS_NAMESPACE": "SocialBenefitsBench",
    "POWERTOOLS_SERVICE_NAME": "social-benefits",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "LOG_LEVEL": "INFO",
}
IDP_KID = "bench-1"


@dataclass(frozen=True)
class Invocation:
    function: str
    seconds: float
    records: int
    failed: int


@contextmanager
def stdout_into_file() -> Iterator[Callable[[], int]]:
    """Send fd 1 (the handlers' structured logs and EMF metrics) to a scratch file; yields its size so far."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)

        def written() -> int:
            sys.stdout.flush()
            return os.fstat(sink.fileno()).st_size

        try:
            yield written
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def lambda_memory_mb() -> tuple[dict[str, int], int, str]:
    """Memory per function from .chalice/config.json (per-function setting, else the app's, else Chalice's 128)."""
    config_file = ROOT / ".chalice" / "config.json"
    if not config_file.is_file():
        return {}, 128, "Chalice default (no .chalice/config.json)"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    default = int(config.get("lambda_memory_size", 128))
    per_function = {
        name: int(spec["lambda_memory_size"])
        for name, spec in config.get("lambda_functions", {}).items()
        if "lambda_memory_size" in spec
    }
    return per_function, default, ".chalice/config.json"


class PipelineBench:
    """moto + gateway simulator + the app, metered. Use as a context manager."""

    def __init__(self, meter: AwsMeter) -> None:
        self.meter = meter
        self.invocations: list[Invocation] = []
        self._stack = ExitStack()
        self._saved_env: dict[str, str] = {}
        self.sim: Any = None
        self.app: Any = None
        self.log_bytes: Callable[[], int] = lambda: 0
        self._idp_key = b""
        self._operator = ""

    # -- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> PipelineBench:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        from local.devkeys import jwks_for

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._idp_key = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._operator = operator_iin()
        self._saved_env = dict(os.environ)
        os.environ.update({**ENV, "JWKS_JSON": json.dumps(jwks_for(self._idp_key, kid=IDP_KID))})
        os.environ.pop("AWS_ENDPOINT_URL", None)
        self.meter.install()
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        from moto import mock_aws

        import local.stack
        from chalicelib import bootstrap
        from chalicelib.entrypoints.auth import reset_keys
        from local.gateway_sim import GatewaySimulator
        from local.provision import provision

        self._stack.callback(self._restore_env)
        self._stack.enter_context(mock_aws())
        bootstrap.reset()
        reset_keys()
        with phase("harness"):
            container = bootstrap.container()
            provision(container.settings, container.client)
        self.sim = self._stack.enter_context(GatewaySimulator())
        from local.gateway_participant import client_environment

        os.environ.update(client_environment())  # the back office's gateway login and signing certificate
        os.environ["GATEWAY_URL"] = self.sim.base_url
        bootstrap.reset()  # the next container reads the simulator's URL; moto keeps its resources
        self._stack.callback(bootstrap.reset)

        original = local.stack.resolve_handler
        local.stack.resolve_handler = self._resolver(original)  # type: ignore[assignment]
        self._stack.callback(setattr, local.stack, "resolve_handler", original)
        self.log_bytes = self._stack.enter_context(stdout_into_file())

        import app as app_module

        self.app = app_module.app

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self.meter.uninstall()

    def _restore_env(self) -> None:
        os.environ.clear()
        os.environ.update(self._saved_env)

    def _resolver(self, original: Callable[[str], Any]) -> Callable[[str], Any]:
        def resolve(handler_string: str) -> Any:
            handler = original(handler_string)
            name = handler_string.rpartition(".")[2]

            def invoke(event: dict[str, Any], context: Any) -> Any:
                started = time.perf_counter()
                result: Any = None
                try:
                    with phase(name):
                        result = handler(event, context)
                    return result
                finally:
                    records = len(event.get("Records", []))
                    failed = len((result or {}).get("batchItemFailures", [])) if result is not None else records
                    self.invocations.append(Invocation(name, time.perf_counter() - started, records, failed))

            return invoke

        return resolve

    # -- driving the pipeline ---------------------------------------------------------------------------------

    def token(self, iin: str, role: str, org: str | None) -> str:
        from local.devkeys import mint

        return mint(
            self._idp_key,
            iin=iin,
            role=role,
            org=org,
            issuer=ENV["JWT_ISSUER"],
            audience=ENV["JWT_AUDIENCE"],
            kid=IDP_KID,
        )

    def file(self, scenario: str) -> str:
        """File the seeded family's application through the API handler; returns its id."""
        from local.stack import LambdaContext

        family = self.sim.family(scenario)
        channel, role = FILING[family["service_id"]]
        office = OPERATOR_OFFICE if role == "operator" else None
        caller = self._operator if role == "operator" else family["applicant"]
        event = proxy_event(
            "POST",
            "/applications",
            body=application_body(family, channel=channel, office=office),
            headers={"Authorization": f"Bearer {self.token(caller, role, office)}"},
        )
        started = time.perf_counter()
        with phase(API_FUNCTION):
            response = self.app(event, LambdaContext(API_FUNCTION))
        self.invocations.append(Invocation(API_FUNCTION, time.perf_counter() - started, 1, 0))
        if response["statusCode"] != 201:
            problem = json.loads(response["body"]).get("code", "?")
            raise RuntimeError(f"filing {scenario} answered {response['statusCode']} ({problem})")
        return str(json.loads(response["body"])["id"])

    def drain(self, limit: int = 2000) -> int:
        """Pump the queues until they are quiet; returns the messages handled."""
        from chalicelib.bootstrap import container
        from local.stack import pump_once

        handled = 0
        with phase("pump"):
            sqs = container().client("sqs")
            for _ in range(limit):
                n = pump_once(self.app, sqs)
                if n == 0:
                    return handled
                handled += n
        raise RuntimeError("the queues did not go quiet")

    def status_of(self, application_id: str) -> str:
        from chalicelib.bootstrap import container

        with phase("harness"):
            return str(container().repo.get(application_id).status.value)

    def take(self) -> tuple[list[Request], list[Invocation]]:
        invocations, self.invocations = self.invocations, []
        return self.meter.take(), invocations

    # -- measurements ---------------------------------------------------------------------------------------

    def run_application(self, scenario: str) -> dict[str, Any]:
        """One application, alone, from filing to quiet queues: what it asked of AWS and of the gateway."""
        self.take()
        self.sim.clear_requests()
        logged = self.log_bytes()
        started = time.perf_counter()
        application_id = self.file(scenario)
        handled = self.drain()
        wall = time.perf_counter() - started
        requests, invocations = self.take()
        log_bytes = self.log_bytes() - logged
        gateway_requests = len(self.sim.requests)
        outcome = self.status_of(application_id)
        by_purpose = self.sms_by_purpose(requests)
        exchanges = self.message_log(application_id)
        self.meter.take()
        figures = per_application_figures(
            scenario,
            self.sim.family(scenario)["service_id"],
            outcome,
            requests,
            invocations,
            gateway_requests,
            handled,
            log_bytes,
            wall,
        )
        figures["gateway"] = gateway_share(exchanges, figures["lambda"]["seconds"].get("lookups_worker", 0.0))
        figures["sms"]["segments_by_purpose"] = by_purpose
        figures["status_poll"] = self.status_poll(scenario, application_id)
        return figures

    def message_log(self, application_id: str) -> list[dict[str, Any]]:
        """The gateway exchanges kept with the application's audit records (the client's message log)."""
        from chalicelib.bootstrap import container

        with phase("harness"):
            entries = container().audit.for_application(application_id)
        return [dict(x) for e in entries for x in e.message_log]

    def sms_by_purpose(self, requests: list[Request]) -> dict[str, int]:
        """Segments per message purpose: each SMS published, by the notification it was the attempt of."""
        from chalicelib.bootstrap import container

        by_purpose: Counter[str] = Counter()
        with phase("harness"):
            store = container().notification_store
            for r in requests:
                if r.sms_segments:
                    key = store.key_for_provider_message(r.sms_message_id) or "?:unknown"
                    by_purpose[key.split(":")[1]] += r.sms_segments
        return dict(sorted(by_purpose.items()))

    def status_poll(self, scenario: str, application_id: str) -> dict[str, Any]:
        """`GET /applications/{id}` by the applicant (a citizen: no audit record is written), as the portal polls it:
        DynamoDB read requests, items read and read units (the decided application)."""
        from local.stack import LambdaContext

        self.meter.take()
        applicant = self.sim.family(scenario)["applicant"]
        event = proxy_event(
            "GET",
            "/applications/{application_id}",
            path=f"/applications/{application_id}",
            path_parameters={"application_id": application_id},
            headers={"Authorization": f"Bearer {self.token(applicant, 'citizen', None)}"},
        )
        with phase("poll"):
            response = self.app(event, LambdaContext(API_FUNCTION))
        if response["statusCode"] != 200:
            raise RuntimeError(f"polling {scenario} answered {response['statusCode']}")
        reads = [r for r in self.meter.take() if r.service == "dynamodb" and r.operation in DYNAMO_READS]
        shown = json.loads(response["body"])
        return {
            "read_requests_by_operation": dict(sorted(Counter(r.operation for r in reads).items())),
            "items_read": sum(r.items_read for r in reads),
            "rru_estimated": round(sum(r.estimated_rru for r in reads), 2),
            "lookups_listed": len(shown["lookups"]),
            "reasons_listed": len((shown.get("decision") or {}).get("reasons") or []),
        }

    def throughput(self, scenarios: list[str]) -> dict[str, Any]:
        """File every scenario (in order), drain, and time it; then replay as many raw requests on moto."""
        self.take()
        self.sim.clear_requests()
        estimate, self.meter.estimate_capacity = self.meter.estimate_capacity, False
        try:
            started = time.perf_counter()
            ids = [self.file(s) for s in scenarios]
            handled = self.drain()
            wall = time.perf_counter() - started
            requests, invocations = self.take()
            statuses = Counter(self.status_of(i) for i in ids)
            self.meter.take()
            by_service = Counter(r.service for r in requests)
            floor = self.moto_floor(by_service)
            self.meter.take()
        finally:
            self.meter.estimate_capacity = estimate
        tally = Tally.of(requests)
        return {
            "applications": len(scenarios),
            "mix": dict(sorted(Counter(self.sim.family(s)["service_id"] for s in scenarios).items())),
            "final_statuses": dict(sorted(statuses.items())),
            "messages_handled": handled,
            "lambda_invocations": len(invocations),
            "failed_messages": sum(i.failed for i in invocations),
            "gateway_requests": len(self.sim.requests),
            "aws_requests": sum(by_service.values()),
            "aws_requests_by_service": dict(sorted(by_service.items())),
            "wall_seconds": round(wall, 2),
            "seconds_inside_aws_calls": round(tally.seconds_in_aws, 2),
            "applications_per_second": round(len(scenarios) / wall, 2),
            "moto_floor_seconds": round(floor, 2),
            "ratio_to_moto_floor": round(wall / floor, 2) if floor else None,
        }

    def moto_floor(self, by_service: Counter[str]) -> float:
        """Time to make the same number of requests per service as the cheapest calls moto serves."""
        from chalicelib.bootstrap import container

        with phase("floor"):
            c = container()
            table = c.settings.table_name
            dynamodb, sqs = c.client("dynamodb"), c.client("sqs")
            url = sqs.create_queue(QueueName="bench-floor")["QueueUrl"]
            cheap: dict[str, Callable[[], Any]] = {
                "dynamodb": lambda: dynamodb.get_item(
                    TableName=table, Key={"PK": {"S": "BENCH#missing"}, "SK": {"S": "BENCH"}}
                ),
                "sqs": lambda: sqs.send_message(QueueUrl=url, MessageBody="{}"),
                "kms": lambda: c.client("kms").describe_key(KeyId=c.settings.signing_key_id),
                "sns": lambda: c.client("sns").list_topics(),
                "s3": lambda: c.client("s3").head_bucket(Bucket=c.settings.documents_bucket),
            }
            for service in by_service:  # clients created before the clock starts
                if service in cheap:
                    cheap[service]()
            started = time.perf_counter()
            for service, n in by_service.items():
                call = cheap.get(service)
                for _ in range(n if call else 0):
                    call()  # type: ignore[misc]
            return time.perf_counter() - started


def gateway_share(exchanges: list[dict[str, Any]], lookups_worker_seconds: float) -> dict[str, Any]:
    """Bytes and time per lookup on the gateway's channel, and the share of the lookups worker's time they take."""
    n = len(exchanges)
    if not n:
        return {"exchanges": 0}
    seconds = sum(x["duration_ms"] for x in exchanges) / 1000
    return {
        "exchanges": n,
        "request_bytes_per_lookup": round(sum(x["request_bytes"] for x in exchanges) / n),
        "response_bytes_per_lookup": round(sum(x["response_bytes"] for x in exchanges) / n),
        "bytes_total": sum(x["request_bytes"] + x["response_bytes"] for x in exchanges),
        "ms_per_lookup": round(seconds * 1000 / n, 1),
        "seconds_total": round(seconds, 3),
        "share_of_lookups_worker_seconds": round(seconds / lookups_worker_seconds, 2)
        if lookups_worker_seconds
        else None,
        "statuses": dict(sorted(Counter(x["status"] for x in exchanges).items())),
    }


def per_application_figures(
    scenario: str,
    service_id: str,
    outcome: str,
    requests: list[Request],
    invocations: list[Invocation],
    gateway_requests: int,
    handled: int,
    log_bytes: int,
    wall: float,
) -> dict[str, Any]:
    app_requests = [r for r in requests if r.phase not in ("pump", "harness")]
    polling = [r for r in requests if r.phase == "pump"]
    tally, poll = Tally.of(app_requests), Tally.of(polling)
    lookups = gateway_requests
    in_lookups = [r for r in app_requests if r.phase == "lookups_worker" and r.service == "dynamodb"]
    lookup_writes = Counter(r.operation for r in in_lookups if r.operation in DYNAMO_WRITES)
    intake_sends = [
        r
        for r in app_requests
        if r.phase == API_FUNCTION and r.service == "sqs" and r.operation in ("SendMessage", "SendMessageBatch")
    ]
    fan_out: Counter[str] = Counter()
    for r in intake_sends:
        fan_out[r.queue] += r.sqs_sent
    functions = Counter(i.function for i in invocations)
    seconds: dict[str, float] = {}
    for i in invocations:
        seconds[i.function] = seconds.get(i.function, 0.0) + i.seconds
    memory, default_memory, _ = lambda_memory_mb()
    gb_seconds = sum(i.seconds * memory.get(i.function, default_memory) / 1024 for i in invocations)
    in_aws: dict[str, float] = {}
    for r in app_requests:
        in_aws[r.phase] = in_aws.get(r.phase, 0.0) + r.seconds
    return {
        "scenario": scenario,
        "service_id": service_id,
        "outcome": outcome,
        "aws_requests": sum(tally.requests.values()),
        "aws_requests_by_service": tally.by_service(),
        "aws_requests_by_operation": dict(sorted(tally.requests.items())),
        "aws_requests_by_function": {p: dict(sorted(c.items())) for p, c in sorted(tally.by_phase.items())},
        "polling_requests_by_operation": dict(sorted(poll.requests.items())),
        "dynamodb": {
            "read_requests": tally.dynamodb_read_requests,
            "write_requests": tally.dynamodb_write_requests,
            "items_written": tally.items_written,
            "rru_reported_by_moto": round(tally.reported_rru, 2),
            "wru_reported_by_moto": round(tally.reported_wru, 2),
            "rru_estimated": round(tally.estimated_rru, 2),
            "wru_estimated_table": round(tally.estimated_wru, 2),
            "wru_estimated_indexes": round(tally.estimated_gsi_wru, 2),
            "wru_estimated_by_function": {p: round(w, 2) for p, w in sorted(tally.wru_by_phase.items())},
            "largest_item_written_bytes": tally.largest_item_bytes,
        },
        "sqs": {
            "messages_sent": tally.sqs_sent,
            "send_requests": tally.count("sqs", "SendMessage") + tally.count("sqs", "SendMessageBatch"),
            "billed_requests_by_app": tally.sqs_billed_by_app,
            "batches_delivered": sum(1 for r in polling if r.operation == "ReceiveMessage" and r.sqs_received),
            "delete_batches": poll.count("sqs", "DeleteMessageBatch"),
        },
        "sms": {"sent": tally.sms_sent, "segments": tally.sms_segments},
        "kms_sign_requests": tally.count("kms", "Sign"),
        "gateway_requests": gateway_requests,
        "registry_lookups": {
            "count": lookups,
            "dynamodb_write_requests_in_lookups_worker": sum(lookup_writes.values()),
            "dynamodb_writes_per_lookup": round(sum(lookup_writes.values()) / lookups, 2) if lookups else None,
            "dynamodb_writes_by_operation": dict(sorted(lookup_writes.items())),
            "dynamodb_wru_per_lookup": round(
                sum(r.estimated_wru + r.estimated_gsi_wru for r in in_lookups) / lookups, 2
            )
            if lookups
            else None,
            "fan_out_messages": sum(r.sqs_sent for r in intake_sends),
            "fan_out_send_requests": len(intake_sends),
            "fan_out_fewest_possible_send_requests": sum(math.ceil(n / SQS_BATCH) for n in fan_out.values()),
        },
        "lambda": {
            "invocations": dict(sorted(functions.items())),
            "seconds": {f: round(s, 3) for f, s in sorted(seconds.items())},
            "seconds_inside_aws_calls": {f: round(in_aws.get(f, 0.0), 3) for f in sorted(seconds)},
            "gb_seconds": round(gb_seconds, 4),
            "memory_mb": {f: memory.get(f, default_memory) for f in sorted(functions)},
            "gb_seconds_per_100ms_registry_latency": round(
                lookups * 0.1 * memory.get("lookups_worker", default_memory) / 1024, 4
            ),
            "failed_messages": sum(i.failed for i in invocations),
        },
        "messages_handled": handled,
        "log_bytes": log_bytes,
        "wall_seconds": round(wall, 3),
        "seconds_inside_aws_calls": round(tally.seconds_in_aws + poll.seconds_in_aws, 3),
    }

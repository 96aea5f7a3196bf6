"""The back office on AWS: the Chalice app (API, SQS workers, schedules) and everything it expects.

Built from two descriptions and nothing else:
- chalicelib/adapters/resources.py: the table and its indexes, queue names, visibility factor, DLQ receive count;
- the Chalice app itself: its functions and event sources as `chalice package` synthesises them.

Personal data lives in the table, the queues (message bodies carry IINs), the documents bucket and the
logs (masked IINs only); each is encrypted with a customer-managed KMS key kept on stack deletion.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from aws_cdk import (
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.adapters import resources
from stacks.access import ALL_WORK_QUEUES, FUNCTION_ACCESS, SECRET_NAMES, Access
from stacks.chalice_app import (
    REST_API_LOGICAL_ID,
    AppFunction,
    AppShapeError,
    app_functions,
    load_app,
    read_sam_template,
)
from stacks.packages import FUNCTION_PACKAGES, build_layer, layer_key, pins
from stacks.settings import StageSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INFRA_DIR = Path(__file__).resolve().parents[1]

APP_NAME = "social-benefits"
METRICS_NAMESPACE = "SocialBenefits"  # chalicelib/observability.py
METRICS_SERVICE = "social-benefits"  # Powertools adds it as the `service` dimension of every metric
OVERDUE_METRIC = "OverdueApplications"
WAITING_FOR_PARAMETERS_METRIC = "ApplicationsWaitingForParameters"
SIGNING_KEY_ALIAS = "alias/social-benefits-results"  # config.py's default SIGNING_KEY_ID
DOCUMENTS_PURPOSE = "documents"  # S3 ObjectCreated under resources.UPLOAD_PREFIX goes to this queue
# Chalice needs an IAM role ARN when it does not manage roles; every function's Role is then replaced by
# its own role below, and a test checks that none keeps this placeholder.
ROLE_PLACEHOLDER = "arn:aws:iam::000000000000:role/replaced-by-the-cdk-stack"
CHALICE_DEFAULT_TIMEOUT = 60
LAYER_CACHE = INFRA_DIR / ".layers"  # each function's dependency layer, built once per set of pins
CODE_FILES = ("app.py", "chalicelib", ".chalice/config.json")  # what the functions' code package holds


class BackOfficeStack(Stack):
    def __init__(
        self,
        scope: Construct,
        settings: StageSettings,
        *,
        source_dir: Path = PROJECT_ROOT,
        function_access: Mapping[str, Access] = FUNCTION_ACCESS,
        work_dir: Path = INFRA_DIR,
        function_packages: Mapping[str, tuple[str, ...]] = FUNCTION_PACKAGES,
        **kwargs: Any,
    ) -> None:
        # The construct id is the Chalice stage: chalice.cdk.Chalice packages the stage named like its scope.
        super().__init__(scope, settings.stage, stack_name=f"{APP_NAME}-{settings.stage}", **kwargs)
        self.settings = settings
        self.function_access = function_access

        self.table_key = self._data_key("TableKey", "DynamoDB table: applications, lookups, audit, idempotency")
        self.queue_key = self._data_key("QueueKey", "SQS queues and DLQs, alarm topic")
        self.documents_key = self._data_key("DocumentsKey", "Documents bucket: citizens' uploads")
        self.table = self._table()
        self.bucket = self._documents_bucket()
        self.secrets = self._secrets()
        self.alarm_topic = self._alarm_topic()

        self.chalice = self._chalice(source_dir, work_dir)
        self.chalice_app = load_app(source_dir)
        self.functions = {fn.name: fn for fn in app_functions(self.chalice_app, self.sam_template)}
        self._require_access_declared()
        self.layers = self._dependency_layers(function_packages)
        self.roles = {name: self._role(fn) for name, fn in self.functions.items()}

        self.queues, self.dlqs = self._queues()
        self._wire_event_sources()
        self.signing_key = self._signing_key()
        self._grant_access()
        self._notify_documents_queue()
        self._alarms()
        CfnOutput(self, "TableName", value=self.table.table_name)
        CfnOutput(self, "DocumentsBucketName", value=self.bucket.bucket_name)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)

    # --- keys, table, bucket, secrets -------------------------------------------------------------

    def _data_key(self, construct_id: str, description: str) -> kms.Key:
        return kms.Key(
            self,
            construct_id,
            description=f"{APP_NAME} {self.settings.stage}: {description}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _table(self) -> dynamodb.Table:
        """The single table, from resources.create_table_request (the request the local stack sends)."""
        request = resources.create_table_request(f"{APP_NAME}-{self.settings.stage}")
        types = {a["AttributeName"]: a["AttributeType"] for a in request["AttributeDefinitions"]}

        def attribute(name: str) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[types[name]])

        keys = {k["KeyType"]: k["AttributeName"] for k in request["KeySchema"]}
        table = dynamodb.Table(
            self,
            "Table",
            partition_key=attribute(keys["HASH"]),
            sort_key=attribute(keys["RANGE"]),
            billing_mode=dynamodb.BillingMode(request["BillingMode"]),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.table_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            time_to_live_attribute=resources.TABLE_TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in request["GlobalSecondaryIndexes"]:
            index_keys = {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
            projection = index["Projection"]
            table.add_global_secondary_index(
                index_name=index["IndexName"],
                partition_key=attribute(index_keys["HASH"]),
                sort_key=attribute(index_keys["RANGE"]),
                projection_type=dynamodb.ProjectionType(projection["ProjectionType"]),
                non_key_attributes=projection.get("NonKeyAttributes"),
            )
        return table

    def _documents_bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "Documents",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.documents_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
            # the citizen's browser posts the file to the pre-signed POST form the API hands out
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=list(self.settings.upload_origins),
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                ),
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(self.settings.noncurrent_versions_days),
                ),
                s3.LifecycleRule(
                    id="uploads-to-infrequent-access",
                    prefix=resources.UPLOAD_PREFIX,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(self.settings.uploads_infrequent_access_days),
                        )
                    ],
                ),
            ],
        )

    def _secrets(self) -> dict[str, secretsmanager.Secret]:
        """Generated on first deploy. The webhook secrets are then set to the values agreed with the SMS
        provider and the gateway (`aws secretsmanager put-secret-value`), the gateway login and signing key and
        certificate (PEM) to the participant's, issued with the gateway operator and the NCA; PERSON_KEY_SECRET
        must never change once data exists (it keys the person index)."""
        return {
            name: secretsmanager.Secret(
                self,
                _camel(name),
                secret_name=f"{APP_NAME}/{self.settings.stage}/{name.lower().replace('_', '-')}",
                description=f"{name} of {APP_NAME} ({self.settings.stage})",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=48, exclude_punctuation=True
                ),
                removal_policy=RemovalPolicy.RETAIN,
            )
            for name in SECRET_NAMES
        }

    def _alarm_topic(self) -> sns.Topic:
        topic = sns.Topic(
            self,
            "Alarms",
            display_name=f"{APP_NAME} {self.settings.stage} alarms",
            master_key=self.queue_key,
            enforce_ssl=True,
        )
        self.queue_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        return topic

    # --- the Chalice app --------------------------------------------------------------------------

    def _chalice(self, source_dir: Path, work_dir: Path) -> Chalice:
        stage_config = {
            "manage_iam_role": False,
            "iam_role_arn": ROLE_PLACEHOLDER,
            "environment_variables": {
                "TABLE_NAME": self.table.table_name,
                "DOCUMENTS_BUCKET": self.bucket.bucket_name,
                "SIGNING_KEY_ID": SIGNING_KEY_ALIAS,
            },
        }
        # Chalice packages the code only (app.py, chalicelib/, the config) from a staged copy whose requirements.txt
        # is empty: each function's dependencies come in its own layer (_dependency_layers), not in one of everything.
        stage_config["automatic_layer"] = False
        staged = _staged_code(source_dir, work_dir / "chalice.src")
        # chalice.cdk.Chalice writes its package under ./chalice.out and needs a region to package.
        with _working_directory(work_dir), _region_for_packaging():
            chalice = Chalice(self, "App", source_dir=str(staged), stage_config=stage_config)
        self.sam_template = read_sam_template(chalice._sam_package_dir)  # what `chalice package` wrote
        return chalice

    def _dependency_layers(self, function_packages: Mapping[str, tuple[str, ...]]) -> dict[str, lambda_.LayerVersion]:
        """Each function's own layer, from its list in stacks/packages.py (one layer per distinct set of pins)."""
        missing = sorted(set(self.functions) - set(function_packages))
        if missing:
            raise AppShapeError(
                f"Lambda functions {missing} have no packages declared: add them to FUNCTION_PACKAGES "
                "in infra/stacks/packages.py (what each imports)"
            )
        layers: dict[str, lambda_.LayerVersion] = {}
        by_function: dict[str, lambda_.LayerVersion] = {}
        for name, fn in self.functions.items():
            pinned = pins(function_packages[name])
            key = layer_key(pinned)
            if key not in layers:
                layers[key] = lambda_.LayerVersion(
                    self,
                    f"Dependencies{key}",
                    code=lambda_.Code.from_asset(str(build_layer(pinned, LAYER_CACHE))),
                    compatible_runtimes=[lambda_.Runtime.PYTHON_3_11],
                    description=f"{APP_NAME}: " + ", ".join(p.split("==")[0] for p in pinned)[:240],
                )
            by_function[name] = layers[key]
            self.chalice.get_resource(fn.logical_id).add_property_override("Layers", [layers[key].layer_version_arn])
        return by_function

    def _require_access_declared(self) -> None:
        missing = sorted(set(self.functions) - set(self.function_access))
        if missing:
            raise AppShapeError(
                f"Lambda functions {missing} have no access declared: add them to FUNCTION_ACCESS in "
                "infra/stacks/access.py (what each may read, write, send and sign)"
            )

    def _role(self, fn: AppFunction) -> iam.Role:
        """Each function's own role, and its own log group (so it may write there and nowhere else)."""
        role = iam.Role(
            self,
            f"{fn.logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{APP_NAME} {self.settings.stage}: Lambda function {fn.name}",
        )
        log_group = logs.LogGroup(
            self,
            f"{fn.logical_id}Logs",
            log_group_name=f"/aws/lambda/{APP_NAME}-{self.settings.stage}/{fn.name}",
            retention=self.settings.log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        log_group.grant_write(role)
        role.add_to_policy(
            iam.PolicyStatement(actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"])
        )
        cfn = self.chalice.get_resource(fn.logical_id)
        cfn.add_property_override("Role", role.role_arn)
        cfn.add_property_override("LoggingConfig", {"LogGroup": log_group.log_group_name})
        # The SQS event source mapping is checked against the role's permissions when it is created.
        cfn.node.add_dependency(role.node.find_child("DefaultPolicy"))
        return role

    def _queues(self) -> tuple[dict[str, sqs.Queue], dict[str, sqs.Queue]]:
        """A queue and DLQ per purpose the app consumes or publishes to (resources.FUNCTION_TIMEOUT_SECONDS),
        plus the documents queue S3 notifies. Visibility: VISIBILITY_FACTOR x the consuming function's timeout."""
        consumer_timeout: dict[str, int] = {}
        for fn in self.functions.values():
            for source in fn.sqs:
                consumer_timeout[_purpose(source.queue_name)] = fn.timeout
        purposes = sorted({*resources.FUNCTION_TIMEOUT_SECONDS, *consumer_timeout, DOCUMENTS_PURPOSE})
        queues: dict[str, sqs.Queue] = {}
        dlqs: dict[str, sqs.Queue] = {}
        for purpose in purposes:
            timeout = max(consumer_timeout.get(purpose, 0), resources.FUNCTION_TIMEOUT_SECONDS.get(purpose, 0))
            dlq = sqs.Queue(
                self,
                f"{_camel(purpose)}Dlq",
                queue_name=resources.queue_name(f"{purpose}-dlq"),
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.queue_key,
                data_key_reuse=Duration.minutes(15),
                enforce_ssl=True,
                retention_period=Duration.days(14),
            )
            queues[purpose] = sqs.Queue(
                self,
                f"{_camel(purpose)}Queue",
                queue_name=resources.queue_name(purpose),
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.queue_key,
                data_key_reuse=Duration.minutes(15),
                enforce_ssl=True,
                visibility_timeout=Duration.seconds(resources.VISIBILITY_FACTOR * (timeout or CHALICE_DEFAULT_TIMEOUT)),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=resources.MAX_RECEIVE_COUNT),
            )
            dlqs[purpose] = dlq
        return queues, dlqs

    def _wire_event_sources(self) -> None:
        """Each SQS event source reads the stack's queue (not an ARN string Chalice guessed, so the queue exists
        before the mapping) and reports partial batch failures: Chalice has no switch for it."""
        for fn in self.functions.values():
            cfn = self.chalice.get_resource(fn.logical_id)
            for source in fn.sqs:
                queue = self.queues[_purpose(source.queue_name)]
                event = f"Events.{source.event_name}.Properties"
                cfn.add_property_override(f"{event}.Queue", queue.queue_arn)
                cfn.add_property_override(f"{event}.FunctionResponseTypes", ["ReportBatchItemFailures"])
                queue.grant_consume_messages(self.roles[fn.name])

    def _signing_key(self) -> kms.Key:
        """The provider's result-signing key (stand-in for the official's EDS). Its policy is the whole truth:
        the account may administer it and read its public key; only the decisions function's role may sign.
        (No `kms:*` for the account root, so no IAM policy can hand out kms:Sign.)"""
        signers = [
            self.roles[name] for name, fn in self.function_access.items() if fn.sign_results and name in self.roles
        ]
        account = iam.AccountRootPrincipal()
        policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="AccountAdministersTheKey", principals=[account], resources=["*"], actions=_KEY_ADMIN_ACTIONS
                ),
                iam.PolicyStatement(
                    sid="AnyoneInTheAccountReadsThePublicKey",
                    principals=[account],
                    resources=["*"],
                    actions=["kms:GetPublicKey", "kms:DescribeKey"],
                ),
            ]
        )
        if signers:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="OnlyTheDecisionsFunctionSigns",
                    principals=[iam.ArnPrincipal(r.role_arn) for r in signers],
                    resources=["*"],
                    actions=["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"],
                )
            )
        key = kms.Key(
            self,
            "SigningKey",
            description=f"{APP_NAME} {self.settings.stage}: signs result documents",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            policy=policy,
            removal_policy=RemovalPolicy.RETAIN,
        )
        key.add_alias(SIGNING_KEY_ALIAS)
        return key

    def _grant_access(self) -> None:
        for name, role in self.roles.items():
            access = self.function_access[name]
            if access.table == "read_write":
                self.table.grant_read_write_data(role)
            elif access.table == "read":
                self.table.grant_read_data(role)
            send_to = self.queues if access.send_to == ALL_WORK_QUEUES else {p: self.queues[p] for p in access.send_to}
            for queue in send_to.values():
                queue.grant_send_messages(role)
            cfn = self.chalice.get_resource(self.functions[name].logical_id)
            for secret_name in access.secrets:
                self.secrets[secret_name].grant_read(role)
                cfn.add_property_override(
                    f"Environment.Variables.{secret_name}_ARN", self.secrets[secret_name].secret_arn
                )
            if access.read_signing_public_key:
                role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["kms:GetPublicKey", "kms:DescribeKey"], resources=[self.signing_key.key_arn]
                    )
                )
            for prefix in access.put_documents:
                self.bucket.grant_put(role, f"{prefix}*")
            for prefix in access.read_documents:
                self.bucket.grant_read(role, f"{prefix}*")
            for prefix in access.delete_documents:
                self.bucket.grant_delete(role, f"{prefix}*")
            if access.send_sms:
                # Publishing to a phone number has no resource ARN; denying every topic ARN leaves SMS only.
                role.add_to_policy(iam.PolicyStatement(sid="SendSms", actions=["sns:Publish"], resources=["*"]))
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="NoTopics",
                        effect=iam.Effect.DENY,
                        actions=["sns:Publish"],
                        resources=[f"arn:{self.partition}:sns:*:*:*"],
                    )
                )
        # Only the functions that need a secret may read it: IAM grants above, and the secret's own policy
        # refuses everyone else (administrators may still put a new value).
        for secret_name, secret in self.secrets.items():
            readers = [
                self.roles[n].role_arn
                for n, a in self.function_access.items()
                if secret_name in a.secrets and n in self.roles
            ]
            secret.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="OnlyTheFunctionsThatNeedItRead",
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=["secretsmanager:GetSecretValue"],
                    resources=["*"],
                    conditions={"ArnNotEquals": {"aws:PrincipalArn": readers or ["arn:aws:iam::000000000000:root"]}},
                )
            )

    def _notify_documents_queue(self) -> None:
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.queues[DOCUMENTS_PURPOSE]),
            s3.NotificationKeyFilter(prefix=resources.UPLOAD_PREFIX),
        )

    # --- alarms -----------------------------------------------------------------------------------

    def _gateway_problems(self) -> None:
        rest_api_id = self.chalice.get_resource(REST_API_LOGICAL_ID).ref
        for response_type, (status, code, title, detail) in GATEWAY_PROBLEMS.items():
            apigateway.CfnGatewayResponse(
                self,
                f"Gateway{_camel(response_type.lower())}",
                rest_api_id=rest_api_id,
                response_type=response_type,
                status_code=status,
                response_parameters={
                    "gatewayresponse.header.Content-Type": "'application/problem+json'",
                    "gatewayresponse.header.Content-Language": "'ru'",
                },
                response_templates={"application/json": gateway_problem_template(code, title, detail)},
            )

    def _alarms(self) -> None:
        action = cloudwatch_actions.SnsAction(self.alarm_topic)

        def alarm(
            construct_id: str,
            metric: cloudwatch.IMetric,
            description: str,
            threshold: float = 0,
            evaluation_periods: int = 1,
        ) -> None:
            created = cloudwatch.Alarm(
                self,
                construct_id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=evaluation_periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            created.add_alarm_action(action)

        for purpose, dlq in self.dlqs.items():
            alarm(
                f"{_camel(purpose)}DlqNotEmpty",
                dlq.metric_approximate_number_of_messages_visible(period=Duration.minutes(1), statistic="Maximum"),
                f"Messages in {dlq.node.id}: a {purpose} message failed {resources.MAX_RECEIVE_COUNT} times",
            )
        alarm(
            "OverdueApplications",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=OVERDUE_METRIC,
                dimensions_map={"service": METRICS_SERVICE},
                statistic="Maximum",
                period=Duration.minutes(15),
            ),
            "The deadline sweep found applications past their legal deadline",
        )
        alarm(
            "ApplicationsWaitingForParameters",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=WAITING_FOR_PARAMETERS_METRIC,
                dimensions_map={"service": METRICS_SERVICE},
                statistic="Maximum",
                period=Duration.minutes(15),
            ),
            "TSA applications wait for a region's poverty line inputs (poverty_line.json): an operator must load "
            "the subsistence minimum / median income of the quarter",
        )
        if any(fn.logical_id == "APIHandler" for fn in self.functions.values()):
            api_name = f"{APP_NAME}-{self.settings.stage}"
            self.chalice.get_resource(REST_API_LOGICAL_ID).add_property_override("Name", api_name)
            self._gateway_problems()
            alarm(
                "Api5xxRate",
                cloudwatch.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="5XXError",
                    dimensions_map={"ApiName": api_name, "Stage": "api"},
                    statistic="Average",
                    period=Duration.minutes(5),
                ),
                "More than the allowed share of API requests answered 5xx",
                threshold=self.settings.api_5xx_rate_threshold,
                evaluation_periods=2,
            )
        for fn in self.functions.values():
            function_name = self.chalice.get_resource(fn.logical_id).ref
            for metric_name in ("Errors", "Throttles"):
                alarm(
                    f"{fn.logical_id}{metric_name}",
                    cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name=metric_name,
                        dimensions_map={"FunctionName": function_name},
                        statistic="Sum",
                        period=Duration.minutes(5),
                    ),
                    f"Lambda {metric_name.lower()} in {fn.name}",
                )


_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}

_KEY_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]


# What API Gateway answers itself (before the app runs) as RFC 9457 problem documents, as the app answers everything
# else (chalicelib/entrypoints/middleware.py) and the local stack its own errors (local/api_server.py). A gateway
# response cannot read Accept-Language: its texts are Russian, the API's default language.
GATEWAY_PROBLEMS: dict[str, tuple[str | None, str, str, str]] = {
    # response type: (status or None to keep API Gateway's, code, title, detail)
    "MISSING_AUTHENTICATION_TOKEN": ("404", "request.route_not_found", "Не найдено", "Такого адреса нет."),
    "REQUEST_TOO_LARGE": ("413", "request.too_large", "Слишком большой запрос", "Запрос слишком велик."),
    "UNSUPPORTED_MEDIA_TYPE": (
        "415",
        "request.unsupported_media_type",
        "Неподдерживаемый тип содержимого",
        "Тело запроса должно быть application/json.",
    ),
    "THROTTLED": ("429", "request.throttled", "Слишком много запросов", "Повторите запрос позже."),
    "DEFAULT_4XX": (None, "request.bad_request", "Некорректный запрос", "Запрос не может быть выполнен."),
    "DEFAULT_5XX": (None, "internal", "Внутренняя ошибка", "Непредвиденная ошибка. Повторите позже."),
}


def gateway_problem_template(code: str, title: str, detail: str) -> str:
    import json

    return json.dumps(
        {
            "type": f"https://social-benefits.egov.kz/problems/{code}",
            "title": title,
            "detail": detail,
            "code": code,
            "errors": [],
        },
        ensure_ascii=False,
    )


def _purpose(queue_name: str) -> str:
    if not queue_name.startswith(resources.QUEUE_PREFIX):
        raise AppShapeError(f"queue {queue_name!r} is not named by resources.queue_name(purpose)")
    return queue_name.removeprefix(resources.QUEUE_PREFIX)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _staged_code(source_dir: Path, staged: Path) -> Path:
    """A copy of the app's code for `chalice package`, with an empty requirements.txt (dependencies are layers)."""
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    for name in CODE_FILES:
        source = source_dir / name
        if source.is_dir():
            shutil.copytree(source, staged / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            (staged / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, staged / name)
    (staged / "requirements.txt").write_text("# dependencies come in per-function layers (infra/stacks/packages.py)\n")
    return staged


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _region_for_packaging() -> Iterator[None]:
    """`chalice package` refuses to run without a region, although nothing it writes depends on it."""
    if os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"):
        yield
        return
    os.environ["AWS_DEFAULT_REGION"] = "eu-central-1"
    try:
        yield
    finally:
        del os.environ["AWS_DEFAULT_REGION"]

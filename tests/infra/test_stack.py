"""The dev stack of the real app, resource by resource (aws_cdk.assertions over the synthesised template)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="`make test-infra` installs infra/requirements.txt")

from chalicelib.adapters import resources
from tests.infra.support import (
    FUNCTION,
    actions,
    allows,
    get_att,
    queue_by_name,
    resources_of,
    role_of,
    role_statements,
    sqs_event_source_problems,
    sqs_event_sources,
)

pytestmark = pytest.mark.slow


def only(found: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert len(found) == 1, sorted(found)
    return next(iter(found.items()))


def function_ids(stack: Any) -> dict[str, str]:
    """Chalice function name -> SAM logical id."""
    return {name: fn.logical_id for name, fn in stack.functions.items()}


# --- the DynamoDB table --------------------------------------------------------------------------


def test_the_table_is_the_one_resources_describes(dev: Any) -> None:
    _, _, t = dev
    request = resources.create_table_request("ignored")
    _, table = only(resources_of(t, "AWS::DynamoDB::Table"))
    props = table["Properties"]
    assert props["KeySchema"] == request["KeySchema"]
    assert props["BillingMode"] == request["BillingMode"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(request["AttributeDefinitions"], key=str)

    def by_name(indexes: list[dict[str, Any]]) -> dict[str, Any]:
        return {i["IndexName"]: {"KeySchema": i["KeySchema"], "Projection": i["Projection"]} for i in indexes}

    assert by_name(props["GlobalSecondaryIndexes"]) == by_name(request["GlobalSecondaryIndexes"])
    assert props["TimeToLiveSpecification"] == {"AttributeName": resources.TABLE_TTL_ATTRIBUTE, "Enabled": True}


def test_the_table_is_protected_and_encrypted_with_its_own_key(dev: Any) -> None:
    _, _, t = dev
    _, table = only(resources_of(t, "AWS::DynamoDB::Table"))
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"]["SSEType"] == "KMS"
    key = get_att(props["SSESpecification"]["KMSMasterKeyId"])
    assert t["Resources"][key]["Type"] == "AWS::KMS::Key"
    assert t["Resources"][key]["Properties"]["EnableKeyRotation"] is True


# --- queues and event sources --------------------------------------------------------------------


def queue_purposes(stack: Any) -> set[str]:
    consumed = {s.queue_name.removeprefix(resources.QUEUE_PREFIX) for fn in stack.functions.values() for s in fn.sqs}
    return {*resources.FUNCTION_TIMEOUT_SECONDS, *consumed, "documents"}


def test_every_queue_has_an_encrypted_dlq_after_max_receive_count(dev: Any) -> None:
    stack, _, t = dev
    for purpose in queue_purposes(stack):
        _, queue = queue_by_name(t, resources.queue_name(purpose))
        dlq_id, dlq = queue_by_name(t, resources.queue_name(f"{purpose}-dlq"))
        redrive = queue["Properties"]["RedrivePolicy"]
        assert get_att(redrive["deadLetterTargetArn"]) == dlq_id
        assert redrive["maxReceiveCount"] == resources.MAX_RECEIVE_COUNT
        for q in (queue, dlq):
            key = get_att(q["Properties"]["KmsMasterKeyId"])
            assert t["Resources"][key]["Type"] == "AWS::KMS::Key", purpose


def test_visibility_timeout_is_at_least_six_times_the_consumers_timeout(dev: Any) -> None:
    stack, _, t = dev
    for fn in stack.functions.values():
        for source in fn.sqs:
            _, queue = queue_by_name(t, source.queue_name)
            timeout = t["Resources"][fn.logical_id]["Properties"]["Timeout"]
            assert queue["Properties"]["VisibilityTimeout"] >= resources.VISIBILITY_FACTOR * timeout
    for purpose in resources.FUNCTION_TIMEOUT_SECONDS:
        _, queue = queue_by_name(t, resources.queue_name(purpose))
        assert queue["Properties"]["VisibilityTimeout"] >= resources.visibility_timeout(purpose)


def test_consumers_run_with_the_timeout_resources_describes(dev: Any) -> None:
    stack, _, t = dev
    for fn in stack.functions.values():
        for source in fn.sqs:
            purpose = source.queue_name.removeprefix(resources.QUEUE_PREFIX)
            assert purpose in resources.FUNCTION_TIMEOUT_SECONDS, (
                f"{fn.name} consumes {source.queue_name}: add {purpose!r} to resources.FUNCTION_TIMEOUT_SECONDS"
            )
            assert t["Resources"][fn.logical_id]["Properties"]["Timeout"] == resources.FUNCTION_TIMEOUT_SECONDS[purpose]


def test_every_sqs_event_source_reports_batch_item_failures_and_has_a_dlq(dev: Any) -> None:
    _, _, t = dev
    assert sqs_event_source_problems(t, resources.MAX_RECEIVE_COUNT) == []


def test_every_sqs_handler_of_the_app_has_its_event_source(dev: Any) -> None:
    from chalice.app import SQSEventConfig

    stack, _, t = dev
    app = stack.chalice_app
    handlers = {s.name: s.queue for s in app.event_sources if isinstance(s, SQSEventConfig)}
    ids = function_ids(stack)
    found = {owner: get_att(props["Queue"]) for owner, _, props in sqs_event_sources(t)}
    for name, queue in handlers.items():
        queue_id, _ = queue_by_name(t, queue)
        assert found.get(ids[name]) == queue_id, name


def test_every_schedule_of_the_app_is_synthesised(dev: Any) -> None:
    from chalice.app import ScheduledEventConfig

    stack, _, t = dev
    app = stack.chalice_app
    ids = function_ids(stack)
    for source in app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            expected = expression if isinstance(expression, str) else expression.to_string()
            events = t["Resources"][ids[source.name]]["Properties"]["Events"].values()
            assert {"Type": "Schedule", "Properties": {"Schedule": expected}} in events, source.name


# --- the signing key ------------------------------------------------------------------------------


def signing_key(t: dict[str, Any]) -> dict[str, Any]:
    _, key = only(
        {k: r for k, r in resources_of(t, "AWS::KMS::Key").items() if r["Properties"].get("KeyUsage") == "SIGN_VERIFY"}
    )
    return key


def test_the_signing_key_is_an_ecc_p256_sign_verify_key(dev: Any) -> None:
    _, template, t = dev
    template.has_resource_properties("AWS::KMS::Key", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"})
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/social-benefits-results"})
    assert signing_key(t)["DeletionPolicy"] == "Retain"


def test_only_the_decisions_functions_role_may_sign(dev: Any) -> None:
    stack, _, t = dev
    statements = signing_key(t)["Properties"]["KeyPolicy"]["Statement"]
    signers = allows(statements, "kms:Sign")
    assert len(signers) == 1
    assert signers[0]["Principal"] == {
        "AWS": {"Fn::GetAtt": [role_of(t, function_ids(stack)["decisions_worker"]), "Arn"]}
    }
    public_key = allows(statements, "kms:GetPublicKey")
    assert any(json.dumps(s["Principal"]).endswith(':root"]]}}') for s in public_key)  # anyone in the account
    # and no IAM policy in the stack hands out kms:Sign behind the key policy's back
    for policy in resources_of(t, "AWS::IAM::Policy").values():
        assert allows(policy["Properties"]["PolicyDocument"]["Statement"], "kms:Sign") == []


# --- the documents bucket -------------------------------------------------------------------------


def documents_bucket(t: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return only(resources_of(t, "AWS::S3::Bucket"))


def test_documents_are_encrypted_private_and_ssl_only(dev: Any) -> None:
    _, _, t = dev
    bucket_id, bucket = documents_bucket(t)
    props = bucket["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key = get_att(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
    assert t["Resources"][key]["Type"] == "AWS::KMS::Key"
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    _, policy = only(
        {
            k: r
            for k, r in resources_of(t, "AWS::S3::BucketPolicy").items()
            if r["Properties"]["Bucket"] == {"Ref": bucket_id}
        }
    )
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )
    assert bucket["DeletionPolicy"] == "Retain"


def test_only_the_api_may_upload_and_only_the_decisions_worker_stores_rendered_pdfs(dev: Any) -> None:
    stack, _, t = dev
    bucket_id, _ = documents_bucket(t)
    prefixes = {"api_handler": resources.UPLOAD_PREFIX, "decisions_worker": resources.RENDERED_PREFIX}

    def under(prefix: str) -> dict[str, Any]:
        return {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{prefix}*"]]}

    for name, lid in function_ids(stack).items():
        puts = allows(role_statements(t, role_of(t, lid)), "s3:PutObject")
        if name in prefixes:
            (put,) = puts
            assert put["Resource"] == under(prefixes[name])
        elif name == "documents_worker":  # moves each upload out of reach of its slot: kept, or quarantined
            assert sorted(json.dumps(p["Resource"]) for p in puts) == sorted(
                json.dumps(under(prefix)) for prefix in (resources.QUARANTINE_PREFIX, resources.RECEIVED_PREFIX)
            )
        else:
            assert puts == [], name


def test_documents_have_lifecycle_rules(dev: Any) -> None:
    _, _, t = dev
    _, bucket = documents_bucket(t)
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert "NoncurrentVersionExpiration" in rules["expire-old-versions"]
    assert all(r["Status"] == "Enabled" for r in rules.values())


def test_uploads_notify_the_documents_queue(dev: Any) -> None:
    _, _, t = dev
    bucket_id, _ = documents_bucket(t)
    queue_id, _ = queue_by_name(t, resources.queue_name("documents"))
    _, notifications = only(resources_of(t, "Custom::S3BucketNotifications"))
    props = notifications["Properties"]
    assert props["BucketName"] == {"Ref": bucket_id}
    assert props["NotificationConfiguration"]["QueueConfigurations"] == [
        {
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": resources.UPLOAD_PREFIX}]}},
            "QueueArn": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]


# --- roles: one per function, least privilege ------------------------------------------------------


def test_every_function_has_its_own_role_and_log_group(dev: Any) -> None:
    stack, _, t = dev
    functions = resources_of(t, FUNCTION)
    assert set(functions) == set(function_ids(stack).values())
    roles = [role_of(t, lid) for lid in functions]
    assert len(set(roles)) == len(roles)
    for lid, function in functions.items():
        assert "replaced-by-the-cdk-stack" not in json.dumps(function["Properties"]["Role"])
        log_group = get_att(function["Properties"]["LoggingConfig"]["LogGroup"])
        assert t["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
        assert t["Resources"][log_group]["Properties"]["RetentionInDays"] > 0
        for statement in role_statements(t, role_of(t, lid)):
            if statement["Effect"] == "Allow" and statement["Resource"] == "*":
                assert set(actions(statement)) <= {
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "sns:Publish",
                }, (lid, statement)


SMS_SENDERS = {
    "notifications_worker",  # the outbox of notices
    "api_handler",  # one-time passwords, sent while the citizen waits
    "proactive_worker",  # the reply that is the SMS dialogue's next step
}


def test_only_the_functions_that_send_sms_may_publish(dev: Any) -> None:
    stack, _, t = dev
    ids = function_ids(stack)
    for name, lid in ids.items():
        publishes = allows(role_statements(t, role_of(t, lid)), "sns:Publish")
        assert bool(publishes) == (name in SMS_SENDERS), name


def test_each_secret_is_readable_only_by_the_functions_that_need_it(dev: Any) -> None:
    from stacks.access import FUNCTION_ACCESS, SECRET_NAMES

    stack, _, t = dev
    secrets = resources_of(t, "AWS::SecretsManager::Secret")
    by_name = {
        next(n for n in SECRET_NAMES if n.lower().replace("_", "-") in s["Properties"]["Name"]): lid
        for lid, s in secrets.items()
    }
    assert set(by_name) == set(SECRET_NAMES)
    for name, lid in function_ids(stack).items():
        wanted = set(FUNCTION_ACCESS[name].secrets)
        readable = {
            secret
            for secret, secret_id in by_name.items()
            if any(
                s["Resource"] == {"Ref": secret_id}
                for s in allows(role_statements(t, role_of(t, lid)), "secretsmanager:GetSecretValue")
            )
        }
        assert readable == wanted, name
        env = t["Resources"][lid]["Properties"]["Environment"]["Variables"]
        assert {k.removesuffix("_ARN") for k in env if k.removesuffix("_ARN") in SECRET_NAMES} == wanted, name
        assert not wanted & set(env), f"{name}: a secret's value must never be a plain environment variable"
    for policy in resources_of(t, "AWS::SecretsManager::ResourcePolicy").values():
        (deny,) = policy["Properties"]["ResourcePolicy"]["Statement"]
        assert deny["Effect"] == "Deny" and deny["Action"] == "secretsmanager:GetSecretValue"
        assert "ArnNotEquals" in deny["Condition"]


def test_functions_know_where_the_table_bucket_and_key_are(dev: Any) -> None:
    _, _, t = dev
    table_id, _ = only(resources_of(t, "AWS::DynamoDB::Table"))
    bucket_id, _ = documents_bucket(t)
    for function in resources_of(t, FUNCTION).values():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["TABLE_NAME"] == {"Ref": table_id}
        assert env["DOCUMENTS_BUCKET"] == {"Ref": bucket_id}
        assert env["SIGNING_KEY_ID"] == "alias/social-benefits-results"


# --- alarms ----------------------------------------------------------------------------------------


def alarms(t: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources_of(t, "AWS::CloudWatch::Alarm").values()]


def test_every_dlq_alarms_when_it_holds_a_message(dev: Any) -> None:
    stack, _, t = dev
    for purpose in queue_purposes(stack):
        dlq_id, _ = queue_by_name(t, resources.queue_name(f"{purpose}-dlq"))
        matching = [
            a
            for a in alarms(t)
            if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
            and a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
        ]
        assert len(matching) == 1, purpose
        assert matching[0]["Threshold"] == 0
        assert matching[0]["ComparisonOperator"] == "GreaterThanThreshold"
        assert matching[0]["AlarmActions"], purpose


def test_api_gateways_own_answers_are_problem_documents(dev: Any) -> None:
    _, template, _ = dev
    responses = template.find_resources("AWS::ApiGateway::GatewayResponse")
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses.values()}
    assert {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(by_type)
    assert by_type["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    for properties in by_type.values():
        assert properties["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        problem = json.loads(properties["ResponseTemplates"]["application/json"])
        assert {"type", "title", "detail", "code"} <= set(problem)


def test_overdue_applications_and_api_5xx_rate_alarm(dev: Any) -> None:
    _, template, _ = dev
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "SocialBenefits",
            "MetricName": "OverdueApplications",
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/ApiGateway",
            "MetricName": "5XXError",
            "Statistic": "Average",
            "Dimensions": [{"Name": "ApiName", "Value": "social-benefits-dev"}, {"Name": "Stage", "Value": "api"}],
        },
    )
    template.has_resource_properties(
        "AWS::Serverless::Api", {"Name": "social-benefits-dev", "EndpointConfiguration": "REGIONAL"}
    )


def test_every_function_alarms_on_errors_and_throttles(dev: Any) -> None:
    _, _, t = dev
    for lid in resources_of(t, FUNCTION):
        for metric in ("Errors", "Throttles"):
            assert [
                a
                for a in alarms(t)
                if a["Namespace"] == "AWS/Lambda"
                and a["MetricName"] == metric
                and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": lid}}]
            ], (lid, metric)


def test_every_alarm_notifies_the_alarm_topic(dev: Any) -> None:
    _, _, t = dev
    topic_id, _ = only(resources_of(t, "AWS::SNS::Topic"))
    assert all(a["AlarmActions"] == [{"Ref": topic_id}] for a in alarms(t))

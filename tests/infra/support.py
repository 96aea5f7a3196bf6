"""Building the stack in a test, and reading the synthesised template."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
if str(INFRA) not in sys.path:
    sys.path.append(str(INFRA))  # after the project root: `app` must stay the project's app.py

SQS = "AWS::SQS::Queue"
FUNCTION = "AWS::Serverless::Function"


def synth(
    tmp: Path,
    stage: str = "dev",
    source_dir: Path = ROOT,
    function_access: Mapping[str, Any] | None = None,
    function_packages: Mapping[str, Any] | None = None,
) -> tuple[Any, Any]:
    """(stack, aws_cdk.assertions.Template) for a stage, synthesised into `tmp` (no AWS credentials)."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template
    from stacks.access import FUNCTION_ACCESS
    from stacks.backoffice import BackOfficeStack
    from stacks.packages import FUNCTION_PACKAGES
    from stacks.settings import STAGES

    app = cdk.App(outdir=str(tmp / "cdk.out"))
    stack = BackOfficeStack(
        app,
        STAGES[stage],
        source_dir=source_dir,
        work_dir=tmp,
        function_access=function_access if function_access is not None else FUNCTION_ACCESS,
        function_packages=function_packages if function_packages is not None else FUNCTION_PACKAGES,
    )
    return stack, Template.from_stack(stack)


def resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def get_att(value: Any) -> str | None:
    """The logical id behind {"Fn::GetAtt": [id, attr]} or {"Ref": id}, else None."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
        if "Ref" in value:
            return str(value["Ref"])
    return None


def queue_by_name(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    found = [(lid, r) for lid, r in resources_of(template, SQS).items() if r["Properties"].get("QueueName") == name]
    assert len(found) == 1, f"expected one queue named {name}, found {len(found)}"
    return found[0]


def sqs_event_sources(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(function or mapping id, event name, properties) of every SQS event source in the template: the SAM
    functions' SQS events and any AWS::Lambda::EventSourceMapping on a queue."""
    for lid, function in resources_of(template, FUNCTION).items():
        for name, event in (function["Properties"].get("Events") or {}).items():
            if event.get("Type") == "SQS":
                yield lid, name, {"Queue": event["Properties"].get("Queue"), **event["Properties"]}
    queues = set(resources_of(template, SQS))
    for lid, mapping in resources_of(template, "AWS::Lambda::EventSourceMapping").items():
        props = mapping["Properties"]
        if get_att(props.get("EventSourceArn")) in queues:
            yield lid, lid, {"Queue": props["EventSourceArn"], **props}


def sqs_event_source_problems(template: dict[str, Any], max_receive_count: int) -> list[str]:
    """What is wrong with the template's SQS event sources: each must report partial batch failures and read
    a queue of this stack that has a DLQ after `max_receive_count` receives."""
    problems = []
    queues = resources_of(template, SQS)
    for owner, event, props in sqs_event_sources(template):
        where = f"{owner}.{event}"
        if "ReportBatchItemFailures" not in (props.get("FunctionResponseTypes") or []):
            problems.append(f"{where}: no ReportBatchItemFailures")
        queue_id = get_att(props.get("Queue"))
        if queue_id not in queues:
            problems.append(f"{where}: reads {props.get('Queue')!r}, not a queue of this stack")
            continue
        redrive = queues[queue_id]["Properties"].get("RedrivePolicy") or {}
        if get_att(redrive.get("deadLetterTargetArn")) not in queues:
            problems.append(f"{where}: queue {queue_id} has no DLQ")
        elif redrive.get("maxReceiveCount") != max_receive_count:
            problems.append(f"{where}: queue {queue_id} maxReceiveCount {redrive.get('maxReceiveCount')}")
    return problems


def role_of(template: dict[str, Any], function_id: str) -> str:
    role = get_att(template["Resources"][function_id]["Properties"]["Role"])
    assert role is not None and template["Resources"][role]["Type"] == "AWS::IAM::Role"
    return role


def role_statements(template: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every Allow/Deny statement of the IAM policies attached to a role (inline and AWS::IAM::Policy)."""
    statements: list[dict[str, Any]] = []
    role = template["Resources"][role_id]
    for policy in role["Properties"].get("Policies") or []:
        statements.extend(policy["PolicyDocument"]["Statement"])
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement.get("Action", [])
    return [value] if isinstance(value, str) else list(value)


def allows(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """The Allow statements whose actions cover `action` (exactly or by a wildcard such as `kms:*`)."""
    return [
        s
        for s in statements
        if s.get("Effect") == "Allow" and any(fnmatchcase(action.lower(), a.lower()) for a in actions(s))
    ]

"""What the Chalice app declares, read from the app itself and from the SAM template Chalice synthesises.

The stack never lists handlers: it asks the app for its functions and event sources (`app.event_sources`),
finds each one in the template `chalice package` wrote, and builds what they need around them. A worker or
schedule added to the app appears in the next synth with its queue, DLQ, alarms and role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalice.app import Chalice as ChaliceApp
from chalice.app import CloudWatchEventConfig, ScheduledEventConfig, SQSEventConfig
from chalice.cli.factory import CLIFactory
from chalice.utils import to_cfn_resource_name

API_HANDLER = "api_handler"
API_HANDLER_LOGICAL_ID = "APIHandler"
REST_API_LOGICAL_ID = "RestAPI"


class AppShapeError(RuntimeError):
    """The app declares something the stack cannot build safely (it says what to change, and where)."""


@dataclass(frozen=True)
class SqsSource:
    queue_name: str
    event_name: str  # the event's key under the SAM function's Events
    batch_size: int


@dataclass(frozen=True)
class ScheduleSource:
    expression: str
    event_name: str


@dataclass(frozen=True)
class AppFunction:
    name: str  # the Chalice function name (`name=` of the decorator, or api_handler)
    logical_id: str  # its AWS::Serverless::Function in the SAM template
    timeout: int
    sqs: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)


def load_app(source_dir: Path) -> ChaliceApp:
    """The app object exactly as `chalice package` loads it (it is cached in sys.modules by then)."""
    app: ChaliceApp = CLIFactory(project_dir=str(source_dir)).load_chalice_app()
    return app


def logical_id(function_name: str) -> str:
    return API_HANDLER_LOGICAL_ID if function_name == API_HANDLER else to_cfn_resource_name(function_name)


def app_functions(app: ChaliceApp, sam_template: dict[str, Any]) -> list[AppFunction]:
    resources = sam_template["Resources"]
    functions: dict[str, AppFunction] = {}

    def function(name: str) -> AppFunction:
        if name not in functions:
            lid = logical_id(name)
            if resources.get(lid, {}).get("Type") != "AWS::Serverless::Function":
                raise AppShapeError(f"Chalice function {name!r} has no {lid} in the synthesised SAM template")
            functions[name] = AppFunction(name, lid, int(resources[lid]["Properties"]["Timeout"]))
        return functions[name]

    if app.routes:
        function(API_HANDLER)
    for pure in app.pure_lambda_functions:
        function(pure.name)
    for source in app.event_sources:
        fn = function(source.name)
        events = resources[fn.logical_id]["Properties"].get("Events", {})
        if isinstance(source, SQSEventConfig):
            if not source.queue:
                raise AppShapeError(
                    f"{source.name}: SQS handlers must name their queue (queue=resources.queue_name(purpose)); "
                    "the stack creates the queue, its DLQ and its alarm from that name"
                )
            fn.sqs.append(SqsSource(source.queue, _event_named(events, "SQS", source.name), source.batch_size))
        elif isinstance(source, ScheduledEventConfig):
            expression = str(
                source.schedule_expression
                if isinstance(source.schedule_expression, str)
                else source.schedule_expression.to_string()
            )
            fn.schedules.append(ScheduleSource(expression, _event_named(events, "Schedule", source.name)))
        elif isinstance(source, CloudWatchEventConfig):
            continue  # EventBridge rules need nothing from the stack
        else:
            raise AppShapeError(f"{source.name}: event source {type(source).__name__} is not supported by infra/")

    declared = {fn.logical_id for fn in functions.values()}
    synthesised = {lid for lid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    if synthesised != declared:
        raise AppShapeError(f"SAM functions {sorted(synthesised - declared)} are not accounted for by the app")
    return list(functions.values())


def _event_named(events: dict[str, Any], event_type: str, function_name: str) -> str:
    names = [name for name, event in events.items() if event.get("Type") == event_type]
    if len(names) != 1:
        raise AppShapeError(f"{function_name}: expected one {event_type} event in the SAM template, found {names}")
    return names[0]


def read_sam_template(package_dir: str) -> dict[str, Any]:
    template: dict[str, Any] = json.loads((Path(package_dir) / "sam.json").read_text())
    return template

"""The stack derives queues, event source mappings and schedules from the app, whatever handlers it has.

A small fixture app (tests/infra/fixture_app) stands in for the real one: a route, a worker on a known
queue, a worker on a queue resources.py has never heard of, and a schedule.
"""

from __future__ import annotations

import copy
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="`make test-infra` installs infra/requirements.txt")

from chalicelib.adapters import resources
from tests.infra.support import get_att, queue_by_name, resources_of, sqs_event_source_problems, synth

FIXTURE_APP = Path(__file__).parent / "fixture_app"


@pytest.fixture(scope="module")
def fixture_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the fixture app (chalice writes .chalice/deployments into it), imported as `app` while the
    tests of this module run: Chalice loads the application as the module `app`."""
    source = tmp_path_factory.mktemp("fixture") / "app"
    shutil.copytree(FIXTURE_APP, source)
    saved, saved_path = sys.modules.pop("app", None), list(sys.path)
    try:
        yield source
    finally:
        sys.path[:] = saved_path
        sys.modules.pop("app", None)
        if saved is not None:
            sys.modules["app"] = saved


def fixture_access() -> dict[str, Any]:
    from stacks.access import FUNCTION_ACCESS, Access

    return {**FUNCTION_ACCESS, "archive_worker": Access(send_to=("notifications",))}


def fixture_packages() -> dict[str, Any]:
    from stacks.packages import BASE, FUNCTION_PACKAGES

    return {**FUNCTION_PACKAGES, "archive_worker": BASE}


@pytest.fixture(scope="module")
def derived(fixture_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    stack, template = synth(
        tmp_path_factory.mktemp("derived"),
        source_dir=fixture_source,
        function_access=fixture_access(),
        function_packages=fixture_packages(),
    )
    return stack, template, template.to_json()


def test_a_worker_on_a_new_queue_gets_the_queue_and_its_dlq(derived: Any) -> None:
    _, _, t = derived
    queue_id, queue = queue_by_name(t, "sb-archive")
    dlq_id, _ = queue_by_name(t, "sb-archive-dlq")
    assert get_att(queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]) == dlq_id
    assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == resources.MAX_RECEIVE_COUNT
    assert queue["Properties"]["VisibilityTimeout"] == resources.VISIBILITY_FACTOR * 45  # the worker's timeout
    events = t["Resources"]["ArchiveWorker"]["Properties"]["Events"]
    assert events == {
        "ArchiveWorkerSqsEventSource": {
            "Type": "SQS",
            "Properties": {
                "Queue": {"Fn::GetAtt": [queue_id, "Arn"]},
                "BatchSize": 3,
                "MaximumBatchingWindowInSeconds": 0,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            },
        }
    }


def test_every_derived_sqs_event_source_reports_failures_and_has_a_dlq(derived: Any) -> None:
    _, _, t = derived
    assert sqs_event_source_problems(t, resources.MAX_RECEIVE_COUNT) == []
    assert {
        lid for lid, r in resources_of(t, "AWS::Serverless::Function").items() if r["Properties"].get("Events")
    } == {"LookupsWorker", "ArchiveWorker", "DeadlineSweep"}


def test_the_schedule_is_synthesised_with_its_expression(derived: Any) -> None:
    _, _, t = derived
    assert t["Resources"]["DeadlineSweep"]["Properties"]["Events"] == {
        "DeadlineSweepEvent": {"Type": "Schedule", "Properties": {"Schedule": "rate(15 minutes)"}}
    }


def test_the_check_catches_a_missing_report_batch_item_failures(derived: Any) -> None:
    _, _, t = derived
    broken = copy.deepcopy(t)
    del broken["Resources"]["ArchiveWorker"]["Properties"]["Events"]["ArchiveWorkerSqsEventSource"]["Properties"][
        "FunctionResponseTypes"
    ]
    assert sqs_event_source_problems(broken, resources.MAX_RECEIVE_COUNT) == [
        "ArchiveWorker.ArchiveWorkerSqsEventSource: no ReportBatchItemFailures"
    ]


def test_the_check_catches_a_queue_without_dlq_or_outside_the_stack(derived: Any) -> None:
    _, _, t = derived
    broken = copy.deepcopy(t)
    queue_id, _ = queue_by_name(broken, "sb-archive")
    del broken["Resources"][queue_id]["Properties"]["RedrivePolicy"]
    lookups = broken["Resources"]["LookupsWorker"]["Properties"]["Events"]["LookupsWorkerSqsEventSource"]
    lookups["Properties"]["Queue"] = {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:sb-x"}
    problems = sqs_event_source_problems(broken, resources.MAX_RECEIVE_COUNT)
    assert f"ArchiveWorker.ArchiveWorkerSqsEventSource: queue {queue_id} has no DLQ" in problems
    assert any(p.startswith("LookupsWorker.LookupsWorkerSqsEventSource: reads") for p in problems)


def test_the_check_also_reads_plain_event_source_mappings(derived: Any) -> None:
    _, _, t = derived
    broken = copy.deepcopy(t)
    queue_id, _ = queue_by_name(broken, "sb-archive")
    broken["Resources"]["ExtraMapping"] = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {"EventSourceArn": {"Fn::GetAtt": [queue_id, "Arn"]}, "FunctionName": {"Ref": "ArchiveWorker"}},
    }
    assert sqs_event_source_problems(broken, resources.MAX_RECEIVE_COUNT) == [
        "ExtraMapping.ExtraMapping: no ReportBatchItemFailures"
    ]


def test_the_new_workers_dlq_alarms(derived: Any) -> None:
    _, _, t = derived
    dlq_id, _ = queue_by_name(t, "sb-archive-dlq")
    assert [
        a
        for a in resources_of(t, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
    ]


def test_a_function_without_declared_access_stops_the_synth(fixture_source: Path, tmp_path: Path) -> None:
    from stacks.chalice_app import AppShapeError

    access = fixture_access()
    del access["archive_worker"]
    with pytest.raises(AppShapeError, match=r"\['archive_worker'\] have no access declared"):
        synth(tmp_path, source_dir=fixture_source, function_access=access, function_packages=fixture_packages())

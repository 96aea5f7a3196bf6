"""Scheduled handlers: each calls one use case and reports what it did (counts only, no personal data)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib.bootstrap import container
from chalicelib.observability import logger, metrics

schedules = Blueprint(__name__)
# Applications whose decision waits for legal parameters an operator must load (the TSA poverty line's inputs).
WAITING_FOR_PARAMETERS_METRIC = "ApplicationsWaitingForParameters"


@schedules.schedule(Rate(15, unit=Rate.MINUTES), name="deadline_sweep")
def deadline_sweep(event: CloudWatchEvent) -> dict[str, Any]:
    from aws_lambda_powertools.metrics import MetricUnit

    from chalicelib.services.deadlines import sweep_deadlines

    deps = container()
    report = sweep_deadlines(deps.clock.now(), deps.deadlines())
    metrics.add_metric(name="AtRiskApplications", unit=MetricUnit.Count, value=report.at_risk)
    metrics.add_metric(name="OverdueApplications", unit=MetricUnit.Count, value=report.overdue)
    metrics.add_metric(name="HandoverOverdueApplications", unit=MetricUnit.Count, value=report.handover_overdue)
    metrics.add_metric(name=WAITING_FOR_PARAMETERS_METRIC, unit=MetricUnit.Count, value=report.waiting_for_parameters)
    metrics.flush_metrics()
    summary = report.to_dict()
    logger.info("deadline sweep", extra=summary)
    return summary


@schedules.schedule(Rate(1, unit=Rate.HOURS), name="calendar_changes")
def calendar_changes(event: CloudWatchEvent) -> dict[str, Any]:
    """Open applications get the due dates the working-day calendar now gives (a decreed transfer of a day of rest
    added, withdrawn or coming into force); one read when nothing changed."""
    from chalicelib.services.calendar_changes import recompute_due_dates

    deps = container()
    summary = recompute_due_dates(deps.clock.now(), deps.calendar_changes()).to_dict()
    logger.info("calendar changes", extra=summary)
    return summary


@schedules.schedule(Rate(1, unit=Rate.HOURS), name="proactive_timers")
def proactive_timers(event: CloudWatchEvent) -> dict[str, Any]:
    """Reminders and expiries of unanswered proactive offers (periods in data/proactive.json); their SMS are queued
    to the proactive worker."""
    from chalicelib.services.proactive import run_proactive_timers

    summary = run_proactive_timers(container().proactive())
    logger.info("proactive timers", extra=summary)
    return summary

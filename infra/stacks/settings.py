"""Per-stage settings of the CDK app. Application settings (environment variables, timeouts, memory)
live in .chalice/config.json under the same stage names; these are the infrastructure's own."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_logs as logs


@dataclass(frozen=True)
class StageSettings:
    # The Chalice stage: the stack's construct id, so chalice.cdk.Chalice reads this stage of .chalice/config.json.
    stage: str
    # Days Lambda logs are kept (they carry application ids and masked IINs, never names or incomes).
    log_retention: logs.RetentionDays
    # Origins allowed to POST to the pre-signed upload forms (the citizen's browser on the portal).
    upload_origins: tuple[str, ...]
    # Days after which an upload moves to infrequent access, and old versions are removed.
    uploads_infrequent_access_days: int = 30
    noncurrent_versions_days: int = 90
    # API 5xx alarm: the fraction of requests answered 5xx in 5 minutes that pages someone.
    api_5xx_rate_threshold: float = 0.01


STAGES: dict[str, StageSettings] = {
    "dev": StageSettings(
        stage="dev",
        log_retention=logs.RetentionDays.ONE_MONTH,
        upload_origins=("http://localhost:3000", "http://127.0.0.1:8000"),
    ),
    "prod": StageSettings(
        stage="prod",
        log_retention=logs.RetentionDays.ONE_YEAR,
        upload_origins=("https://egov.kz", "https://www.egov.kz"),
    ),
}

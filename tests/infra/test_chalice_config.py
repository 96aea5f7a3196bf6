""".chalice/config.json agrees with resources.py: the stages exist and each worker runs with the timeout its
queue's visibility timeout was computed from. (No CDK needed: this runs in `make test` too.)"""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib.adapters import resources

CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())


def test_the_stages_are_local_dev_and_prod() -> None:
    assert set(CONFIG["stages"]) == {"local", "dev", "prod"}
    for stage in ("dev", "prod"):
        assert CONFIG["stages"][stage]["environment_variables"]["STAGE"] == stage


def test_every_worker_runs_with_the_timeout_resources_describes() -> None:
    functions = CONFIG["lambda_functions"]
    for purpose, seconds in resources.FUNCTION_TIMEOUT_SECONDS.items():
        worker = functions.get(f"{purpose}_worker", {})
        assert worker.get("lambda_timeout") == seconds, purpose
        for stage in CONFIG["stages"].values():  # no stage may override it
            assert "lambda_timeout" not in stage.get("lambda_functions", {}).get(f"{purpose}_worker", {})


def test_no_secret_value_is_configured() -> None:
    text = json.dumps(CONFIG)
    for name in (
        "SMS_WEBHOOK_SECRET",
        "GATEWAY_WEBHOOK_SECRET",
        "PERSON_KEY_SECRET",
        "OTP_SECRET",
        "CONSOLE_SESSION_SECRET",
    ):
        assert f'"{name}"' not in text

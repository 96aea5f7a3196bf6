"""Money per 1,000 applications from the counts of one application and the public prices in prices.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).resolve().parent / "prices.json"
PER = 1000
KMS_ASYMMETRIC = ("Sign", "Verify", "GetPublicKey")


def load_prices() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    return loaded


def _usd(prices: dict[str, Any], name: str) -> float:
    return float(prices["prices"][name]["usd"])


def cost_per_thousand(figures: dict[str, Any], prices: dict[str, Any]) -> dict[str, Any]:
    """USD per 1,000 applications like this one, line by line, and with the SMS segments at the price per segment."""
    dynamodb, sqs, lam = figures["dynamodb"], figures["sqs"], figures["lambda"]
    operations: dict[str, int] = figures["aws_requests_by_operation"]
    wru = dynamodb["wru_estimated_table"] + dynamodb["wru_estimated_indexes"]
    sqs_requests = sqs["billed_requests_by_app"] + sqs["batches_delivered"] + sqs["delete_batches"]
    invocations = sum(lam["invocations"].values())
    kms_asymmetric = sum(
        n for op, n in operations.items() if op.split(":")[0] == "kms" and op.split(":")[1] in KMS_ASYMMETRIC
    )
    kms_other = sum(n for op, n in operations.items() if op.split(":")[0] == "kms") - kms_asymmetric
    lines = {
        "dynamodb_writes": PER * wru * _usd(prices, "dynamodb_on_demand_per_million_wru") / 1e6,
        "dynamodb_reads": PER * dynamodb["rru_estimated"] * _usd(prices, "dynamodb_on_demand_per_million_rru") / 1e6,
        "sqs": PER * sqs_requests * _usd(prices, "sqs_standard_per_million_requests") / 1e6,
        "lambda_requests": PER * invocations * _usd(prices, "lambda_per_million_requests") / 1e6,
        "lambda_duration": PER * lam["gb_seconds"] * _usd(prices, "lambda_per_gb_second"),
        "kms": PER
        * (
            kms_asymmetric * _usd(prices, "kms_per_10000_asymmetric_requests")
            + kms_other * _usd(prices, "kms_per_10000_requests")
        )
        / 1e4,
        "api_gateway": PER
        * lam["invocations"].get("api_handler", 0)
        * _usd(prices, "api_gateway_rest_per_million_requests")
        / 1e6,
        "cloudwatch_logs": PER * figures["log_bytes"] / 2**30 * _usd(prices, "cloudwatch_logs_ingestion_per_gb"),
    }
    usd = {name: round(value, 4) for name, value in lines.items()}
    segments = PER * figures["sms"]["segments"]
    sms_usd = segments * _usd(prices, "sms_kazakhstan_per_segment")
    return {
        "usd": usd,
        "total_usd": round(sum(lines.values()), 4),
        "sms_segments": segments,
        "sms_usd": round(sms_usd, 2),
        "total_with_sms_usd": round(sum(lines.values()) + sms_usd, 2),
        "counts_per_application": {
            "dynamodb_wru": round(wru, 2),
            "dynamodb_rru": dynamodb["rru_estimated"],
            "sqs_billed_requests": sqs_requests,
            "lambda_invocations": invocations,
            "lambda_gb_seconds": lam["gb_seconds"],
            "kms_asymmetric_requests": kms_asymmetric,
            "kms_other_requests": kms_other,
        },
    }


def mix(costs: list[dict[str, Any]]) -> dict[str, Any]:
    """The mean of several applications' costs (an equal mix of them)."""
    names = costs[0]["usd"].keys()
    usd = {name: round(sum(c["usd"][name] for c in costs) / len(costs), 4) for name in names}
    return {
        "usd": usd,
        "total_usd": round(sum(c["total_usd"] for c in costs) / len(costs), 4),
        "sms_segments": round(sum(c["sms_segments"] for c in costs) / len(costs)),
        "sms_usd": round(sum(c["sms_usd"] for c in costs) / len(costs), 2),
        "total_with_sms_usd": round(sum(c["total_with_sms_usd"] for c in costs) / len(costs), 2),
    }

"""Asia/Almaty comes from the pinned tzdata package, whatever zone database the host has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from chalicelib.domain.local_time import ALMATY, almaty


def test_almaty_is_utc_plus_5_since_march_2024_and_plus_6_before() -> None:
    assert datetime(2026, 11, 24, 5, 0, tzinfo=UTC).astimezone(ALMATY).utcoffset() == timedelta(hours=5)
    assert datetime(2024, 2, 1, 5, 0, tzinfo=UTC).astimezone(ALMATY).utcoffset() == timedelta(hours=6)


def test_the_zone_is_read_from_the_tzdata_package_pinned_in_requirements() -> None:
    import tzdata

    requirements = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text()
    assert f"tzdata=={tzdata.__version__}" in requirements.splitlines()
    assert almaty() is ALMATY and ALMATY.key == "Asia/Almaty"

"""Kazakhstan's time zone, from the pinned `tzdata` package (requirements.txt), never the host's zone database.

Asia/Almaty is UTC+5 since 1 March 2024 (the country moved to one zone; IANA tzdata 2024a). A host or a Lambda
image with an older zone database would put every date, deadline and SMS time an hour off; Python's `zoneinfo`
prefers the host's files when it has them, so the zone is read from the package's own file instead.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

ZONE_NAME = "Asia/Almaty"


@cache
def almaty() -> ZoneInfo:
    """The Asia/Almaty zone of the pinned tzdata package (the same object on every call)."""
    with resources.files("tzdata.zoneinfo").joinpath("Asia", "Almaty").open("rb") as data:
        return ZoneInfo.from_file(data, key=ZONE_NAME)


ALMATY = almaty()

"""What the security suite needs to see what the app asks and answers about whom."""

from __future__ import annotations

import re
import threading
from typing import Any

from chalicelib.domain.identity import mask_iin


class RecordingGateway:
    """The app's own gateway client, recording (registry, iin) of every call, in order."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def fetch(self, registry: str, iin: str, **kwargs: Any) -> Any:
        with self.lock:
            self.calls.append((registry, iin))
        return self.inner.fetch(registry, iin, **kwargs)

    def about(self, iin: str) -> list[str]:
        with self.lock:
            return [registry for registry, asked in self.calls if asked == iin]


def record_gateway() -> RecordingGateway:
    """Wrap the running app's gateway client (the bootstrap container's) with a RecordingGateway."""
    from chalicelib.bootstrap import container

    app = container()
    recording = RecordingGateway(app.gateway)
    app.__dict__["gateway"] = recording
    return recording


def traces_of(iin: str) -> list[str]:
    """How a person's IIN may show in a text: in clear, masked, or its unmasked middle."""
    return [iin, mask_iin(iin)]


def reveals(body: bytes | str, *needles: str) -> list[str]:
    text = body.decode() if isinstance(body, bytes) else body
    return [n for n in needles if n and re.search(re.escape(n), text)]

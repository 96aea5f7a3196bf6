"""The one place that chooses and builds adapters: lazily, on first use, never at import.

Entrypoints ask `container()` for what a use case needs. Tests call `reset()` to drop every cached
client and adapter (e.g. after moto starts, or to change settings).
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.adapters.dynamodb import DynamoApplicationRepository
    from chalicelib.adapters.sqs import SqsPublisher
    from chalicelib.domain.calendar import WorkingDayCalendar
    from chalicelib.domain.catalog import ServiceCatalog
    from chalicelib.services.intake import IntakeDeps
    from chalicelib.services.ports import Clock, IdGenerator


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """A boto3 client, created on first use (moto must be active before, in tests)."""
        if service not in self._clients:
            import boto3

            session: Any = boto3.session.Session()
            self._clients[service] = session.client(
                service, region_name=self.settings.region, endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None
            )
        return self._clients[service]

    @cached_property
    def repo(self) -> DynamoApplicationRepository:
        from chalicelib.adapters.dynamodb import DynamoApplicationRepository, bind_models

        bind_models(self.settings.table_name, self.settings.region, os.environ.get("AWS_ENDPOINT_URL") or None)
        return DynamoApplicationRepository(self.settings.person_key_secret)

    @cached_property
    def publisher(self) -> SqsPublisher:
        from chalicelib.adapters.sqs import SqsPublisher

        return SqsPublisher(lambda: self.client("sqs"), self.settings.queue_name)

    @cached_property
    def clock(self) -> Clock:
        from chalicelib.adapters.system import SystemClock

        return SystemClock()

    @cached_property
    def ids(self) -> IdGenerator:
        from chalicelib.adapters.system import RandomIds

        return RandomIds()

    @cached_property
    def catalog(self) -> ServiceCatalog:
        from chalicelib.domain.catalog import load_catalog

        return load_catalog()

    @cached_property
    def calendar(self) -> WorkingDayCalendar:
        from chalicelib.domain.calendar import default_calendar

        return default_calendar()

    def intake(self) -> IntakeDeps:
        from chalicelib.services.intake import IntakeDeps

        return IntakeDeps(self.repo, self.clock, self.ids, self.publisher, self.catalog, self.calendar)


_container: Container | None = None


def container() -> Container:
    global _container  # noqa: PLW0603
    if _container is None:
        _container = Container(get_settings())
    return _container


def reset() -> None:
    """Forget every built adapter and the settings (tests; a changed environment)."""
    global _container  # noqa: PLW0603
    _container = None
    get_settings.cache_clear()

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
    from chalicelib.adapters.deadline_index import DynamoDeadlineIndex, DynamoWorkQueue
    from chalicelib.adapters.dynamodb import DynamoApplicationRepository
    from chalicelib.adapters.kms_signer import KmsResultSigner
    from chalicelib.adapters.lookup_store import DynamoLookupStore
    from chalicelib.adapters.results import DynamoResultStore
    from chalicelib.adapters.sqs import SqsPublisher
    from chalicelib.domain.calendar import WorkingDayCalendar
    from chalicelib.domain.catalog import ServiceCatalog
    from chalicelib.services.audit import AuditLog
    from chalicelib.services.deadlines import DeadlineDeps
    from chalicelib.services.decisions import DecisionDeps
    from chalicelib.services.eligibility import EligibilityDeps
    from chalicelib.services.intake import IntakeDeps
    from chalicelib.services.lookups import LookupDeps
    from chalicelib.services.ports import Clock, IdGenerator
    from chalicelib.services.registry_port import RegistryGateway


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
    def table(self) -> str:
        """Points every PynamoDB model at the table; adapters on the table depend on this first."""
        from chalicelib.adapters.dynamodb import bind_models

        bind_models(self.settings.table_name, self.settings.region, os.environ.get("AWS_ENDPOINT_URL") or None)
        return self.settings.table_name

    @cached_property
    def repo(self) -> DynamoApplicationRepository:
        from chalicelib.adapters.dynamodb import DynamoApplicationRepository

        assert self.table
        return DynamoApplicationRepository(self.settings.person_key_secret)

    @cached_property
    def lookup_store(self) -> DynamoLookupStore:
        from chalicelib.adapters.lookup_store import DynamoLookupStore

        assert self.table
        return DynamoLookupStore()

    @cached_property
    def results(self) -> DynamoResultStore:
        from chalicelib.adapters.results import DynamoResultStore

        assert self.table
        return DynamoResultStore()

    @cached_property
    def audit(self) -> AuditLog:
        from chalicelib.adapters.audit import DynamoAuditLog

        assert self.table
        return DynamoAuditLog()

    @cached_property
    def deadline_index(self) -> DynamoDeadlineIndex:
        from chalicelib.adapters.deadline_index import DynamoDeadlineIndex

        assert self.table
        return DynamoDeadlineIndex()

    @cached_property
    def work_queue(self) -> DynamoWorkQueue:
        from chalicelib.adapters.deadline_index import DynamoWorkQueue

        assert self.table
        return DynamoWorkQueue()

    @cached_property
    def publisher(self) -> SqsPublisher:
        from chalicelib.adapters.sqs import SqsPublisher

        return SqsPublisher(lambda: self.client("sqs"), self.settings.queue_name)

    @cached_property
    def signer(self) -> KmsResultSigner:
        from chalicelib.adapters.kms_signer import KmsResultSigner

        return KmsResultSigner(lambda: self.client("kms"), self.settings.signing_key_id)

    @cached_property
    def gateway(self) -> RegistryGateway:
        from chalicelib.adapters.gateway import GatewayClient

        return GatewayClient(self.settings.gateway_url, self.settings.requesting_system)

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

    # --- dependencies of each use case -------------------------------------------------------------------

    def intake(self) -> IntakeDeps:
        from chalicelib.services.intake import IntakeDeps

        return IntakeDeps(self.repo, self.clock, self.ids, self.publisher, self.catalog, self.calendar)

    def lookups(self) -> LookupDeps:
        from chalicelib.services.lookups import LookupDeps

        return LookupDeps(self.gateway, self.lookup_store, self.audit, self.publisher, self.clock)

    def eligibility(self) -> EligibilityDeps:
        from chalicelib.services.eligibility import EligibilityDeps

        return EligibilityDeps(self.gateway, self.audit, self.clock, self.catalog)

    def deadlines(self) -> DeadlineDeps:
        from chalicelib.services.deadlines import DeadlineDeps

        return DeadlineDeps(self.deadline_index, self.publisher, self.calendar)

    def decisions(self) -> DecisionDeps:
        from chalicelib.services.decisions import DecisionDeps

        return DecisionDeps(self.repo, self.lookup_store, self.signer, self.results, self.publisher, self.clock,
                            self.catalog, self.calendar)


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

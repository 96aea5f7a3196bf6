"""The status poll (`GET /applications/{id}`): it lists the lookups and the decision with its reasons from at most
two items (the application and one more), never from the registry answers themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.application import Status
from chalicelib.entrypoints.views import lookups_view
from local.gateway_sim import GatewaySimulator
from tests.integration.test_pipeline import file, reload
from tests.support.pipeline import drain


@pytest.fixture
def gateway(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewaySimulator]:
    from chalicelib import bootstrap

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        bootstrap.reset()
        yield sim


class ReadCounter:
    """Every DynamoDB read request PynamoDB makes, and the items it returned."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.items = 0

    def count(self, operation: str, parsed: dict[str, Any]) -> None:
        if operation in ("GetItem", "Query", "BatchGetItem", "Scan", "TransactGetItems"):
            self.requests.append(operation)
            self.items += 1 if "Item" in parsed else len(parsed.get("Items", []))
            for items in parsed.get("Responses", {}).values():
                self.items += len(items)


def _poll(app_id: str) -> tuple[dict[str, Any], ReadCounter]:
    from pynamodb.connection.base import Connection

    from chalicelib.bootstrap import container
    from chalicelib.services.queries import status_poll

    counter = ReadCounter()
    application = container().repo.get(app_id)
    real = Connection._make_api_call

    def counted(self: Connection, operation: str, kwargs: dict[str, Any]) -> Any:
        parsed = real(self, operation, kwargs)
        counter.count(operation, parsed)
        return parsed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Connection, "_make_api_call", counted)
        poll = status_poll(application, container().lookup_store, container().results)
    return {"lookups": lookups_view(poll.lookups), "decision": poll.decision}, counter


def _comparable(views: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    # the poll keeps instants to the millisecond
    return sorted(
        (
            v["registry"],
            v["person"],
            v["person_masked_iin"],
            v["status"],
            v["fetched_at"][:23],
            v.get("on_not_found"),
            v.get("document"),
        )
        for v in views
    )


def _from_answers(app_id: str) -> list[dict[str, Any]]:
    from chalicelib.bootstrap import container

    return lookups_view(container().lookup_store.for_application(app_id))


def test_a_decided_tsa_family_is_polled_from_two_items_with_every_lookup_and_reason(gateway: GatewaySimulator) -> None:
    from chalicelib.bootstrap import container

    # Given a TSA family of five, decided after 99 lookups (94, and the credit bureau asked about each member)
    app = file(gateway, "tsa-eligible-3-children")
    drain()
    assert reload(app.id).status is Status.APPROVED
    # When the status is polled
    shown, reads = _poll(app.id)
    # Then one item besides the application is read (the signed result), and it lists what the answers say
    assert reads.items == 1 and len(reads.requests) == 1
    assert len(shown["lookups"]) == 99
    assert _comparable(shown["lookups"]) == _comparable(_from_answers(app.id))
    # And the reasons shown are the signed result's, kept there only
    signed = container().results.get(app.id)
    assert signed is not None
    assert shown["decision"]["reasons"] == signed["document"]["decision"]["reasons"]
    assert "reasons" not in reload(app.id).decision


def test_an_application_waiting_for_a_document_is_polled_from_its_progress_item(gateway: GatewaySimulator) -> None:
    # Given an application whose bank registry had no record
    app = file(gateway, "tsa-bank-account-not-found")
    drain()
    assert reload(app.id).status is Status.AWAITING_DOCUMENTS
    # When the status is polled
    shown, reads = _poll(app.id)
    # Then one item is read besides the application, and the missing record shows what follows
    assert reads.items == 1
    assert _comparable(shown["lookups"]) == _comparable(_from_answers(app.id))
    missing = [v for v in shown["lookups"] if v["status"] != "found"]
    assert missing and all(v["on_not_found"] for v in missing)
    assert shown["decision"] is None


def test_the_tsa_application_item_does_not_repeat_the_reasons_of_its_signed_result(gateway: GatewaySimulator) -> None:
    from chalicelib.adapters.dynamodb import ApplicationItem

    # Given a decided TSA family of five
    app = file(gateway, "tsa-eligible-3-children")
    drain()
    # Then its application item stays small (it was 22 KB with the reasons in it)
    item = ApplicationItem.get(f"APP#{app.id}", "APP", consistent_read=True)
    assert len(item.body.encode()) < 4096

"""chalicelib/data/gateway_services.json: every registry the back office asks is a service of the gateway."""

from __future__ import annotations

from chalicelib.data import load_json


def test_every_registry_is_a_gateway_service_with_its_owner() -> None:
    registries = load_json("registries.json")["registries"]
    services = load_json("gateway_services.json")["services"]
    # a registry added to registries.json needs its gateway service id here, or its lookups cannot be sent
    assert set(services) == set(registries)
    for registry, spec in services.items():
        assert spec["service_id"].strip() and spec["service_id"].isascii(), registry
        assert spec["owner"] == registries[registry]["holder"], registry
    ids = [spec["service_id"] for spec in services.values()]
    assert len(ids) == len(set(ids)), "two registries share a gateway service id"


def test_the_channel_and_its_fault_codes_are_stated_with_their_source() -> None:
    document = load_json("gateway_services.json")
    assert document["_source"] and document["effective_from"]
    assert document["channel"]["success_code"] == "SCSS001"
    assert document["channel"]["endpoint_path"].startswith("/") and document["channel"]["endpoint_path"].endswith("/")
    faults = document["fault_codes"]
    # only the provider's own outages are worth a retry: a refusal of the message is the same every time
    assert {code for code, spec in faults.items() if spec["transient"]} == {"PROVIDER_UNAVAILABLE", "PROVIDER_TIMEOUT"}

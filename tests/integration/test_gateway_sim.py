"""The gateway simulator over real HTTP on 127.0.0.1: answers, errors, fault knobs and the request log."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.data import load_json
from local.gateway_sim import REQUIRED_HEADERS, GatewaySimulator

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def headers(**overrides: str) -> dict[str, str]:
    base = {
        "X-Request-Id": "req-1",
        "X-Requesting-System": "social-benefits-back-office",
        "X-Service-Id": "targeted-social-assistance",
        "X-Purpose": "TSA: identity of each family member",
        "X-On-Behalf-Of": "APP-0001",
    }
    base.update(overrides)
    return base


def call(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    hdrs: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], dict[str, Any]]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=hdrs or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def query(sim: GatewaySimulator, registry: str, iin: str, **hdrs: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    return call(sim.base_url, "POST", f"/v1/registries/{registry}/query", {"iin": iin}, hdrs=headers(**hdrs))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture(scope="module")
def running(clock: Clock) -> Iterator[GatewaySimulator]:
    with GatewaySimulator(clock=clock) as sim:
        yield sim


@pytest.fixture
def sim(running: GatewaySimulator, clock: Clock) -> GatewaySimulator:
    running.reset_faults()
    running.clear_requests()
    clock.now = NOW
    return running


def test_a_seeded_person_is_found_with_the_registry_shape_and_source(sim: GatewaySimulator) -> None:
    # Given the applicant of a seeded TSA family
    applicant = sim.family("tsa-eligible-3-children")["applicant"]
    # When the identity registry is asked about them
    status, response_headers, body = query(sim, "gbdfl", applicant, **{"X-Request-Id": "req-42"})
    # Then it answers found, with the registry's shape, its holder as source and the time in RFC 3339 UTC
    assert status == 200
    assert body["status"] == "found"
    assert body["registry"] == "gbdfl"
    assert body["request_id"] == "req-42"
    assert response_headers["X-Request-Id"] == "req-42"
    assert body["data"]["iin"] == applicant
    shape = load_json("registries.json")["registries"]["gbdfl"]
    assert set(body["data"]) == set(shape["answer"])
    assert body["source_system"] == shape["holder"]
    assert body["fetched_at"] == "2026-11-24T09:30:00.000Z"


def test_a_person_the_registry_does_not_know_is_not_found(sim: GatewaySimulator) -> None:
    # Given a person found in no registry at all
    nobody = sim.family("unknown-person")["applicant"]
    # When two registries are asked about them
    for registry in ("gbdfl", "income_wages"):
        status, _, body = query(sim, registry, nobody)
        # Then each answers 404 not_found, naming itself and its holder
        assert status == 404
        assert body["status"] == "not_found"
        assert body["registry"] == registry
        assert body["source_system"]
        assert "data" not in body


def test_an_unknown_registry_is_reported_as_such(sim: GatewaySimulator) -> None:
    # Given a registry id that registries.json does not list
    # When it is queried
    status, _, body = query(sim, "horoscopes", sim.family("tsa-eligible-3-children")["applicant"])
    # Then the simulator says the registry is unknown
    assert status == 404
    assert body == {"status": "unknown_registry", "registry": "horoscopes"}


def test_missing_headers_are_a_problem_naming_each_header(sim: GatewaySimulator) -> None:
    # Given a query without X-Purpose and X-On-Behalf-Of
    partial = {k: v for k, v in headers().items() if k not in ("X-Purpose", "X-On-Behalf-Of")}
    # When it is sent
    status, response_headers, body = call(
        sim.base_url,
        "POST",
        "/v1/registries/gbdfl/query",
        {"iin": sim.family("caregiver-eligible")["applicant"]},
        hdrs=partial,
    )
    # Then it is a 400 problem listing both missing headers and nothing else
    assert status == 400
    assert response_headers["Content-Type"].startswith("application/problem+json")
    assert body["status"] == 400
    assert {e["field"] for e in body["errors"]} == {"header:X-Purpose", "header:X-On-Behalf-Of"}
    assert {e["code"] for e in body["errors"]} == {"header.missing"}
    assert set(REQUIRED_HEADERS) >= {"X-Purpose", "X-On-Behalf-Of"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json", "body.invalid"),
        (b"[]", "body.invalid"),
        (b"{}", "iin.missing"),
        (b'{"iin": "12345"}', "iin.format"),
        (b'{"iin": "920411441018"}', "iin.checksum"),
    ],
)
def test_an_invalid_body_is_a_problem(sim: GatewaySimulator, raw: bytes, code: str) -> None:
    # Given a body that is not {"iin": <valid IIN>}
    # When it is sent with every header
    status, _, body = call(sim.base_url, "POST", "/v1/registries/gbdfl/query", raw=raw, hdrs=headers())
    # Then the simulator answers 400 with the stable code
    assert status == 400
    assert [e["code"] for e in body["errors"]] == [code]


def test_a_registry_switched_down_answers_503_until_switched_up(sim: GatewaySimulator) -> None:
    # Given a seeded person and the disability registry switched down
    iin = sim.family("caregiver-eligible")["members"][0]["iin"]
    sim.set_down("disability", True)
    # When it is queried, Then it is unavailable with a Retry-After, while other registries still answer
    status, response_headers, body = query(sim, "disability", iin)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["reason"] == "down"
    assert int(response_headers["Retry-After"]) >= 1
    assert query(sim, "gbdfl", iin)[0] == 200
    # When it is switched up again, Then it answers
    sim.set_down("disability", False)
    assert query(sim, "disability", iin)[0] == 200


def test_an_outage_window_applies_only_while_it_is_active(sim: GatewaySimulator, clock: Clock) -> None:
    # Given an outage of the address registry from 10:00 to 11:00, set over HTTP
    iin = sim.family("tsa-eligible-3-children")["applicant"]
    window = {"start": "2026-11-24T10:00:00Z", "end": "2026-11-24T11:00:00Z"}
    status, _, config = call(sim.base_url, "POST", "/_sim/config", {"registries": {"address": {"outages": [window]}}})
    assert status == 200
    assert config["registries"]["address"]["outages"] == [
        {"start": "2026-11-24T10:00:00.000Z", "end": "2026-11-24T11:00:00.000Z"}
    ]
    # When it is queried before, during and after the window
    answers = []
    for moment in (NOW, NOW + timedelta(minutes=45), NOW + timedelta(minutes=95)):
        clock.now = moment
        answers.append(query(sim, "address", iin))
    # Then only the request inside the window is unavailable, for the reason "outage"
    assert [a[0] for a in answers] == [200, 503, 200]
    assert answers[1][2]["reason"] == "outage"


def test_the_error_rate_is_deterministic_for_a_given_rng_seed(sim: GatewaySimulator) -> None:
    # Given a 40% error rate on the wages registry
    iin = sim.family("tsa-income-just-below-line")["members"][0]["iin"]

    def twenty_statuses() -> list[int]:
        sim.reseed(7)
        sim.configure("income_wages", error_rate=0.4)
        return [query(sim, "income_wages", iin)[0] for _ in range(20)]

    # When 20 requests are sent, twice from the same RNG seed
    first, second = twenty_statuses(), twenty_statuses()
    # Then both runs see exactly the same answers, some 503 and some 200
    assert first == second
    assert set(first) == {200, 503}
    # And a registry without an error rate is never failed
    assert {query(sim, "gbdfl", iin)[0] for _ in range(5)} == {200}


def test_the_error_rate_and_down_switch_can_be_set_over_http(sim: GatewaySimulator) -> None:
    # Given every registry at error rate 1 and then the "reset" config
    iin = sim.family("sss-no-grounds")["applicant"]
    status, _, _ = call(sim.base_url, "POST", "/_sim/config", {"registries": {"*": {"error_rate": 1.0}}})
    assert status == 200
    assert query(sim, "gbdfl", iin)[0] == 503
    # When the config is reset
    status, _, config = call(sim.base_url, "POST", "/_sim/config", {"reset": True})
    # Then every registry is healthy again
    assert status == 200
    assert all(k["error_rate"] == 0 and not k["down"] for k in config["registries"].values())
    assert query(sim, "gbdfl", iin)[0] == 200


def test_a_bad_config_is_refused(sim: GatewaySimulator) -> None:
    # Given configs with an unknown registry, an error rate above 1 and a malformed outage
    for document in (
        {"registries": {"horoscopes": {"down": True}}},
        {"registries": {"gbdfl": {"error_rate": 1.5}}},
        {"registries": {"gbdfl": {"outages": [{"start": "yesterday"}]}}},
    ):
        # When each is posted, Then it is a 400 problem and nothing changed
        status, _, body = call(sim.base_url, "POST", "/_sim/config", document)
        assert status == 400
        assert body["status"] == 400
    assert sim.config()["registries"]["gbdfl"]["error_rate"] == 0


def test_latency_delays_the_answer(sim: GatewaySimulator) -> None:
    # Given 60 ms of latency on the vehicles registry
    sim.configure("vehicles", latency_ms=60)
    iin = sim.family("tsa-owns-property")["applicant"]
    # When it is queried
    started = time.perf_counter()
    status, _, _ = query(sim, "vehicles", iin)
    # Then the answer comes, no sooner than the latency
    assert status == 200
    assert time.perf_counter() - started >= 0.06


def test_the_request_log_keeps_headers_and_masked_iins_and_can_be_cleared(sim: GatewaySimulator) -> None:
    # Given three queries: found, not found and a bad one
    applicant = sim.family("tsa-eligible-3-children")["applicant"]
    query(sim, "gbdfl", applicant, **{"X-On-Behalf-Of": applicant})
    query(sim, "vehicles", applicant)
    call(sim.base_url, "POST", "/v1/registries/gbdfl/query", {"iin": applicant}, hdrs={"X-Request-Id": "r"})
    # When the log is read over HTTP
    status, _, log = call(sim.base_url, "GET", "/_sim/requests")
    # Then it holds the three requests in order, with the headers and no full IIN anywhere
    assert status == 200
    assert [(r["registry"], r["outcome"]) for r in log["requests"]] == [
        ("gbdfl", "found"),
        ("vehicles", "not_found"),
        ("gbdfl", "bad_request"),
    ]
    first = log["requests"][0]
    assert first["iin"] == f"{applicant[:4]}****{applicant[-4:]}"
    assert first["headers"]["X-Service-Id"] == "targeted-social-assistance"
    assert first["headers"]["X-Purpose"] == "TSA: identity of each family member"
    assert applicant not in json.dumps(log)
    # And the counters per registry add up
    assert log["counters"]["gbdfl"]["requests"] == 2
    assert log["counters"]["gbdfl"]["found"] == 1
    assert log["counters"]["gbdfl"]["bad_request"] == 1
    assert log["counters"]["vehicles"]["not_found"] == 1
    assert sim.requests == log["requests"]
    # When the log is deleted, Then it is empty
    assert call(sim.base_url, "DELETE", "/_sim/requests")[0] == 200
    assert sim.requests == []
    assert call(sim.base_url, "GET", "/_sim/requests")[2] == {"requests": [], "counters": {}}


def test_families_and_health_are_served_for_the_demo(sim: GatewaySimulator) -> None:
    # Given the running simulator
    # When the families of one scenario and the health are asked
    _, _, families = call(sim.base_url, "GET", "/_sim/families?scenario=caregiver-baikonur-resident")
    _, _, health = call(sim.base_url, "GET", "/_sim/health")
    # Then that one family comes back, and the health counts the seed
    assert [f["scenario"] for f in families["families"]] == ["caregiver-baikonur-resident"]
    assert health["status"] == "ok"
    assert health["families"] >= 50


def test_the_simulator_starts_fast_and_frees_its_port_when_stopped() -> None:
    # Given a new simulator on an ephemeral port
    started = time.perf_counter()
    with GatewaySimulator() as sim:
        # When it is started, Then it serves within a fraction of a second on 127.0.0.1
        assert sim.base_url.startswith("http://127.0.0.1:")
        assert call(sim.base_url, "GET", "/_sim/health")[0] == 200
        assert time.perf_counter() - started < 1.0
        url = sim.base_url
    # When the context ends, Then nothing listens there any more
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/_sim/health", timeout=1)

"""The gateway's SOAP client (ШЭП SyncChannel v10, signed with WS-Security) against the gateway simulator on 127.0.0.1.

Backoff waits and the breaker's clock are a fake that only moves when the client sleeps, and the simulator and the
client's message dates read the same fake time, so outage windows and cooldowns pass without real waiting.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.gateway import GatewayClient
from chalicelib.adapters.shep_wss import PemEnvelopeSigner
from chalicelib.services.registry_port import GatewayRejected, RegistryUnavailable
from local.gateway_participant import SENDER_ID, SENDER_PASSWORD, provider_pem
from local.gateway_sim import GatewaySimulator, default_seed_path
from tests.support.people import STRANGER

START = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
CONTEXT = {
    "service_id": "targeted-social-assistance",
    "purpose": "TSA: identity of each family member",
    "on_behalf_of": "261124-7KQ2M9XA",
}


class FakeTime:
    """Monotonic seconds and the simulator's wall clock, advanced only by the client's sleeps."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.seconds += seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.seconds)


class SimClock:
    def __init__(self) -> None:
        self.source = FakeTime()

    def __call__(self) -> datetime:
        return self.source.wall()


@pytest.fixture(scope="module")
def sim_clock() -> SimClock:
    return SimClock()


@pytest.fixture(scope="module")
def running(sim_clock: SimClock) -> Iterator[GatewaySimulator]:
    with GatewaySimulator(clock=sim_clock) as sim:
        yield sim


@pytest.fixture
def time_(sim_clock: SimClock) -> FakeTime:
    sim_clock.source = FakeTime()
    return sim_clock.source


@pytest.fixture
def sim(running: GatewaySimulator, time_: FakeTime) -> GatewaySimulator:
    running.reset_faults()
    running.clear_requests()
    return running


def signer() -> PemEnvelopeSigner:
    return PemEnvelopeSigner(*provider_pem())


def client_for(
    sim: GatewaySimulator, time_: FakeTime, *, password: str = SENDER_PASSWORD, **options: Any
) -> GatewayClient:
    options.setdefault("signer", signer())
    return GatewayClient(
        sim.base_url, SENDER_ID, password, sleep=time_.sleep, monotonic=time_.monotonic, clock=time_.wall, **options
    )


def known_person(sim: GatewaySimulator, registry: str) -> str:
    people = json.loads(default_seed_path().read_text(encoding="utf-8"))["people"]
    return next(iin for iin in people if sim.answer_of(registry, iin) is not None)


def requests_to(sim: GatewaySimulator, registry: str) -> int:
    return sim.counters.get(registry, {}).get("requests", 0)


def test_a_person_the_registry_knows_is_found_with_its_source(sim: GatewaySimulator, time_: FakeTime) -> None:
    # Given a person the civil registry of individuals holds
    iin = known_person(sim, "gbdfl")
    # When the client asks for them
    answer = client_for(sim, time_).fetch("gbdfl", iin, request_id="req-found", **CONTEXT)
    # Then the answer carries the registry's data, its holder and when it was read, in one request
    assert answer.status == "found" and answer.found
    assert answer.data == sim.answer_of("gbdfl", iin)
    assert answer.source_system == "Ministry of Justice"
    assert answer.fetched_at == START
    assert answer.request_id == "req-found"
    assert requests_to(sim, "gbdfl") == 1
    assert iin not in repr(answer)


def test_a_person_the_registry_does_not_know_is_not_found(sim: GatewaySimulator, time_: FakeTime) -> None:
    # Given a valid IIN nobody registered
    assert sim.answer_of("disability", STRANGER) is None
    # When the client asks the disability registry
    answer = client_for(sim, time_).fetch("disability", STRANGER, request_id="req-nf", **CONTEXT)
    # Then the answer is not_found, with no data, and is not retried
    assert (answer.status, answer.data, answer.registry) == ("not_found", {}, "disability")
    assert answer.source_system
    assert requests_to(sim, "disability") == 1


def test_every_request_carries_the_message_info_and_the_query(sim: GatewaySimulator, time_: FakeTime) -> None:
    # When the client asks on behalf of an official (an IIN), with a purpose in Cyrillic
    client_for(sim, time_).fetch(
        "migration",
        STRANGER,
        service_id="caregiver-allowance",
        purpose="ПУ: статус",
        on_behalf_of=STRANGER,
        request_id="req-info",
    )
    # Then the gateway saw the service of the registry, the sender, the correlation id, why and for whom
    seen = sim.requests[-1]
    assert seen["message"] | {"message_id": None, "session_id": None} == {
        "message_id": None,
        "session_id": None,
        "correlation_id": "req-info",
        "service_id": "SOCBEN_MIGRATION",
        "sender_id": SENDER_ID,
        "public_service": "caregiver-allowance",
        "purpose": "ПУ: статус",
        "on_behalf_of": f"{STRANGER[:4]}****{STRANGER[-4:]}",  # the simulator's log masks it
    }
    assert seen["message"]["message_id"] and seen["message"]["session_id"]
    assert "BIN000000000000" in seen["signed_by"]


def test_a_short_outage_is_ridden_out_by_one_retry_after_retry_after(sim: GatewaySimulator, time_: FakeTime) -> None:
    # Given the address registry is out for the next half second
    sim.add_outage("address", START, START + timedelta(seconds=0.5))
    iin = known_person(sim, "address")
    # When the client asks
    answer = client_for(sim, time_).fetch("address", iin, request_id="req-outage", **CONTEXT)
    # Then it waited what Retry-After asked (1 s, under the 2 s cap) and the second attempt got the answer
    assert answer.found
    assert time_.sleeps == [1.0]
    assert [r["outcome"] for r in sim.requests] == ["unavailable", "found"]
    assert [r["fault"] for r in sim.requests] == ["PROVIDER_UNAVAILABLE", None]
    # the same correlation id and session on both attempts, a message id of its own each
    assert {r["message"]["correlation_id"] for r in sim.requests} == {"req-outage"}
    assert len({r["message"]["session_id"] for r in sim.requests}) == 1
    assert len({r["message"]["message_id"] for r in sim.requests}) == 2
    # and the message log of the read names both exchanges, without the person
    assert [e.status for e in answer.exchanges] == ["PROVIDER_UNAVAILABLE", "SCSS001"]
    assert [e.http_status for e in answer.exchanges] == [500, 200]


def test_retry_after_is_honoured_only_up_to_the_cap(sim: GatewaySimulator, time_: FakeTime) -> None:
    sim.set_down("address")
    with pytest.raises(RegistryUnavailable) as raised:
        client_for(sim, time_, backoff_cap_s=0.5).fetch("address", STRANGER, request_id="r", **CONTEXT)
    assert raised.value.reason == "PROVIDER_UNAVAILABLE"
    assert time_.sleeps == [0.5, 0.5]
    assert [e.status for e in raised.value.exchanges] == ["PROVIDER_UNAVAILABLE"] * 3
    assert requests_to(sim, "address") == 3


def test_a_flaky_registry_is_read_in_the_end_and_we_count_what_it_costs(sim: GatewaySimulator, time_: FakeTime) -> None:
    # Given a registry failing three requests in ten (the simulator's draws are seeded: the same every run)
    sim.configure("gbdfl", error_rate=0.3)
    iin = known_person(sim, "gbdfl")
    client = client_for(sim, time_, max_attempts=5, breaker_threshold=10)
    # When twenty lookups go out
    answers = [client.fetch("gbdfl", iin, request_id=f"req-{n}", **CONTEXT) for n in range(20)]
    # Then all were read, each failed attempt costing one more request and one wait
    counters = sim.counters["gbdfl"]
    assert all(a.found for a in answers)
    assert counters["unavailable"] > 0
    assert counters["requests"] == 20 + counters["unavailable"]
    assert len(time_.sleeps) == counters["unavailable"]


def test_full_jitter_stays_under_the_exponential_ceiling(sim: GatewaySimulator, time_: FakeTime) -> None:
    client = client_for(sim, time_, backoff_base_s=0.2, backoff_cap_s=2.0)
    for attempt, ceiling in ((1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6), (5, 2.0), (9, 2.0)):
        delays = [client.backoff_delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jittered over the whole range, not fixed


def test_a_bad_request_is_rejected_at_once_and_not_retried(sim: GatewaySimulator, time_: FakeTime) -> None:
    # When the client sends an IIN whose check digit is wrong
    bad = STRANGER[:11] + str((int(STRANGER[11]) + 1) % 10)
    with pytest.raises(GatewayRejected) as raised:
        client_for(sim, time_).fetch("gbdfl", bad, request_id="req-bad", **CONTEXT)
    # Then the registry's own code comes back (under the gateway's PROVIDER_ERROR), after one request and no wait
    assert (raised.value.status, raised.value.code, raised.value.registry) == (500, "iin.checksum", "gbdfl")
    assert [e.status for e in raised.value.exchanges] == ["PROVIDER_ERROR"]
    assert requests_to(sim, "gbdfl") == 1
    assert time_.sleeps == []


def test_a_registry_without_a_gateway_service_is_refused_before_sending(sim: GatewaySimulator, time_: FakeTime) -> None:
    with pytest.raises(GatewayRejected) as unknown:
        client_for(sim, time_).fetch("horoscopes", STRANGER, request_id="r", **CONTEXT)
    assert (unknown.value.status, unknown.value.code) == (0, "registry.no_service_id")
    assert sim.requests == []


def test_a_service_the_gateway_does_not_know_is_permanent(sim: GatewaySimulator, time_: FakeTime) -> None:
    client = client_for(sim, time_, service_ids={"horoscopes": "SOCBEN_HOROSCOPES"})
    with pytest.raises(GatewayRejected) as unknown:
        client.fetch("horoscopes", STRANGER, request_id="r", **CONTEXT)
    assert (unknown.value.status, unknown.value.code) == (500, "SERVICE_NOT_FOUND")
    assert time_.sleeps == []


def test_a_blank_purpose_is_refused_before_sending(sim: GatewaySimulator, time_: FakeTime) -> None:
    with pytest.raises(GatewayRejected) as refused:
        client_for(sim, time_).fetch("gbdfl", STRANGER, service_id="tsa", purpose=" ", on_behalf_of="x", request_id="r")
    assert (refused.value.status, refused.value.code) == (0, "purpose.missing")
    assert sim.requests == []


def test_the_breaker_opens_after_consecutive_failures_and_half_opens_after_the_cooldown(
    sim: GatewaySimulator, time_: FakeTime
) -> None:
    # Given a registry that is down and a breaker opening after 4 failed attempts
    sim.set_down("disability")
    client = client_for(sim, time_, max_attempts=2, breaker_threshold=4, breaker_cooldown_s=30)
    for n in range(2):
        with pytest.raises(RegistryUnavailable):
            client.fetch("disability", STRANGER, request_id=f"r{n}", **CONTEXT)
    assert requests_to(sim, "disability") == 4
    assert client.breaker("disability").state == "open"
    # When another lookup comes before the cooldown ends
    with pytest.raises(RegistryUnavailable) as fast:
        client.fetch("disability", STRANGER, request_id="r-fast", **CONTEXT)
    # Then it fails at once without reaching the gateway, and other registries are unaffected
    assert fast.value.reason == "circuit_open"
    assert requests_to(sim, "disability") == 4
    assert client.fetch("migration", STRANGER, request_id="r-other", **CONTEXT).status == "not_found"

    # When the cooldown has passed and the registry is back
    time_.advance(30)
    sim.set_down("disability", False)
    answer = client.fetch("disability", STRANGER, request_id="r-probe", **CONTEXT)
    # Then one probe went through and closed the breaker
    assert answer.status == "not_found"
    assert requests_to(sim, "disability") == 5
    assert client.breaker("disability").state == "closed"


def test_a_failed_probe_opens_the_breaker_for_another_cooldown(sim: GatewaySimulator, time_: FakeTime) -> None:
    sim.set_down("civil_births")
    client = client_for(sim, time_, max_attempts=3, breaker_threshold=3, breaker_cooldown_s=10)
    with pytest.raises(RegistryUnavailable):
        client.fetch("civil_births", STRANGER, request_id="r1", **CONTEXT)
    assert client.breaker("civil_births").state == "open"
    assert requests_to(sim, "civil_births") == 3
    time_.advance(10)
    waited = len(time_.sleeps)
    # When the one probe after the cooldown fails
    with pytest.raises(RegistryUnavailable) as probe:
        client.fetch("civil_births", STRANGER, request_id="r2", **CONTEXT)
    # Then that fetch stops there (one request, no wait for a retry the breaker would refuse)
    assert probe.value.reason == "PROVIDER_UNAVAILABLE"
    assert requests_to(sim, "civil_births") == 4
    assert len(time_.sleeps) == waited
    # And the breaker stays open for a whole new cooldown
    time_.advance(9.9)
    with pytest.raises(RegistryUnavailable) as still:
        client.fetch("civil_births", STRANGER, request_id="r3", **CONTEXT)
    assert still.value.reason == "circuit_open"
    time_.advance(0.1)
    sim.set_down("civil_births", False)
    assert client.fetch("civil_births", STRANGER, request_id="r4", **CONTEXT).status == "not_found"
    assert requests_to(sim, "civil_births") == 5


def test_an_answer_slower_than_the_timeout_is_a_transient_failure(sim: GatewaySimulator, time_: FakeTime) -> None:
    # Given a registry answering after 400 ms and a client waiting 100 ms
    sim.configure("education", latency_ms=400)
    client = client_for(sim, time_, timeout_s=0.1, max_attempts=2)
    # When the client asks, Then it gives up after its two attempts with a transient error
    with pytest.raises(RegistryUnavailable) as raised:
        client.fetch("education", STRANGER, request_id="r-slow", **CONTEXT)
    assert raised.value.reason == "timeout"
    assert len(time_.sleeps) == 1
    wait_for_answers_nobody_reads(sim, "education", 2)


def wait_for_answers_nobody_reads(sim: GatewaySimulator, registry: str, count: int) -> None:
    """The simulator still answers the abandoned requests; let it finish inside this test, not the next one."""
    deadline = time.monotonic() + 2
    while requests_to(sim, registry) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.05)


def test_a_gateway_nobody_listens_on_is_unavailable_after_the_retries(time_: FakeTime) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GatewayClient(
        f"http://127.0.0.1:{port}", SENDER_ID, SENDER_PASSWORD, signer(), sleep=time_.sleep, monotonic=time_.monotonic
    )
    with pytest.raises(RegistryUnavailable) as raised:
        client.fetch("gbdfl", STRANGER, request_id="r", **CONTEXT)
    assert raised.value.reason == "connection"
    assert len(time_.sleeps) == 2
    assert [(e.status, e.http_status, e.response_sha256) for e in raised.value.exchanges] == [
        ("connection", None, None)
    ] * 3

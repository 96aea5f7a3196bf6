"""The gateway simulator over real HTTP on 127.0.0.1: SyncChannel answers, faults, fault knobs and the request log."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.shep_soap import (
    Fault,
    MessageInfo,
    RegistryQuery,
    Reply,
    read_reply,
    request_envelope,
    serialize,
)
from chalicelib.adapters.shep_wss import PemEnvelopeSigner
from chalicelib.data import load_json
from local.gateway_participant import SENDER_ID, SENDER_PASSWORD, provider_pem
from local.gateway_sim import GatewaySimulator

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
PURPOSE = "TSA: identity of each family member"


def call(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, dict[str, str], Any]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, headers, payload = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, payload = error.code, dict(error.headers), error.read()
    if headers.get("Content-Type", "").startswith("text/xml"):
        return status, headers, payload
    return status, headers, json.loads(payload)


def send_message(
    sim: GatewaySimulator,
    registry: str,
    iin: str,
    *,
    at: datetime,
    correlation_id: str = "req-1",
    on_behalf_of: str = "APP-0001",
    service_id: str | None = None,
) -> bytes:
    """A signed SendMessage as the back office sends it."""
    info = MessageInfo(
        message_id=str(uuid.uuid4()),
        correlation_id=correlation_id,
        service_id=service_id or sim.service_id(registry),
        message_date=at,
        sender_id=SENDER_ID,
        password=SENDER_PASSWORD,
        session_id=str(uuid.uuid4()),
    )
    query_ = RegistryQuery(
        registry=registry,
        iin=iin,
        public_service="targeted-social-assistance",
        purpose=PURPOSE,
        on_behalf_of=on_behalf_of,
    )
    return serialize(PemEnvelopeSigner(*provider_pem()).sign(request_envelope(info, query_), at))


def post(sim: GatewaySimulator, raw: bytes) -> tuple[int, dict[str, str], Reply | Fault]:
    status, headers, payload = call(
        sim.base_url, "POST", "/bip-sync-wss-gost/", raw=raw, content_type="text/xml; charset=utf-8"
    )
    return status, headers, read_reply(payload)


def query(sim: GatewaySimulator, registry: str, iin: str, **options: Any) -> tuple[int, dict[str, str], Reply | Fault]:
    return post(sim, send_message(sim, registry, iin, at=sim_now(sim), **options))


def sim_now(sim: GatewaySimulator) -> datetime:
    return sim.now()


def reply_of(answer: tuple[int, dict[str, str], Reply | Fault]) -> Reply:
    assert isinstance(answer[2], Reply), answer
    return answer[2]


def fault_of(answer: tuple[int, dict[str, str], Reply | Fault]) -> Fault:
    assert isinstance(answer[2], Fault), answer
    return answer[2]


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
    status, _, answer = query(sim, "gbdfl", applicant, correlation_id="req-42")
    # Then the gateway answers SCSS001 with found, the registry's shape, its holder as source and the time
    assert status == 200
    assert isinstance(answer, Reply)
    assert (answer.status_code, answer.result, answer.registry) == ("SCSS001", "found", "gbdfl")
    assert answer.correlation_id == "req-42"
    assert answer.record is not None and answer.record["iin"] == applicant
    shape = load_json("registries.json")["registries"]["gbdfl"]
    assert set(answer.record) == set(shape["answer"])
    assert answer.source_system == shape["holder"]
    assert answer.fetched_at == NOW


def test_a_person_the_registry_does_not_know_is_not_found(sim: GatewaySimulator) -> None:
    # Given a person found in no registry at all
    nobody = sim.family("unknown-person")["applicant"]
    # When two registries are asked about them
    for registry in ("gbdfl", "income_wages"):
        answer = reply_of(query(sim, registry, nobody))
        # Then each answers not_found (a successful exchange), naming itself and its holder, with no record
        assert (answer.status_code, answer.result, answer.registry) == ("SCSS001", "not_found", registry)
        assert answer.source_system
        assert answer.record is None


def test_an_unknown_service_is_a_fault(sim: GatewaySimulator) -> None:
    # Given a service id the gateway does not know
    applicant = sim.family("tsa-eligible-3-children")["applicant"]
    # When it is asked
    status, _, _ = answer = query(sim, "gbdfl", applicant, service_id="SOCBEN_HOROSCOPES")
    # Then the gateway answers a SOAP fault (HTTP 500) saying so
    assert status == 500
    assert fault_of(answer).code == "SERVICE_NOT_FOUND"
    assert sim.requests[-1]["outcome"] == "refused"


def test_a_message_missing_a_field_of_the_schema_is_invalid(sim: GatewaySimulator) -> None:
    # Given a signed SendMessage whose query lacks its purpose
    raw = send_message(sim, "gbdfl", sim.family("caregiver-eligible")["applicant"], at=NOW)
    raw = raw.replace(f"<q:purpose>{PURPOSE}</q:purpose>".encode(), b"")
    # When it is sent, Then the gateway refuses it as invalid
    status, _, _ = answer = post(sim, raw)
    assert status == 500
    assert fault_of(answer).code == "MESSAGE_INVALID"
    assert sim.requests[-1]["outcome"] == "bad_request"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not xml", "MESSAGE_INVALID"),
        (b"<a/>", "MESSAGE_INVALID"),
        (
            b'<!DOCTYPE x [<!ENTITY e "x">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
            b"<soapenv:Body>&e;</soapenv:Body></soapenv:Envelope>",
            "MESSAGE_INVALID",
        ),
    ],
)
def test_what_is_not_a_sendmessage_is_refused(sim: GatewaySimulator, raw: bytes, code: str) -> None:
    status, _, _ = answer = post(sim, raw)
    assert status == 500
    assert fault_of(answer).code == code


@pytest.mark.parametrize(
    ("iin", "code", "sub_code"),
    [("12345", "MESSAGE_INVALID", None), ("920411441018", "PROVIDER_ERROR", "iin.checksum")],
)
def test_an_invalid_iin_is_refused_with_the_registrys_code(
    sim: GatewaySimulator, iin: str, code: str, sub_code: str | None
) -> None:
    fault = fault_of(query(sim, "gbdfl", iin))
    assert (fault.code, fault.sub_code) == (code, sub_code)


def test_a_registry_switched_down_faults_until_switched_up(sim: GatewaySimulator) -> None:
    # Given a seeded person and the disability registry switched down
    iin = sim.family("caregiver-eligible")["members"][0]["iin"]
    sim.set_down("disability", True)
    # When it is asked, Then the gateway answers PROVIDER_UNAVAILABLE with a Retry-After; other registries answer
    status, response_headers, _ = answer = query(sim, "disability", iin)
    assert status == 500
    assert fault_of(answer).code == "PROVIDER_UNAVAILABLE"
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
    assert [a[0] for a in answers] == [200, 500, 200]
    assert "outage" in fault_of(answers[1]).message


def test_the_error_rate_is_deterministic_for_a_given_rng_seed(sim: GatewaySimulator) -> None:
    # Given a 40% error rate on the wages registry
    iin = sim.family("tsa-income-just-below-line")["members"][0]["iin"]

    def twenty_statuses() -> list[int]:
        sim.reseed(7)
        sim.configure("income_wages", error_rate=0.4)
        return [query(sim, "income_wages", iin)[0] for _ in range(20)]

    # When 20 requests are sent, twice from the same RNG seed
    first, second = twenty_statuses(), twenty_statuses()
    # Then both runs see exactly the same answers, some faults and some answers
    assert first == second
    assert set(first) == {200, 500}
    # And a registry without an error rate is never failed
    assert {query(sim, "gbdfl", iin)[0] for _ in range(5)} == {200}


def test_the_error_rate_and_down_switch_can_be_set_over_http(sim: GatewaySimulator) -> None:
    # Given every registry at error rate 1 and then the "reset" config
    iin = sim.family("sss-no-grounds")["applicant"]
    status, _, _ = call(sim.base_url, "POST", "/_sim/config", {"registries": {"*": {"error_rate": 1.0}}})
    assert status == 200
    assert query(sim, "gbdfl", iin)[0] == 500
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


def test_the_request_log_keeps_the_message_info_and_masked_iins_and_can_be_cleared(sim: GatewaySimulator) -> None:
    # Given three messages: found, not found and an invalid one
    applicant = sim.family("tsa-eligible-3-children")["applicant"]
    query(sim, "gbdfl", applicant, on_behalf_of=applicant, correlation_id="req-7")
    query(sim, "vehicles", applicant)
    post(
        sim,
        send_message(sim, "gbdfl", applicant, at=NOW)
        .replace(b"<q:purpose>", b"<q:porpoise>")
        .replace(b"</q:purpose>", b"</q:porpoise>"),
    )
    # When the log is read over HTTP
    status, _, log = call(sim.base_url, "GET", "/_sim/requests")
    # Then it holds the three messages in order, with what they said and no full IIN (nor password) anywhere
    assert status == 200
    assert [(r["registry"], r["outcome"]) for r in log["requests"]] == [
        ("gbdfl", "found"),
        ("vehicles", "not_found"),
        (None, "bad_request"),
    ]
    first = log["requests"][0]
    assert first["iin"] == f"{applicant[:4]}****{applicant[-4:]}"
    assert first["message"]["correlation_id"] == "req-7"
    assert first["message"]["service_id"] == "SOCBEN_GBDFL"
    assert first["message"]["public_service"] == "targeted-social-assistance"
    assert first["message"]["purpose"] == PURPOSE
    assert first["message"]["on_behalf_of"] == f"{applicant[:4]}****{applicant[-4:]}"
    assert applicant not in json.dumps(log)
    assert SENDER_PASSWORD not in json.dumps(log)
    # And the counters per registry add up
    assert log["counters"]["gbdfl"]["requests"] == 1
    assert log["counters"]["gbdfl"]["found"] == 1
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

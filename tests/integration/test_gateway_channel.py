"""The ШЭП channel's contract and security, client and simulator together on 127.0.0.1.

- The WSDL the simulator serves, and the schemas it imports (fetched over HTTP the way a SOAP toolkit would),
  validate the very bytes the client puts on the wire, and the answers that come back.
- The gateway refuses what a participant must not send: an unsigned message, one signed by a certificate it does
  not trust, one changed after signing, a stale one, a wrong password; each with the gateway's own fault.
- The message log of a read names each exchange by its ids and hashes, never by the person.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from chalicelib.adapters.gateway import GatewayClient
from chalicelib.adapters.shep_soap import SOAP_ENV, TYPES_NS, body_of
from chalicelib.adapters.shep_wss import PemEnvelopeSigner
from chalicelib.services.registry_port import GatewayRejected
from local.gateway_participant import SENDER_ID, SENDER_PASSWORD, SYSTEM_BIN, provider_pem
from local.gateway_sim import GatewaySimulator
from local.test_ca import create_root_ca, issue_system_certificate

CONTEXT = {
    "service_id": "targeted-social-assistance",
    "purpose": "TSA: identity of each family member",
    "on_behalf_of": "261124-7KQ2M9XA",
}


@pytest.fixture(scope="module")
def running() -> Iterator[GatewaySimulator]:
    with GatewaySimulator() as sim:
        yield sim


@pytest.fixture
def sim(running: GatewaySimulator) -> Iterator[GatewaySimulator]:
    running.reset_faults()
    running.clear_requests()
    wire: list[bytes] = []
    original = running.exchange

    def recording(raw: bytes) -> Any:
        wire.append(raw)
        return original(raw)

    running.exchange = recording  # type: ignore[method-assign]
    running.wire = wire  # type: ignore[attr-defined]
    yield running
    del running.exchange
    del running.wire  # type: ignore[attr-defined]


def client(sim: GatewaySimulator, signer: Any = None, password: str = SENDER_PASSWORD, **options: Any) -> GatewayClient:
    return GatewayClient(
        sim.base_url, SENDER_ID, password, signer or PemEnvelopeSigner(*provider_pem()), sleep=lambda _: None, **options
    )


def applicant(sim: GatewaySimulator) -> str:
    return str(sim.family("tsa-eligible-3-children")["applicant"])


def served_schema(sim: GatewaySimulator) -> etree.XMLSchema:
    """The schema as a client toolkit finds it: the WSDL at ?wsdl, then each xs:import's schemaLocation, relative
    to the WSDL's URL, fetched over HTTP."""
    wsdl_url = sim.endpoint_url + "?wsdl"
    with urllib.request.urlopen(wsdl_url, timeout=5) as response:
        wsdl = etree.fromstring(response.read())
    imports = wsdl.findall(".//{http://www.w3.org/2001/XMLSchema}import")
    assert imports, "the WSDL imports its types"
    locations = {imp.get("namespace"): sim.endpoint_url + imp.get("schemaLocation") for imp in imports}
    # this back office's payload rides inside requestData/data: its schema is served beside the channel's
    locations["urn:kz:social-benefits:registry-query:v1"] = sim.endpoint_url + "RegistryQuery_v1.xsd"
    parts = []
    for namespace, url in locations.items():
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
            assert etree.fromstring(response.read()).get("targetNamespace") == namespace
        parts.append(f'<xs:import namespace="{namespace}" schemaLocation="{url}"/>')
    wrapper = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">' + "".join(parts) + "</xs:schema>"
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(OverHttp())
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser))


class OverHttp(etree.Resolver):
    """Resolve a schemaLocation by fetching it from the simulator (libxml2 itself no longer speaks HTTP)."""

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        if not system_url.startswith("http://127.0.0.1:"):
            return None
        with urllib.request.urlopen(system_url, timeout=5) as response:
            return self.resolve_string(response.read(), context, base_url=system_url)


def test_the_served_wsdl_points_at_the_simulator_and_names_the_channel(sim: GatewaySimulator) -> None:
    with urllib.request.urlopen(sim.endpoint_url + "?wsdl", timeout=5) as response:
        wsdl = etree.fromstring(response.read())
    soap_ns = "http://schemas.xmlsoap.org/wsdl/soap/"
    assert [a.get("location") for a in wsdl.iter(f"{{{soap_ns}}}address")] == [sim.endpoint_url]
    wsdl_ns = "http://schemas.xmlsoap.org/wsdl/"
    assert [p.get("name") for p in wsdl.iter(f"{{{wsdl_ns}}}portType")] == ["ISyncChannel"]
    assert [o.get("name") for o in wsdl.iter(f"{{{wsdl_ns}}}operation")][:1] == ["SendMessage"]


def test_what_the_client_sends_and_receives_is_valid_against_the_served_schema(sim: GatewaySimulator) -> None:
    schema = served_schema(sim)
    # When the client reads a found and a not-found person
    found = client(sim).fetch("gbdfl", applicant(sim), request_id="req-schema-1", **CONTEXT)
    missing = client(sim).fetch("disability", applicant(sim), request_id="req-schema-2", **CONTEXT)
    assert (found.status, missing.status) == ("found", "not_found")
    # Then every SendMessage on the wire is valid against the WSDL's types, payload included
    assert len(sim.wire) == 2  # type: ignore[attr-defined]
    for raw in sim.wire:  # type: ignore[attr-defined]
        envelope = etree.fromstring(raw)
        assert envelope.tag == f"{{{SOAP_ENV}}}Envelope"
        (message,) = list(body_of(envelope))
        assert message.tag == f"{{{TYPES_NS}}}SendMessage"
        assert schema.validate(etree.ElementTree(etree.fromstring(etree.tostring(message)))), schema.error_log
    # And a message missing a required field is not (the validation can fail)
    broken = etree.fromstring(sim.wire[0])  # type: ignore[attr-defined]
    (message,) = list(body_of(broken))
    message.find("request/requestInfo/serviceId").getparent().remove(message.find("request/requestInfo/serviceId"))
    assert not schema.validate(etree.ElementTree(etree.fromstring(etree.tostring(message))))


def test_every_message_is_signed_over_body_and_timestamp(sim: GatewaySimulator) -> None:
    client(sim).fetch("gbdfl", applicant(sim), request_id="req-signed", **CONTEXT)
    envelope = etree.fromstring(sim.wire[-1])  # type: ignore[attr-defined]
    ns = {
        "s": SOAP_ENV,
        "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
        "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
        "ds": "http://www.w3.org/2000/09/xmldsig#",
    }
    body_id = envelope.find("s:Body", ns).get(f"{{{ns['wsu']}}}Id")
    timestamp_id = envelope.find("s:Header/wsse:Security/wsu:Timestamp", ns).get(f"{{{ns['wsu']}}}Id")
    references = [r.get("URI") for r in envelope.findall("s:Header/wsse:Security/ds:Signature//ds:Reference", ns)]
    assert sorted(references) == sorted([f"#{body_id}", f"#{timestamp_id}"])
    assert envelope.find("s:Header/wsse:Security/ds:Signature//ds:X509Certificate", ns) is not None
    assert f"BIN{SYSTEM_BIN}" in sim.requests[-1]["signed_by"]


class Unsigned:
    def sign(self, envelope: Any, now: datetime) -> Any:
        return envelope


class TamperedAfterSigning:
    def __init__(self) -> None:
        self.inner = PemEnvelopeSigner(*provider_pem())

    def sign(self, envelope: Any, now: datetime) -> Any:
        signed = self.inner.sign(envelope, now)
        purpose = signed.find(".//{urn:kz:social-benefits:registry-query:v1}purpose")
        purpose.text = "something else"
        return signed


class BodyMovedAway:
    """A signature wrapping attempt: the signed Body is kept in the header, a new Body asks about someone else."""

    def __init__(self) -> None:
        self.inner = PemEnvelopeSigner(*provider_pem())

    def sign(self, envelope: Any, now: datetime) -> Any:
        signed = self.inner.sign(envelope, now)
        body = body_of(signed)
        clone = etree.fromstring(etree.tostring(body))
        signed.find(f"{{{SOAP_ENV}}}Header").append(body)
        for attribute in list(clone.attrib):
            del clone.attrib[attribute]
        iin = clone.find(".//{urn:kz:social-benefits:registry-query:v1}iin")
        iin.text = "900517443217"
        signed.append(clone)
        return signed


def other_ca_signer() -> PemEnvelopeSigner:
    rogue = issue_system_certificate(
        create_root_ca("ROGUE CA"), name="IMPOSTOR", bin_="111111111111", organisation="Impostor"
    )
    return PemEnvelopeSigner(rogue.key_pem, rogue.certificate_pem)


@pytest.mark.parametrize(
    ("make_client", "fault"),
    [
        (lambda sim: client(sim, signer=Unsigned()), "SIGNATURE_MISSING"),
        (lambda sim: client(sim, signer=other_ca_signer()), "CERTIFICATE_UNTRUSTED"),
        (lambda sim: client(sim, signer=TamperedAfterSigning()), "SIGNATURE_INVALID"),
        (lambda sim: client(sim, signer=BodyMovedAway()), "SIGNATURE_INVALID"),
        (lambda sim: client(sim, password="guessed"), "AUTHENTICATION_FAILED"),
        (lambda sim: client(sim, clock=lambda: datetime.now(UTC) - timedelta(hours=1)), "MESSAGE_EXPIRED"),
    ],
    ids=["unsigned", "untrusted-ca", "tampered", "wrapped", "wrong-password", "stale"],
)
def test_the_gateway_refuses_what_a_participant_must_not_send(
    sim: GatewaySimulator, make_client: Any, fault: str
) -> None:
    # When the message goes out unsigned, signed wrongly, changed, stale, or with a wrong login
    with pytest.raises(GatewayRejected) as refused:
        make_client(sim).fetch("gbdfl", applicant(sim), request_id="req-bad", **CONTEXT)
    # Then the gateway's fault comes back, once (a refusal is not retried), and nothing was read
    assert (refused.value.status, refused.value.code) == (500, fault)
    assert [(r["outcome"], r["fault"]) for r in sim.requests] == [("refused", fault)]
    assert sim.requests[-1]["iin"] is None


def test_the_message_log_names_each_exchange_by_ids_and_hashes_only(sim: GatewaySimulator) -> None:
    person = applicant(sim)
    answer = client(sim).fetch("gbdfl", person, request_id=f"{person}:gbdfl", **CONTEXT)
    (exchange,) = answer.exchanges
    raw = sim.wire[-1]  # type: ignore[attr-defined]
    # The hash is of the very bytes on the wire; the ids are the message's; the status the gateway's
    assert exchange.request_sha256 == hashlib.sha256(raw).hexdigest()
    assert exchange.request_bytes == len(raw)
    assert exchange.response_sha256 is not None and exchange.response_bytes > 0
    assert exchange.message_id == sim.requests[-1]["message"]["message_id"]
    assert (exchange.service_id, exchange.registry, exchange.status, exchange.http_status) == (
        "SOCBEN_GBDFL",
        "gbdfl",
        "SCSS001",
        200,
    )
    # and nothing personal: a correlation id that carries an IIN is kept masked
    logged = json.dumps(exchange.to_dict())
    assert person not in logged
    assert f"{person[:4]}****{person[-4:]}:gbdfl" in logged


def test_a_key_held_in_kms_signs_what_the_gateway_accepts(sim: GatewaySimulator, aws: Any) -> None:
    # Given an RSA key in KMS (moto) that never leaves it, and a certificate the gateway's CA issued for it
    from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key

    from chalicelib.adapters.shep_wss import KmsEnvelopeSigner
    from local.dev_ca import load_ca
    from local.test_ca import system_certificate_for

    kms = aws.client("kms")
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    public = load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    certificate = system_certificate_for(
        load_ca(),
        public,
        name="BACK OFFICE (KMS)",  # type: ignore[arg-type]
        bin_=SYSTEM_BIN,
        organisation="Social benefits back office (test)",
    )
    signer = KmsEnvelopeSigner(lambda: kms, key_id, certificate.public_bytes(Encoding.PEM))
    # When the client signs its SendMessage with it
    answer = client(sim, signer=signer).fetch("gbdfl", applicant(sim), request_id="req-kms", **CONTEXT)
    # Then the gateway verified the signature and answered; the certificate in the message is the KMS key's
    assert answer.found
    assert "BACK OFFICE (KMS)" in sim.requests[-1]["signed_by"]


def test_the_container_signs_with_kms_when_a_kms_key_is_configured(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.shep_wss import KmsEnvelopeSigner, PemEnvelopeSigner

    assert isinstance(bootstrap.container().gateway.signer, PemEnvelopeSigner)  # type: ignore[attr-defined]
    monkeypatch.setenv("GATEWAY_SIGNING_KMS_KEY_ID", "alias/gateway-signing")
    bootstrap.reset()
    assert isinstance(bootstrap.container().gateway.signer, KmsEnvelopeSigner)  # type: ignore[attr-defined]

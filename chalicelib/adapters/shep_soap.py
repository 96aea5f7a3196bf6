"""The messages of the e-government gateway's (ШЭП) synchronous channel, SyncChannel v10, built and read with lxml.

The contract is in chalicelib/data/gateway/: the WSDL (`SyncChannelHttp_Service.wsdl`), the channel's types
(`SyncChannel_v10_Types.xsd`) and this back office's own payload (`RegistryQuery_v1.xsd`). Both sides use this
module: the gateway client (chalicelib/adapters/gateway.py) and the gateway simulator (local/gateway_sim.py).

A request (SOAP 1.1, document/literal; the WS-Security header is added by chalicelib/adapters/shep_wss.py):

    <soapenv:Envelope><soapenv:Header/><soapenv:Body>
      <types:SendMessage><request>
        <requestInfo>messageId, correlationId, serviceId, messageDate, sender{senderId, password},
                     sessionId</requestInfo>
        <requestData><data><q:RegistryQuery>registry, iin, publicService, purpose,
                                           onBehalfOf</q:RegistryQuery></data></requestData>
      </request></types:SendMessage>
    </soapenv:Body></soapenv:Envelope>

An answer: `SendMessageResponse/response` with `responseInfo` (messageId, correlationId, responseDate,
status{code, message}, sessionId) and `responseData/data/q:RegistryAnswer` (registry, result found|not_found,
sourceSystem, fetchedAt, record: the registry's answer as a JSON object). A refusal: a SOAP 1.1 Fault (HTTP 500)
whose `detail` holds `SendMessageFault1_SendMessageFault` (errorCode, errorMessage, optional subError).

Why lxml and not zeep: one operation with a fixed shape does not need a WSDL-driven client, and zeep's cold import
costs 140-230 ms against lxml's ~25 ms on a Lambda cold start (measured by `python -m bench --gateway`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from lxml import etree

from chalicelib.adapters.safe_xml import safe_parser
from chalicelib.data import DATA_DIR, load_json

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES_NS = "http://bip.bee.kz/SyncChannel/v10/Types"
INTERFACES_NS = "http://bip.bee.kz/SyncChannel/v10/Interfaces"
QUERY_NS = "urn:kz:social-benefits:registry-query:v1"
GATEWAY_DIR = DATA_DIR / "gateway"
WSDL_FILE = "SyncChannelHttp_Service.wsdl"
SCHEMA_FILES = ("SyncChannel_v10_Types.xsd", "RegistryQuery_v1.xsd")
MAX_MESSAGE_BYTES = 256 * 1024
CONTENT_TYPE = "text/xml; charset=utf-8"
_NSMAP = {"soapenv": SOAP_ENV}


class MessageInvalid(ValueError):
    """The bytes are not a message of the channel (not XML, not SOAP, not schema-valid). `code` names why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def channel() -> dict[str, Any]:
    """The channel's settings (endpoint path, success code, timestamp TTL): chalicelib/data/gateway_services.json."""
    return dict(load_json("gateway_services.json")["channel"])


def services() -> dict[str, dict[str, str]]:
    """registry id -> {"service_id", "owner"}."""
    return {rid: dict(spec) for rid, spec in load_json("gateway_services.json")["services"].items()}


def fault_codes() -> dict[str, dict[str, Any]]:
    return {code: dict(spec) for code, spec in load_json("gateway_services.json")["fault_codes"].items()}


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(raw: str | None) -> datetime:
    if not raw:
        raise ValueError("no instant")
    moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("an instant needs an offset")
    return moment.astimezone(UTC)


# -- the schema ----------------------------------------------------------------------------------------------------


@cache
def message_schema() -> etree.XMLSchema:
    """The channel's types and this back office's payload, as one schema (validates SendMessage,
    SendMessageResponse and SendMessageFault1_SendMessageFault elements, the payload inside `data` included)."""
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(GATEWAY_DIR / name).as_uri()}"/>'
        for ns, name in zip((TYPES_NS, QUERY_NS), SCHEMA_FILES, strict=True)
    )
    wrapper = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


def validate(element: Any) -> None:
    """Raise MessageInvalid("MESSAGE_INVALID") unless the element (a Body's child) is valid against the schema."""
    schema = message_schema()
    copy = etree.fromstring(etree.tostring(element))
    if not schema.validate(copy):
        error = schema.error_log.last_error
        reason = error.message if error else ""
        raise MessageInvalid("MESSAGE_INVALID", f"The message does not follow the schema: {reason}")


def wsdl_text(location: str | None = None) -> bytes:
    """The WSDL as served, its soap:address pointing at `location` when given."""
    text = (GATEWAY_DIR / WSDL_FILE).read_bytes()
    if location:
        root = etree.fromstring(text, parser=safe_parser())
        for address in root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address"):
            address.set("location", location)
        text = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return text


def schema_text(name: str) -> bytes | None:
    return (GATEWAY_DIR / name).read_bytes() if name in SCHEMA_FILES else None


# -- building ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageInfo:
    """requestInfo. `password` is the participant's gateway password: never log it."""

    message_id: str
    correlation_id: str
    service_id: str
    message_date: datetime
    sender_id: str
    password: str
    session_id: str


@dataclass(frozen=True)
class RegistryQuery:
    """This back office's question (requestData/data). Holds an IIN: never log it."""

    registry: str
    iin: str
    public_service: str
    purpose: str
    on_behalf_of: str


def _text(parent: Any, tag: str, value: str) -> Any:
    child = etree.SubElement(parent, tag)
    child.text = value
    return child


def envelope(body_child: Any) -> Any:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=_NSMAP)
    etree.SubElement(env, f"{{{SOAP_ENV}}}Header")
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    body.append(body_child)
    return env


def request_envelope(info: MessageInfo, query: RegistryQuery) -> Any:
    """The SendMessage request, unsigned."""
    send = etree.Element(f"{{{TYPES_NS}}}SendMessage", nsmap={"types": TYPES_NS})
    request = etree.SubElement(send, "request")
    request_info = etree.SubElement(request, "requestInfo")
    _text(request_info, "messageId", info.message_id)
    _text(request_info, "correlationId", info.correlation_id)
    _text(request_info, "serviceId", info.service_id)
    _text(request_info, "messageDate", rfc3339(info.message_date))
    sender = etree.SubElement(request_info, "sender")
    _text(sender, "senderId", info.sender_id)
    _text(sender, "password", info.password)
    _text(request_info, "sessionId", info.session_id)
    data = etree.SubElement(etree.SubElement(request, "requestData"), "data")
    payload = etree.SubElement(data, f"{{{QUERY_NS}}}RegistryQuery", nsmap={"q": QUERY_NS})
    for tag, value in (
        ("registry", query.registry),
        ("iin", query.iin),
        ("publicService", query.public_service),
        ("purpose", query.purpose),
        ("onBehalfOf", query.on_behalf_of),
    ):
        _text(payload, f"{{{QUERY_NS}}}{tag}", value)
    return envelope(send)


def response_envelope(
    *,
    message_id: str,
    correlation_id: str,
    session_id: str | None,
    response_date: datetime,
    status_code: str,
    status_message: str,
    registry: str,
    result: str | None = None,
    source_system: str = "",
    fetched_at: datetime | None = None,
    record: dict[str, Any] | None = None,
) -> Any:
    """The SendMessageResponse; with `result` (found / not_found) it carries a RegistryAnswer."""
    reply = etree.Element(f"{{{TYPES_NS}}}SendMessageResponse", nsmap={"types": TYPES_NS})
    response = etree.SubElement(reply, "response")
    info = etree.SubElement(response, "responseInfo")
    _text(info, "messageId", message_id)
    _text(info, "correlationId", correlation_id)
    _text(info, "responseDate", rfc3339(response_date))
    status = etree.SubElement(info, "status")
    _text(status, "code", status_code)
    _text(status, "message", status_message)
    if session_id:
        _text(info, "sessionId", session_id)
    if result is not None:
        data = etree.SubElement(etree.SubElement(response, "responseData"), "data")
        answer = etree.SubElement(data, f"{{{QUERY_NS}}}RegistryAnswer", nsmap={"q": QUERY_NS})
        _text(answer, f"{{{QUERY_NS}}}registry", registry)
        _text(answer, f"{{{QUERY_NS}}}result", result)
        _text(answer, f"{{{QUERY_NS}}}sourceSystem", source_system)
        _text(answer, f"{{{QUERY_NS}}}fetchedAt", rfc3339(fetched_at or response_date))
        if record is not None:
            element = _text(
                answer,
                f"{{{QUERY_NS}}}record",
                json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            )
            element.set("mediaType", "application/json")
    return envelope(reply)


def fault_envelope(
    code: str, message: str, *, client_fault: bool, sub_code: str | None = None, sub_message: str | None = None
) -> Any:
    """A SOAP 1.1 Fault carrying SendMessageFault1_SendMessageFault (sent with HTTP 500)."""
    fault = etree.Element(f"{{{SOAP_ENV}}}Fault")
    _text(fault, "faultcode", "soapenv:Client" if client_fault else "soapenv:Server")
    _text(fault, "faultstring", message)
    detail = etree.SubElement(fault, "detail")
    info = etree.SubElement(detail, f"{{{TYPES_NS}}}SendMessageFault1_SendMessageFault", nsmap={"types": TYPES_NS})
    _text(info, "errorCode", code)
    _text(info, "errorMessage", message)
    if sub_code:
        sub = etree.SubElement(info, "subError")
        _text(sub, "errorCode", sub_code)
        _text(sub, "errorMessage", sub_message or sub_code)
    return envelope(fault)


def serialize(env: Any) -> bytes:
    return bytes(etree.tostring(env, xml_declaration=True, encoding="UTF-8"))


# -- reading -------------------------------------------------------------------------------------------------------


def parse_envelope(raw: bytes) -> Any:
    """The Envelope element of a SOAP 1.1 message; MessageInvalid when it is not one."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageInvalid("MESSAGE_INVALID", "The message is too large.")
    try:
        root = etree.fromstring(raw, parser=safe_parser())
    except etree.XMLSyntaxError:
        raise MessageInvalid("MESSAGE_INVALID", "The message is not well-formed XML.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise MessageInvalid("MESSAGE_INVALID", "A message may not carry a DTD.")
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or body_of(root) is None:
        raise MessageInvalid("MESSAGE_INVALID", "The message is not a SOAP 1.1 envelope with a Body.")
    return root


def body_of(env: Any) -> Any:
    return env.find(f"{{{SOAP_ENV}}}Body")


def body_child(env: Any) -> Any:
    body = body_of(env)
    children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(children) != 1:
        raise MessageInvalid("MESSAGE_INVALID", "The Body holds exactly one element.")
    return children[0]


def _child_text(parent: Any, path: str) -> str | None:
    found = parent.find(path)
    return None if found is None or found.text is None else found.text.strip()


def read_request(env: Any) -> tuple[MessageInfo, RegistryQuery]:
    """The SendMessage request's info and query, validated against the schema (MessageInvalid otherwise)."""
    send = body_child(env)
    if send.tag != f"{{{TYPES_NS}}}SendMessage":
        raise MessageInvalid("MESSAGE_INVALID", "The Body is not a SendMessage.")
    validate(send)
    info = send.find("request/requestInfo")
    q = send.find(f"request/requestData/data/{{{QUERY_NS}}}RegistryQuery")
    if q is None:
        raise MessageInvalid("MESSAGE_INVALID", "requestData holds no RegistryQuery.")
    message_info = MessageInfo(
        message_id=_child_text(info, "messageId") or "",
        correlation_id=_child_text(info, "correlationId") or "",
        service_id=_child_text(info, "serviceId") or "",
        message_date=parse_instant(_child_text(info, "messageDate")),
        sender_id=_child_text(info, "sender/senderId") or "",
        password=_child_text(info, "sender/password") or "",
        session_id=_child_text(info, "sessionId") or "",
    )
    query = RegistryQuery(
        *(
            _child_text(q, f"{{{QUERY_NS}}}{tag}") or ""
            for tag in ("registry", "iin", "publicService", "purpose", "onBehalfOf")
        )
    )
    return message_info, query


@dataclass(frozen=True)
class Reply:
    """A SendMessageResponse as read by the client. `record` holds personal data: never log it."""

    message_id: str
    correlation_id: str
    status_code: str
    status_message: str
    registry: str | None
    result: str | None
    source_system: str | None
    fetched_at: datetime | None
    record: dict[str, Any] | None


@dataclass(frozen=True)
class Fault:
    """A SendMessageFault: the gateway's code and message, and the registry's own under it (subError)."""

    code: str
    message: str
    sub_code: str | None = None


def read_reply(raw: bytes) -> Reply | Fault:
    """What the gateway answered; MessageInvalid("answer.malformed") when it is neither a valid answer nor a fault."""
    try:
        env = parse_envelope(raw)
        child = body_child(env)
    except MessageInvalid:
        raise MessageInvalid("answer.malformed", "The answer is not a SOAP message.") from None
    if child.tag == f"{{{SOAP_ENV}}}Fault":
        info = child.find(f"detail/{{{TYPES_NS}}}SendMessageFault1_SendMessageFault")
        if info is None:
            return Fault(
                code=_child_text(child, "faultcode") or "soap.fault", message=_child_text(child, "faultstring") or ""
            )
        return Fault(
            code=_child_text(info, "errorCode") or "soap.fault",
            message=_child_text(info, "errorMessage") or "",
            sub_code=_child_text(info, "subError/errorCode"),
        )
    if child.tag != f"{{{TYPES_NS}}}SendMessageResponse":
        raise MessageInvalid("answer.malformed", "The answer is not a SendMessageResponse.")
    try:
        validate(child)
    except MessageInvalid:
        raise MessageInvalid("answer.malformed", "The answer does not follow the schema.") from None
    info = child.find("response/responseInfo")
    answer = child.find(f"response/responseData/data/{{{QUERY_NS}}}RegistryAnswer")
    record: dict[str, Any] | None = None
    registry = result = source = None
    fetched_at = None
    if answer is not None:
        registry = _child_text(answer, f"{{{QUERY_NS}}}registry")
        result = _child_text(answer, f"{{{QUERY_NS}}}result")
        source = _child_text(answer, f"{{{QUERY_NS}}}sourceSystem")
        fetched_at = parse_instant(_child_text(answer, f"{{{QUERY_NS}}}fetchedAt"))
        raw_record = answer.find(f"{{{QUERY_NS}}}record")
        if raw_record is not None:
            try:
                value = json.loads(raw_record.text or "")
            except json.JSONDecodeError:
                raise MessageInvalid("answer.malformed", "The record is not a JSON object.") from None
            if not isinstance(value, dict):
                raise MessageInvalid("answer.malformed", "The record is not a JSON object.")
            record = value
    return Reply(
        message_id=_child_text(info, "messageId") or "",
        correlation_id=_child_text(info, "correlationId") or "",
        status_code=_child_text(info, "status/code") or "",
        status_message=_child_text(info, "status/message") or "",
        registry=registry,
        result=result,
        source_system=source,
        fetched_at=fetched_at,
        record=record,
    )

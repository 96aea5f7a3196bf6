"""A stand-in for NCALayer (DEVELOPMENT ONLY): the signing application of Kazakhstan's National Certification
Authority that officials run beside their browser. It speaks NCALayer's WebSocket protocol so that the console's
page code (chalicelib/console/static/ncalayer.js) runs unchanged on the local stack and in the browser tests:

- on connect it sends `{"result": {"version": "..."}}`;
- a request is `{"module": "kz.gov.pki.knca.commonUtils", "method": ..., "args": [...]}`; the answer is
  `{"code": "200", "responseObject": ...}` or `{"code": "500", "message": ...}`;
- `signXml` (`[storage, keyType, xml, tbsElementXPath, signatureParentElementXPath]`) signs the whole document:
  an enveloped XMLDSig, RSA-SHA256, the certificate in KeyInfo (local/test_ca.sign_xml, as NCALayer does for an
  RSA key); `getActiveTokens`, `getKeyInfo` and `changeLocale` answer as NCALayer does; `--heartbeat--` is ignored.

Where real NCALayer asks the official to choose their key file and type its password, the stand-in signs with the
key of one official: an official's certificate from the local test CA (local/dev_ca.py: name, IIN, organisation,
position, and the CA's revocation list) for `signer_iin` (default: the first official of local/seed/staff.json;
`NCALAYER_SIGNER_IIN` in the local stack). It listens on wss://127.0.0.1 with a
TLS certificate from the same test CA (a browser must be told to accept it, as officials once did for NCALayer).

    python -m local.ncalayer [--port 13579] [--iin <official's IIN>]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

VERSION = "1.4 (local stand-in)"
MODULE = "kz.gov.pki.knca.commonUtils"
DEFAULT_PORT = 13579


def _official(iin: str | None) -> dict[str, str]:
    from local.dev_idp import seeded_staff

    officials = [s for s in seeded_staff() if s["role"] == "official"]
    if iin is None:
        return officials[0]
    return next((s for s in officials if s["iin"] == iin), {"iin": iin, "name": "ТЕСТОВ ТЕСТ"})


def _tls_context(ca: Any) -> ssl.SSLContext:
    """A server certificate for 127.0.0.1 from the test CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    from local.test_ca import Credential, new_key

    key = new_key()
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    server = Credential(key, cert)
    folder = Path(tempfile.mkdtemp(prefix="ncalayer-"))
    (folder / "cert.pem").write_bytes(server.certificate_pem + ca.certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(server.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@dataclass
class NCALayerStandIn:
    port: int = DEFAULT_PORT
    signer_iin: str | None = None
    tls: bool = True
    crl_url: str | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _error: BaseException | None = None
    signed: int = 0

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}"

    def start(self) -> str:
        from local.dev_ca import load_ca
        from local.test_ca import issue_official_certificate

        ca: Any = load_ca()
        official = _official(self.signer_iin)
        self.signer_iin = official["iin"]
        self._credential = issue_official_certificate(
            ca,
            iin=official["iin"],
            name=official["name"].upper(),
            organization=official.get("organization") or official.get("org") or "",
            position=official.get("position"),
            crl_url=self.crl_url,
        )
        self._ssl = _tls_context(ca) if self.tls else None
        threading.Thread(target=self._run, name="ncalayer", daemon=True).start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    def _run(self) -> None:
        from websockets.asyncio.server import serve

        async def main() -> None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            try:
                server = await serve(self._session, "127.0.0.1", self.port, ssl=self._ssl, max_size=8 * 2**20)
            except OSError as exc:
                self._error = exc
                self._ready.set()
                return
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()
            server.close()
            await server.wait_closed()

        asyncio.run(main())

    async def _session(self, connection: Any) -> None:
        await connection.send(json.dumps({"result": {"version": VERSION}}))
        async for message in connection:
            if message == "--heartbeat--":
                continue
            await connection.send(json.dumps(self.answer(message)))

    def answer(self, message: str | bytes) -> dict[str, Any]:
        """NCALayer's answer to one request."""
        try:
            request = json.loads(message)
            method, args = request["method"], list(request.get("args") or [])
        except (ValueError, KeyError, TypeError):
            return {"code": "500", "message": "Bad request"}
        if request.get("module") != MODULE:
            return {"code": "500", "message": f"Unknown module {request.get('module')}"}
        if method == "getActiveTokens":
            return {"code": "200", "responseObject": []}
        if method == "changeLocale":
            return {"code": "200"}
        if method == "getKeyInfo":
            cert = self._credential.certificate
            return {
                "code": "200",
                "responseObject": {
                    "subjectDn": cert.subject.rfc4514_string(),
                    "issuerDn": cert.issuer.rfc4514_string(),
                    "serialNumber": format(cert.serial_number, "x"),
                    "algorithm": "RSA",
                    "certNotBefore": str(int(cert.not_valid_before_utc.timestamp() * 1000)),
                    "certNotAfter": str(int(cert.not_valid_after_utc.timestamp() * 1000)),
                },
            }
        if method in ("signXml", "signXmls"):
            if len(args) < 3 or not args[2]:
                return {"code": "500", "message": "Nothing to sign"}
            try:
                documents = args[2] if method == "signXmls" else [args[2]]
                signed = [self.sign(str(xml)) for xml in documents]
            except Exception as exc:  # a document that is not XML: NCALayer answers 500 with its reason
                return {"code": "500", "message": f"{type(exc).__name__}: {exc}"}
            self.signed += len(signed)
            return {"code": "200", "responseObject": signed if method == "signXmls" else signed[0]}
        return {"code": "500", "message": f"Unknown method {method}"}

    def sign(self, xml: str) -> str:
        from local.test_ca import sign_xml

        return sign_xml(xml.encode("utf-8"), self._credential.key, self._credential.certificate).decode("utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m local.ncalayer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--iin", help="the official whose key signs (default: the first seeded official)")
    parser.add_argument("--plain", action="store_true", help="ws:// instead of wss://")
    args = parser.parse_args(argv)
    stand_in = NCALayerStandIn(port=args.port, signer_iin=args.iin, tls=not args.plain)
    print(f"NCALayer stand-in on {stand_in.start()}, signing as {stand_in.signer_iin}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

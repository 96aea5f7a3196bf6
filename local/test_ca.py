"""A development certification authority standing in for Kazakhstan's NCA (ҰКО/НУЦ РК). TEST ONLY: NOT A REAL CA.

It issues citizen signing certificates shaped like the NCA's (`CN=<SURNAME NAME>, SERIALNUMBER=IIN<iin>, C=KZ`)
so that the local stack and the tests can produce EDS-signed XML without NCALayer, and signs XML the way NCALayer
does for an RSA key: an enveloped XMLDSig, RSA-SHA256, the certificate in KeyInfo/X509Data.

    python -m local.test_ca <folder> [--iin 880101300123 --name "ИВАНОВ ИВАН"]

writes `ca.pem` (the trust anchor to configure), `ca-key.pem`, and with `--iin` a citizen's `citizen.pem` and
`citizen-key.pem`. The keys are unencrypted: never use them for anything but development.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import XMLSigner

TEST_CA_NAME = "TEST NCA (DEVELOPMENT ONLY, NOT A REAL CA)"
KEY_SIZE = 2048


@dataclass(frozen=True)
class Credential:
    """A private key and its certificate."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def create_root_ca(
    name: str = TEST_CA_NAME,
    *,
    now: datetime | None = None,
    valid_days: int = 3650,
    key: rsa.RSAPrivateKey | None = None,
) -> Credential:
    """A self-signed root CA that may issue end-entity certificates."""
    key = key or new_key()
    now = now or datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Social benefits back office (test)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Credential(key, certificate)


def _end_entity(
    ca: Credential,
    public: rsa.RSAPublicKey,
    subject: list[x509.NameAttribute[str]],
    *,
    content_commitment: bool,
    extended_key_usage: list[x509.ObjectIdentifier] | None,
    not_before: datetime | None,
    not_after: datetime | None,
    crl_url: str | None = None,
) -> x509.Certificate:
    """An end-entity certificate for `public`, issued by `ca` (valid from yesterday for a year unless told).

    The three kinds differ only in key usage (`content_commitment`: non-repudiation, for a person's signature) and
    extended key usage (none for an official's, as NCA's employee certificates), and an official's names its CA's
    CRL (`crl_url`)."""
    now = datetime.now(UTC)
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(ca.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=content_commitment,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if extended_key_usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_key_usage), critical=False)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
    )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(ca.key, hashes.SHA256())


def issue_citizen_certificate(
    ca: Credential,
    *,
    iin: str,
    name: str,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> Credential:
    """A citizen's signing certificate, NCA style: `CN=<SURNAME NAME>, SERIALNUMBER=IIN<iin>, C=KZ`.

    Pass `not_after` in the past for an expired certificate, or another `ca` for one the anchors do not trust.
    """
    key = key or new_key()
    subject = [
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    certificate = _end_entity(
        ca,
        key.public_key(),
        subject,
        content_commitment=True,
        extended_key_usage=[ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH],
        not_before=not_before,
        not_after=not_after,
    )
    return Credential(key, certificate)


def issue_system_certificate(
    ca: Credential,
    *,
    name: str,
    bin_: str,
    organisation: str,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> Credential:
    """An information system's signing certificate, NCA legal-entity style: `CN=<system>, SERIALNUMBER=BIN<bin>,
    O=<organisation>, C=KZ`, for signing messages to the e-government gateway (WS-Security)."""
    key = key or new_key()
    certificate = system_certificate_for(
        ca,
        key.public_key(),
        name=name,
        bin_=bin_,
        organisation=organisation,
        not_before=not_before,
        not_after=not_after,
    )
    return Credential(key, certificate)


def system_certificate_for(
    ca: Credential,
    public: rsa.RSAPublicKey,
    *,
    name: str,
    bin_: str,
    organisation: str,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """The certificate of `issue_system_certificate` for a public key whose private half is elsewhere (a KMS key)."""
    subject = [
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"BIN{bin_}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    return _end_entity(
        ca,
        public,
        subject,
        content_commitment=False,
        extended_key_usage=[ExtendedKeyUsageOID.CLIENT_AUTH],
        not_before=not_before,
        not_after=not_after,
    )


def issue_official_certificate(
    ca: Credential,
    *,
    iin: str,
    name: str,
    organization: str,
    position: str | None = None,
    crl_url: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> Credential:
    """An official's signing certificate, NCA style for an organisation's employee:
    `CN=<SURNAME NAME>, SERIALNUMBER=IIN<iin>, O=<organisation>, T=<position>, C=KZ`, naming the CA's CRL (when
    `crl_url` is given) so that the back office can check it is not revoked."""
    key = key or new_key()
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if position:
        attributes.insert(3, x509.NameAttribute(NameOID.TITLE, position))
    certificate = _end_entity(
        ca,
        key.public_key(),
        attributes,
        content_commitment=True,
        extended_key_usage=None,
        not_before=not_before,
        not_after=not_after,
        crl_url=crl_url,
    )
    return Credential(key, certificate)


def make_crl(ca: Credential, revoked_serials: tuple[int, ...] = (), *, now: datetime | None = None) -> bytes:
    """The CA's certificate revocation list (DER), valid for a day, listing these serial numbers as revoked."""
    now = now or datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=1))
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - timedelta(minutes=1)).build()
        )
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class CrlServer:
    """Serves a CA's CRL over HTTP on 127.0.0.1 (the local stack's revocation source; tests' too).

    with CrlServer(lambda: make_crl(ca)) as server:
        server.url   # http://127.0.0.1:<port>/ca.crl
    """

    def __init__(self, crl: Callable[[], bytes], port: int = 0) -> None:
        import http.server
        import threading

        make = crl

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = make()
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-crl")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/ca.crl"

    def __enter__(self) -> CrlServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def sign_xml(content: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    """`content` (an XML document) with an enveloped RSA-SHA256 XMLDSig over the whole document appended."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(content, parser=parser)
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
    )
    signed = signer.sign(root, key=key, cert=[cert])
    return bytes(etree.tostring(signed, encoding="utf-8"))


def write_ca(folder: Path, *, citizen_iin: str | None = None, citizen_name: str = "ТЕСТОВ ТЕСТ") -> list[Path]:
    """Create a CA (and optionally a citizen) and write their PEM files into `folder`. Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = create_root_ca()
    files = {"ca.pem": ca.certificate_pem, "ca-key.pem": ca.key_pem}
    if citizen_iin:
        citizen = issue_citizen_certificate(ca, iin=citizen_iin, name=citizen_name)
        files |= {"citizen.pem": citizen.certificate_pem, "citizen-key.pem": citizen.key_pem}
    written = []
    for filename, data in files.items():
        path = folder / filename
        path.write_bytes(data)
        if filename.endswith("-key.pem"):
            path.chmod(0o600)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.test_ca", description=f"Write a development EDS CA ({TEST_CA_NAME}) into a folder."
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--iin", help="also issue a citizen signing certificate for this IIN")
    parser.add_argument("--name", default="ТЕСТОВ ТЕСТ", help="the citizen's 'SURNAME NAME' (with --iin)")
    args = parser.parse_args(argv)
    for path in write_ca(args.folder, citizen_iin=args.iin, citizen_name=args.name):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The local stack's development EDS certification authority (TEST ONLY), kept in `.local/test-ca/`.

`make run` creates it once (local/test_ca.py) and trusts it (EDS_TRUST_ANCHORS_PEM). To sign an application on
the running local stack as its applicant (or representative), with a fresh certificate from this CA:

    python -m local.dev_ca sign --application <id> --iin <IIN> [--name "SURNAME NAME"] > signed.xml

and send `{"method": "eds", "signed_xml": <the file's text>}` to `POST /applications/<id>/signature`.

To sign any XML (an official's decision draft, `to_sign` of `GET /applications/<id>/decision/draft`) as an official
of an office, with a fresh official's certificate from this CA that names its CRL (served by the running local
stack, so the back office can check revocation):

    python -m local.dev_ca sign-xml --iin <IIN> --org <office> [--name "SURNAME NAME"] [--position "..."] \
        < to_sign.xml > signed.xml

The IIN must be the signed-in official's (the token's `sub`). `revoke --serial <hex>` adds a certificate to the CRL.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LOCAL_DIR = Path(__file__).resolve().parent.parent / ".local"
CA_DIR = LOCAL_DIR / "test-ca"


def ensure_ca() -> Path:
    """The CA's folder, created on first use. Two stacks starting at once agree on one CA (first rename wins)."""
    if not (CA_DIR / "ca.pem").is_file():
        from local.test_ca import write_ca

        LOCAL_DIR.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="test-ca-", dir=LOCAL_DIR))
        write_ca(staging)
        try:
            staging.rename(CA_DIR)
        except OSError:  # someone else made it first
            shutil.rmtree(staging, ignore_errors=True)
    return CA_DIR


def trust_anchor_pem() -> str:
    return (ensure_ca() / "ca.pem").read_text()


def load_ca() -> object:
    from local.test_ca import Credential

    folder = ensure_ca()
    key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Credential(key, x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes()))


def sign_application(application_id: str, iin: str, name: str) -> bytes:
    """The application's canonical content (read from the running local stack) signed by a new citizen certificate."""
    from local.stack import STATE_FILE
    from local.test_ca import Credential, issue_citizen_certificate, sign_xml

    info = json.loads(STATE_FILE.read_text())
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": info["aws_endpoint"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "PERSON_KEY_SECRET": "unused-for-reading",
        }
    )
    from chalicelib.bootstrap import container
    from chalicelib.domain.signing import canonical_application_content
    from chalicelib.services.signing import application_content

    application = container().repo.get(application_id)
    ca = load_ca()
    assert isinstance(ca, Credential)
    citizen = issue_citizen_certificate(ca, iin=iin, name=name)
    return sign_xml(canonical_application_content(application_content(application)), citizen.key, citizen.certificate)


REVOKED_FILE = "revoked.txt"


def crl_bytes() -> bytes:
    """The CA's current CRL (DER): the serial numbers listed in `revoked.txt` (hex, one a line)."""
    from local.test_ca import Credential, make_crl

    ca = load_ca()
    assert isinstance(ca, Credential)
    listed = ensure_ca() / REVOKED_FILE
    serials = tuple(int(line, 16) for line in (listed.read_text().split() if listed.is_file() else ()))
    return make_crl(ca, serials)


def _stack_crl_url() -> str | None:
    from local.stack import STATE_FILE

    try:
        return str(json.loads(STATE_FILE.read_text()).get("crl_url") or "") or None
    except (OSError, ValueError):
        return None


def sign_as_official(
    content: bytes, *, iin: str, org: str, name: str, position: str | None, crl_url: str | None
) -> bytes:
    """`content` (any XML document) with an enveloped RSA-SHA256 XMLDSig by a fresh official's certificate."""
    from local.test_ca import Credential, issue_official_certificate, sign_xml

    ca = load_ca()
    assert isinstance(ca, Credential)
    official = issue_official_certificate(ca, iin=iin, name=name, organization=org, position=position, crl_url=crl_url)
    return sign_xml(content, official.key, official.certificate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.dev_ca", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("path", help="print the CA's folder (creating it if needed)")
    sign = commands.add_parser("sign", help="sign an application of the running local stack")
    sign.add_argument("--application", required=True)
    sign.add_argument("--iin", required=True)
    sign.add_argument("--name", default="ТЕСТОВ ТЕСТ")
    official = commands.add_parser("sign-xml", help="sign the XML on stdin as an official (prints the signed XML)")
    official.add_argument("--iin", required=True, help="the official's IIN (the token's sub)")
    official.add_argument("--org", required=True, help="the official's office, e.g. employment-center:KZ-AKT")
    official.add_argument("--name", default="ТЕСТОВА ТЕСТ", help="the official's 'SURNAME NAME'")
    official.add_argument("--position", default="Главный специалист", help="the official's position")
    official.add_argument("--crl-url", help="the CRL to name (default: the running local stack's)")
    revoke = commands.add_parser("revoke", help="list a certificate (hex serial) in the CA's CRL")
    revoke.add_argument("--serial", required=True)
    args = parser.parse_args(argv)
    if args.command == "path":
        print(ensure_ca())
        return 0
    if args.command == "sign-xml":
        signed = sign_as_official(
            sys.stdin.buffer.read(),
            iin=args.iin,
            org=args.org,
            name=args.name,
            position=args.position,
            crl_url=args.crl_url or _stack_crl_url(),
        )
        sys.stdout.write(signed.decode())
        return 0
    if args.command == "revoke":
        with (ensure_ca() / REVOKED_FILE).open("a") as listed:
            listed.write(f"{int(args.serial, 16):x}\n")
        return 0
    sys.stdout.write(sign_application(args.application, args.iin, args.name).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

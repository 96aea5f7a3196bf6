"""The back office as a participant of the e-government gateway (ШЭП), on the local stack. TEST ONLY.

A participant has a login at the gateway (sender id and password) and signs every message with its information
system's certificate. Locally the certificate comes from the development CA (local/dev_ca.py, `.local/test-ca/`),
which the gateway simulator trusts; it is issued once and kept beside the CA (`gateway-provider.pem`: key and
certificate in one file, written atomically). In AWS the same four settings come from Secrets Manager:
GATEWAY_SENDER_PASSWORD_ARN, GATEWAY_SIGNING_KEY_PEM_ARN, GATEWAY_SIGNING_CERT_PEM_ARN (chalicelib/config.py).
"""

from __future__ import annotations

import os
import tempfile
from functools import cache

SENDER_ID = "SOCIAL_BENEFITS_BO"
SENDER_PASSWORD = "local-gateway-password"  # noqa: S105 - the local stack's test login, like its other test secrets
SYSTEM_NAME = "SOCIAL BENEFITS BACK OFFICE (TEST)"
SYSTEM_BIN = "000000000000"
ORGANISATION = "Social benefits back office (test)"
PROVIDER_FILE = "gateway-provider.pem"


@cache
def provider_pem() -> tuple[str, str]:
    """(key PEM, certificate PEM) of the back office's gateway certificate, issued by the development CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from local.dev_ca import ensure_ca, load_ca
    from local.test_ca import Credential, issue_system_certificate

    path = ensure_ca() / PROVIDER_FILE
    if not path.is_file():
        ca = load_ca()
        assert isinstance(ca, Credential)
        provider = issue_system_certificate(ca, name=SYSTEM_NAME, bin_=SYSTEM_BIN, organisation=ORGANISATION)
        handle, staging = tempfile.mkstemp(prefix="provider-", dir=path.parent)
        with os.fdopen(handle, "wb") as fh:
            fh.write(provider.key_pem + provider.certificate_pem)
        # two processes at once: one whole bundle wins, never the key of one and the certificate of the other
        os.replace(staging, path)
    bundle = path.read_bytes()
    key = serialization.load_pem_private_key(bundle, password=None)
    certificate = x509.load_pem_x509_certificate(bundle)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem.decode(), certificate.public_bytes(serialization.Encoding.PEM).decode()


def trust_anchor_pem() -> str:
    """What the simulated gateway trusts: the development CA."""
    from local.dev_ca import trust_anchor_pem as dev_ca_pem

    return dev_ca_pem()


def client_environment() -> dict[str, str]:
    """The settings the app's gateway client reads (chalicelib/config.py)."""
    key_pem, cert_pem = provider_pem()
    return {
        "GATEWAY_SENDER_ID": SENDER_ID,
        "GATEWAY_SENDER_PASSWORD": SENDER_PASSWORD,
        "GATEWAY_SIGNING_KEY_PEM": key_pem,
        "GATEWAY_SIGNING_CERT_PEM": cert_pem,
    }


def participants() -> dict[str, str]:
    """sender id -> password, as the simulated gateway knows them."""
    return {SENDER_ID: SENDER_PASSWORD}

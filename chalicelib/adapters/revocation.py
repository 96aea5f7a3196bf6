"""RevocationChecker (services/ports.py) by the CRL a certificate names (its CRL Distribution Points extension).

The NCA publishes CRLs over HTTP (the distribution point of its RSA certificates; delta CRLs beside them). The CRL is
fetched, its signature checked against the CA among the trust anchors that issued it, and kept until its
`next_update`. A certificate is `revoked` when the CRL lists its serial with a revocation date on or before the day,
`good` when a current CRL does not list it, and `unknown` when no distribution point answers with a valid, current CRL
(the caller refuses then: a signature whose revocation cannot be checked is not accepted).

On the local stack the development CA (local/dev_ca.py) serves its CRL over HTTP and names it in the certificates it
issues. OCSP is not used: the NCA's OCSP responder needs a registered client; the CRL needs nothing.
"""

from __future__ import annotations

import threading
import urllib.request
from datetime import UTC, datetime, timedelta

from cryptography import x509

FETCH_TIMEOUT_SECONDS = 5.0
MAX_CRL_BYTES = 20_000_000
_DEFAULT_KEEP = timedelta(minutes=10)


def _distribution_points(certificate: x509.Certificate) -> list[str]:
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    urls = []
    for point in points:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(("http://", "https://")):
                urls.append(name.value)
    return urls


class CrlRevocationChecker:
    def __init__(self, trust_anchors_pem: str) -> None:
        pem = trust_anchors_pem.strip().encode()
        self._issuers = x509.load_pem_x509_certificates(pem) if pem else []
        self._cache: dict[str, tuple[x509.CertificateRevocationList, datetime]] = {}
        self._lock = threading.Lock()

    def _fetch(self, url: str, now: datetime) -> x509.CertificateRevocationList | None:
        with self._lock:
            kept = self._cache.get(url)
        if kept is not None and kept[1] > now:
            return kept[0]
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310 (http(s) only)
                body = answer.read(MAX_CRL_BYTES + 1)
        except (OSError, ValueError):
            return None
        if len(body) > MAX_CRL_BYTES:
            return None
        try:
            crl = x509.load_pem_x509_crl(body) if body.lstrip().startswith(b"-----") else x509.load_der_x509_crl(body)
        except ValueError:
            return None
        issuer = next((ca for ca in self._issuers if ca.subject == crl.issuer), None)
        if issuer is None or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            return None
        next_update = crl.next_update_utc
        if next_update is not None and next_update < now:
            return None
        with self._lock:
            self._cache[url] = (crl, min(next_update or now + _DEFAULT_KEEP, now + _DEFAULT_KEEP))
        return crl

    def status(self, certificate_der: bytes, on: datetime) -> str:
        certificate = x509.load_der_x509_certificate(certificate_der)
        now = datetime.now(UTC)
        for url in _distribution_points(certificate):
            crl = self._fetch(url, now)
            if crl is None or crl.issuer != certificate.issuer:
                continue
            revoked = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
            if revoked is not None and revoked.revocation_date_utc.date() <= on.astimezone(UTC).date():
                return "revoked"
            return "good"
        return "unknown"

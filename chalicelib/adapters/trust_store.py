"""The production trust store for EDS signatures: the National Certification Centre's certificates in
`chalicelib/data/nca/trust_store.json` (with their PEM files beside it), checked before anything trusts them.

Which store a stage uses is decided in one place (bootstrap.Container.trust_anchors_pem): `EDS_TRUST_STORE=nca`
(dev and prod in .chalice/config.json) loads this store; otherwise `EDS_TRUST_ANCHORS_PEM` is the store (the local
stack's development CA, tests' CAs).

A certificate of the store is trusted only when the data says `trust: true`, its PEM file is present, and:
- the file holds exactly one certificate, whose SHA-256 fingerprint is the recorded `sha256` (a certificate with no
  recorded fingerprint is never trusted) and whose subject key identifier is the recorded one, where recorded;
- an intermediate is issued by its root in the store: names, and the signature verified (RSA);
- its algorithm is RSA (GOST R 34.10-2015 is listed, never trusted: nothing here verifies it).
A present file that fails a check raises TrustStoreInvalid: a tampered or mistaken store never loads half-way. A
certificate whose file is absent is reported `absent` and not trusted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization

from chalicelib.data import data_path, load_json

NCA_STORE = "nca/trust_store.json"
TRUSTED, LISTED, ABSENT = "trusted", "listed", "absent"


class TrustStoreInvalid(Exception):
    """A certificate of the store is not what the store's data says (fingerprint, key id, issuer, signature)."""


@dataclass(frozen=True)
class StoreEntry:
    id: str
    role: str  # root | intermediate
    algorithm: str
    state: str  # trusted | listed | absent
    sha256: str | None
    subject: str | None
    not_before: datetime | None
    not_after: datetime | None
    source_url: str


@dataclass(frozen=True)
class TrustStore:
    name: str
    entries: tuple[StoreEntry, ...]
    anchors: tuple[x509.Certificate, ...]
    revocation: dict[str, Any]

    @property
    def anchors_pem(self) -> str:
        """The trusted certificates as concatenated PEM ("" when none is trusted)."""
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.anchors)


def _read_pem(name: str) -> x509.Certificate | None:
    path = data_path(name)
    if not path.is_file():
        return None
    found = x509.load_pem_x509_certificates(path.read_bytes())
    if len(found) != 1:
        raise TrustStoreInvalid(f"{name} holds {len(found)} certificates, not one.")
    return found[0]


def _key_id(certificate: x509.Certificate) -> str | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()
    except x509.ExtensionNotFound:
        return None


def _authority_key_id(certificate: x509.Certificate) -> str | None:
    try:
        digest = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None
    return digest.hex() if digest else None


def _is_rsa(spec: dict[str, Any]) -> bool:
    return str(spec.get("algorithm", "")).upper() == "RSA"


def _check(spec: dict[str, Any], certificate: x509.Certificate) -> None:
    expected = (spec.get("sha256") or "").lower()
    actual = certificate.fingerprint(hashes.SHA256()).hex()
    if expected and actual != expected:
        raise TrustStoreInvalid(f"{spec['id']}: SHA-256 {actual} is not the recorded {expected}.")
    key_id = (spec.get("subject_key_identifier") or "").lower()
    if key_id and _key_id(certificate) != key_id:
        raise TrustStoreInvalid(f"{spec['id']}: the subject key identifier is not the recorded {key_id}.")


def _check_issued(spec: dict[str, Any], certificate: x509.Certificate, issuer: x509.Certificate) -> None:
    if certificate.issuer != issuer.subject:
        raise TrustStoreInvalid(f"{spec['id']}: not issued by {spec.get('issuer') or 'itself'} (names differ).")
    authority = _authority_key_id(certificate)
    if authority is not None and _key_id(issuer) not in (None, authority):
        raise TrustStoreInvalid(f"{spec['id']}: its authority key identifier is not its issuer's key.")
    if _is_rsa(spec):
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise TrustStoreInvalid(f"{spec['id']}: its signature does not verify with its issuer's key.") from exc


def _when(certificate: x509.Certificate | None, spec: dict[str, Any], key: str) -> datetime | None:
    if certificate is not None:
        return certificate.not_valid_before_utc if key == "not_before" else certificate.not_valid_after_utc
    raw = spec.get(key)
    return datetime.fromisoformat(raw).astimezone(UTC) if raw else None


def load_trust_store(name: str = NCA_STORE) -> TrustStore:
    """The store described by data file `name`: each certificate's state and the trusted ones (anchors).

    Raises TrustStoreInvalid when a present certificate is not what the data records."""
    with warnings.catch_warnings():  # NCA names are longer than X.520's 64-character bound: read them anyway
        warnings.simplefilter("ignore", UserWarning)
        return _load(name)


def _load(name: str) -> TrustStore:
    data = load_json(name)
    specs = {spec["id"]: spec for spec in data["certificates"]}
    loaded = {key: _read_pem(spec["file"]) for key, spec in specs.items()}
    entries, anchors = [], []
    for key, spec in specs.items():
        certificate = loaded[key]
        state = ABSENT
        if certificate is not None:
            _check(spec, certificate)
            issuer = loaded.get(spec["issuer"]) if spec.get("issuer") else certificate
            if issuer is not None:
                _check_issued(spec, certificate, issuer)
            chained = issuer is not None and (not spec.get("issuer") or specs[spec["issuer"]].get("sha256"))
            trusted = bool(spec.get("trust")) and _is_rsa(spec) and bool(spec.get("sha256")) and bool(chained)
            state = TRUSTED if trusted else LISTED
            if trusted:
                anchors.append(certificate)
        entries.append(
            StoreEntry(
                id=key,
                role=spec["role"],
                algorithm=spec["algorithm"],
                state=state,
                sha256=certificate.fingerprint(hashes.SHA256()).hex()
                if certificate is not None
                else spec.get("sha256"),
                subject=certificate.subject.rfc4514_string() if certificate is not None else spec.get("subject"),
                not_before=_when(certificate, spec, "not_before"),
                not_after=_when(certificate, spec, "not_after"),
                source_url=spec["source_url"],
            )
        )
    return TrustStore(name, tuple(entries), tuple(anchors), dict(data.get("revocation") or {}))


@cache
def nca_trust_anchors_pem() -> str:
    """The production store's trusted certificates as PEM (loaded and checked once per process)."""
    return load_trust_store(NCA_STORE).anchors_pem

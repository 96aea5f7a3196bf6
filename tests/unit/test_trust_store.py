"""The production EDS trust store (data/nca, adapters/trust_store.py) and the one place that picks a stage's store."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from chalicelib.adapters.trust_store import (
    ABSENT,
    LISTED,
    TRUSTED,
    TrustStoreInvalid,
    load_trust_store,
    nca_trust_anchors_pem,
)
from chalicelib.data import DATA_DIR, load_json
from chalicelib.domain.signing import SignatureRefused
from local.test_ca import Credential, create_root_ca, issue_official_certificate, new_key, sign_xml
from tests.conftest import data_override

ROOT = Path(__file__).resolve().parents[2]
CONTENT = b"<Doc>decision</Doc>"
IIN = "850101300015"


def _clear() -> None:
    load_json.cache_clear()
    nca_trust_anchors_pem.cache_clear()


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data override folder lying over data/nca (the shipped store's files copied, to be changed by a test)."""
    shutil.copytree(DATA_DIR / "nca", tmp_path / "nca")
    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", data_override(tmp_path))
    _clear()
    yield tmp_path
    _clear()


def _intermediate(root: Credential, name: str) -> Credential:
    key = new_key()
    now = datetime.now(UTC)
    root_ski = root.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")])
        )
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), critical=False)
        .sign(root.key, hashes.SHA256())
    )
    return Credential(key, certificate)


def _fingerprint(credential: Credential) -> str:
    return credential.certificate.fingerprint(hashes.SHA256()).hex()


def _key_id(credential: Credential) -> str:
    return credential.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()


def _install(folder: Path, root: Credential, intermediate: Credential | None = None, **changes: Any) -> None:
    """Operations' way to load the RSA chain: the PEM files and the store's data with their fingerprints."""
    (folder / "nca" / "root_rsa_2020.pem").write_bytes(root.certificate_pem)
    data = json.loads((folder / "nca" / "trust_store.json").read_text(encoding="utf-8"))
    specs = {spec["id"]: spec for spec in data["certificates"]}
    specs["root_rsa_2020"].update(sha256=_fingerprint(root), subject_key_identifier=_key_id(root))
    if intermediate is not None:
        (folder / "nca" / "nca_rsa_2022.pem").write_bytes(intermediate.certificate_pem)
        specs["nca_rsa_2022"].update(sha256=_fingerprint(intermediate), subject_key_identifier=_key_id(intermediate))
    for key, value in changes.items():
        spec_id, field = key.split("__")
        specs[spec_id][field] = value
    (folder / "nca" / "trust_store.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _clear()


def test_the_shipped_store_lists_gost_and_does_not_yet_hold_the_rsa_chain() -> None:
    _clear()
    store = load_trust_store()
    states = {entry.id: entry.state for entry in store.entries}
    # GOST certificates are listed with the fingerprints the data records (they match the PEM files), never trusted
    assert states["root_gost_2022"] == LISTED and states["nca_gost_2022"] == LISTED
    gost = {entry.id: entry for entry in store.entries if entry.id.endswith("gost_2022")}
    assert gost["root_gost_2022"].sha256 == "af77725f8328bb24f89d81da3acdf7cee4324248538b7ba2cd2a860517fb9dca"
    assert gost["nca_gost_2022"].not_after == datetime(2045, 9, 7, 5, 1, 9, tzinfo=UTC)
    # The RSA root and intermediate are not shipped (README: operations load them): nothing is trusted yet
    assert states["root_rsa_2020"] == ABSENT and states["nca_rsa_2022"] == ABSENT
    assert store.anchors == () and store.anchors_pem == ""
    # Revocation for the RSA chain: the addresses a real certificate of the 2022 intermediate names
    assert store.revocation["rsa"]["crl"] == "http://crl.pki.gov.kz/nca_rsa_2022.crl"
    assert store.revocation["rsa"]["ocsp"] == "http://ocsp.pki.gov.kz"


def test_an_rsa_chain_loaded_by_operations_is_trusted_once_it_checks(store_dir: Path) -> None:
    root = create_root_ca("НКО (RSA) TEST ROOT")
    intermediate = _intermediate(root, "ҰКО (RSA) TEST")
    _install(store_dir, root, intermediate, nca_rsa_2022__subject=None)

    store = load_trust_store()

    assert {e.id: e.state for e in store.entries}["nca_rsa_2022"] == TRUSTED
    assert {c.fingerprint(hashes.SHA256()) for c in store.anchors} == {
        root.certificate.fingerprint(hashes.SHA256()),
        intermediate.certificate.fingerprint(hashes.SHA256()),
    }


@pytest.mark.parametrize("fault", ["fingerprint", "key_id", "foreign_intermediate", "no_fingerprint"])
def test_a_certificate_that_is_not_what_the_data_records_is_never_trusted(store_dir: Path, fault: str) -> None:
    root = create_root_ca("НКО (RSA) TEST ROOT")
    intermediate = _intermediate(root, "ҰКО (RSA) TEST")
    if fault == "fingerprint":
        _install(store_dir, root, intermediate, root_rsa_2020__sha256="00" * 32)
    elif fault == "key_id":
        real_nca_key_id = "dcae24d749b26480d2de37233c3ea4515db55ac7"  # the real intermediate's, not this one's
        _install(store_dir, root, intermediate, nca_rsa_2022__subject_key_identifier=real_nca_key_id)
    elif fault == "foreign_intermediate":  # same names, signed by another key than the root's
        impostor = create_root_ca("НКО (RSA) TEST ROOT")
        _install(store_dir, root, _intermediate(impostor, "ҰКО (RSA) TEST"))
    else:  # present, but no fingerprint recorded: listed, not trusted
        _install(store_dir, root, intermediate, root_rsa_2020__sha256=None, nca_rsa_2022__sha256=None)
        store = load_trust_store()
        assert {e.id: e.state for e in store.entries}["root_rsa_2020"] == LISTED
        assert store.anchors == ()
        return
    with pytest.raises(TrustStoreInvalid):
        load_trust_store()


def _prod_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    stage = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))["stages"]["prod"]
    for name, value in stage["environment_variables"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EDS_TRUST_ANCHORS_PEM", raising=False)


def test_the_prod_stage_uses_the_nca_store(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.trusted_eds import EdsNotConfigured

    _prod_environment(monkeypatch)
    _clear()
    bootstrap.reset()
    container = bootstrap.container()
    assert container.settings.eds_trust_store == "nca"
    assert container.trust_anchors_pem == load_trust_store().anchors_pem
    # An official of the local test CA is refused under it (today no RSA chain is loaded: no EDS is accepted at all)
    local = create_root_ca("LOCAL TEST CA")
    official = issue_official_certificate(local, iin=IIN, name="САПАРОВА ДИНАРА", organization="Test")
    signed = sign_xml(CONTENT, official.key, official.certificate).decode()
    with pytest.raises(EdsNotConfigured):
        container.eds_verifier.verify(signed, CONTENT, {IIN}, datetime.now(UTC))
    # and a PEM given beside the store is a configuration error, not a second way in
    monkeypatch.setenv("EDS_TRUST_ANCHORS_PEM", local.certificate_pem.decode())
    bootstrap.reset()
    with pytest.raises(ValueError, match="EDS_TRUST_STORE=nca"):
        _ = bootstrap.container().trust_anchors_pem


def test_under_the_prod_store_a_local_ca_certificate_is_untrusted_and_an_nca_one_accepted(
    env: dict[str, str], store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap

    nca_root = create_root_ca("НКО (RSA) TEST ROOT")
    _install(store_dir, nca_root)
    _prod_environment(monkeypatch)
    monkeypatch.setenv("SB_DATA_OVERRIDE_DIR", data_override(store_dir))
    _clear()
    bootstrap.reset()
    verifier = bootstrap.container().eds_verifier
    now = datetime.now(UTC)

    local = create_root_ca("LOCAL TEST CA")
    stranger = issue_official_certificate(local, iin=IIN, name="САПАРОВА ДИНАРА", organization="Test")
    with pytest.raises(SignatureRefused) as refused:
        verifier.verify(sign_xml(CONTENT, stranger.key, stranger.certificate).decode(), CONTENT, {IIN}, now)
    assert refused.value.code == "eds.untrusted"

    official = issue_official_certificate(nca_root, iin=IIN, name="САПАРОВА ДИНАРА", organization="Test")
    signature = verifier.verify(sign_xml(CONTENT, official.key, official.certificate).decode(), CONTENT, {IIN}, now)
    assert signature.iin == IIN

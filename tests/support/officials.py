"""An official's EDS in tests: a test CA trusted by the app, its CRL served over HTTP, officials' certificates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from local.test_ca import Credential, CrlServer, create_root_ca, issue_official_certificate, make_crl, sign_xml

OFFICE = "employment-center:KZ-AKT"


@dataclass
class OfficialCa:
    ca: Credential
    crl_url: str = ""
    revoked: list[int] = field(default_factory=list)

    def official(
        self,
        iin: str,
        *,
        name: str = "САПАРОВА ДИНАРА",
        position: str = "Главный специалист",
        organization: str = "Центр занятости населения г. Актобе",
        ca: Credential | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> Credential:
        return issue_official_certificate(
            ca or self.ca,
            iin=iin,
            name=name,
            position=position,
            organization=organization,
            crl_url=self.crl_url,
            not_before=not_before,
            not_after=not_after,
        )

    @staticmethod
    def sign(to_sign: str | bytes, who: Credential) -> str:
        data = to_sign.encode() if isinstance(to_sign, str) else to_sign
        return sign_xml(data, who.key, who.certificate).decode()

    def revoke(self, who: Credential) -> None:
        self.revoked.append(who.certificate.serial_number)


_CA: Credential | None = None


def _shared_ca() -> Credential:
    global _CA  # noqa: PLW0603
    if _CA is None:
        _CA = create_root_ca("TEST NCA FOR OFFICIALS (TESTS ONLY)")
    return _CA


@pytest.fixture
def official_ca(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[OfficialCa]:
    """The app trusts a test CA whose CRL it can fetch; officials' certificates name that CRL."""
    from chalicelib import bootstrap

    holder = OfficialCa(_shared_ca())
    with CrlServer(lambda: make_crl(holder.ca, tuple(holder.revoked))) as server:
        holder.crl_url = server.url
        monkeypatch.setenv("EDS_TRUST_ANCHORS_PEM", holder.ca.certificate_pem.decode())
        bootstrap.reset()
        yield holder
    bootstrap.reset()

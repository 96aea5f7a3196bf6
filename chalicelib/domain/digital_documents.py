"""Digital Documents (eGov mobile): documents a service may take from the citizen's own wallet, on their consent.

Pure. Where a registry has no record and the applicant would be asked to upload a document
(`ask_applicant` in lookup_plans.json), and the document is of a kind the wallet holds (data/digital_documents.json),
the applicant is first asked by SMS whether the service may fetch it from Digital Documents. Nothing is fetched
before the answer. Consent: the wallet is read once and each document found completes the lookup it stands in for,
with the data the registry would have given. Refusal, STOP or silence until `consent_valid`: the applicant is asked
to upload, as without the wallet. The SMS dialogue itself is an Offer of kind `digital_documents`
(domain/proactive.py): one phone, one question, the same reply words, help limits and timers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.data import load_json

POLICY_FILE = "digital_documents.json"
ASKING = "asking"
"""`digital_documents.state` of an application waiting for the applicant's answer (then: fetched, declined,
expired or revoked)."""


@dataclass(frozen=True)
class DigitalDocumentsPolicy:
    registry: str
    purpose: str
    consent_valid: timedelta
    stands_for: Mapping[str, str]
    """Document kind -> the registry whose answer the wallet's copy stands in for."""

    @classmethod
    def from_data(cls) -> DigitalDocumentsPolicy:
        data = load_json(POLICY_FILE)
        return cls(
            registry=str(data["registry"]),
            purpose=str(data["purpose"]),
            consent_valid=timedelta(hours=int(data["consent_valid_hours"])),
            stands_for={kind: str(raw["stands_for"]) for kind, raw in data["documents"].items()},
        )

    def fetchable(self, kinds: Iterable[str | None]) -> list[str]:
        """The kinds among these that the wallet may hold, sorted, each once."""
        return sorted({k for k in kinds if k is not None and k in self.stands_for})


@dataclass(frozen=True)
class WalletDocument:
    kind: str
    number: str
    person_iin: str
    data: Mapping[str, Any]

    @property
    def reference(self) -> str:
        """What the lookup records as the document that completed it (no personal data: kind and number)."""
        return f"digital_documents:{self.kind}:{self.number}"


def wallet_documents(answer: Mapping[str, Any] | None) -> list[WalletDocument]:
    """The documents of a `digital_documents` answer (none when the wallet is empty or not found)."""
    found = []
    for raw in (answer or {}).get("documents") or []:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("data"), Mapping):
            continue
        found.append(
            WalletDocument(
                str(raw.get("kind")), str(raw.get("number") or ""), str(raw.get("person_iin")), dict(raw["data"])
            )
        )
    return found


def document_for(documents: Iterable[WalletDocument], kind: str, person_iin: str) -> WalletDocument | None:
    """The wallet's document of this kind about this person, if it holds one."""
    return next((d for d in documents if d.kind == kind and d.person_iin == person_iin), None)

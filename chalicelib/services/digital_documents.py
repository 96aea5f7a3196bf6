"""Digital Documents: after the applicant's answer to the SMS question, fetch their documents or fall back.

The decision step asks the question (services/decisions.py: the application waits, `digital_documents.state` is
`asking`, and a `digital_documents_question` message goes to the proactive queue, whose worker sends the SMS as an
offer of kind `digital_documents`). The dialogue's effects land here, each idempotent:

- `fetch_documents` (the applicant said yes): the wallet is read once through the gateway (audited, on behalf of
  the application); each document found completes the lookup it stands in for, with its data; the application
  takes the conversation into its timeline and is decided again (what the wallet lacked is then asked for).
- `documents_fallback` (no, STOP or silence): the application takes the conversation into its timeline and is
  decided again, which asks the applicant to upload, as without the wallet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.application import Application
from chalicelib.domain.digital_documents import ASKING, DigitalDocumentsPolicy, document_for, wallet_documents
from chalicelib.domain.proactive import Offer
from chalicelib.services.audit import AuditEntry, AuditLog
from chalicelib.services.concurrency import update_application
from chalicelib.services.decisions import gaps_of
from chalicelib.services.lookups import decide_message
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import ApplicationRepository, Clock, LookupStore, MessagePublisher
from chalicelib.services.registry_port import GatewayRejected, RegistryGateway

WORKER = "proactive-worker"


@dataclass(frozen=True)
class DigitalDocumentsDeps:
    """What the Digital Documents effects need: the application and its lookups, the gateway to the wallet (every
    read audited), the publisher of the decision message, the clock and the policy (data/digital_documents.json)."""

    repo: ApplicationRepository
    lookups: LookupStore
    gateway: RegistryGateway
    audit: AuditLog
    publisher: MessagePublisher
    clock: Clock
    policy: DigitalDocumentsPolicy


def fetch_documents(offer: Offer, deps: DigitalDocumentsDeps) -> None:
    """Read the wallet (after consent only) and complete the lookups its documents answer."""
    application_id, policy = offer.application_id, deps.policy
    assert application_id is not None
    if not _still_asking(deps.repo.get(application_id)):
        return  # done before: a repeated effect
    try:
        answer = deps.gateway.fetch(
            policy.registry,
            offer.person_iin,
            service_id=offer.service_id,
            purpose=policy.purpose,
            on_behalf_of=application_id,
            request_id=f"{application_id}:{policy.registry}",
        )
        found = wallet_documents(answer.data if answer.found else None)
        exchanges = answer.exchanges
    except GatewayRejected as rejected:
        found, exchanges = [], rejected.exchanges
    deps.audit.record(
        AuditEntry.registry_read(
            at=deps.clock.now(),
            actor_role="system",
            actor_id=WORKER,
            on_behalf_of=application_id,
            purpose=policy.purpose,
            application_id=application_id,
            registry=policy.registry,
            exchanges=exchanges,
        )
    )
    provided: set[str] = set()
    lacking: set[str] = set()
    ask, _ = gaps_of(deps.lookups.for_application(application_id))
    for record in ask:
        if record.document is None or record.document not in offer.documents:
            continue
        document = document_for(found, record.document, record.iin)
        if document is None:
            lacking.add(record.document)
            continue
        deps.lookups.provide_document(application_id, record.key, document.reference, document.data)
        provided.add(record.document)
    _hand_back(offer, "fetched", deps, documents=sorted(provided), not_in_wallet=sorted(lacking))


def fall_back(offer: Offer, deps: DigitalDocumentsDeps) -> None:
    """No consent (refused, revoked, or no answer in time): the application goes on to ask for the upload."""
    _hand_back(offer, offer.state.value, deps)


def _still_asking(application: Application) -> bool:
    question = application.data.get("digital_documents") or {}
    return question.get("state") == ASKING and not application.is_final


def _hand_back(offer: Offer, outcome: str, deps: DigitalDocumentsDeps, **detail: Any) -> None:
    assert offer.application_id is not None
    now = deps.clock.now()

    def change(app: Application) -> None:
        if not _still_asking(app):
            return
        seen = {(e.type, e.at) for e in app.timeline}
        for event in offer.events:  # the conversation so far, once
            if (event.type, event.at) not in seen:
                app.record(event.at, event.type, event.actor, **event.detail)
        app.data["digital_documents"] = {**app.data["digital_documents"], "state": outcome}
        if outcome == "fetched":
            app.record(now, "digital_documents_fetched", "system", **detail)
        message = decide_message(app.id)
        app.send(message.queue, f"{message.key}:digital_documents", message.body)

    application, _ = update_application(deps.repo, offer.application_id, change)
    dispatch_outbox(deps.repo, deps.publisher, application)

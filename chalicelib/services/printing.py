"""Printable documents, rendered once in a worker and served as stored: the result notice (at the decision) and the
tear-off ticket (on its first request). The citizen's request path never renders a PDF.

Names in the store: `results/<application id>/<language>.pdf`, `tickets/<application id>/<language>.pdf`.
The decision queues the result's render in the application's language (in its outbox, with the decision). A
request for a PDF not rendered yet (another language, a ticket's first print) queues
`{"type": "render", "document": "result" | "ticket", "languages": [...], "source": {...}}` on the decisions queue
(the one function that carries the renderer) and answers 503 `document.rendering` with Retry-After: the portal
and the office desk ask again a few seconds later and get the stored PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from chalicelib.domain.application import OutboxMessage
from chalicelib.domain.catalog import LANGUAGES
from chalicelib.domain.errors import DomainError
from chalicelib.services.ports import DocumentPrinter, MessagePublisher, RenderedDocuments, ResultStore

DOCUMENTS = ("result", "ticket")
RETRY_AFTER_SECONDS = 3


class DocumentRendering(DomainError):
    """The PDF is being rendered (by a worker): ask again after `Retry-After` seconds."""

    code = "document.rendering"
    status = 503
    headers = MappingProxyType({"Retry-After": str(RETRY_AFTER_SECONDS)})


@dataclass(frozen=True)
class PrintingDeps:
    rendered: RenderedDocuments
    publisher: MessagePublisher
    printer: DocumentPrinter | None = None  # only the decisions worker carries one


def document_name(document: str, application_id: str, language: str) -> str:
    return f"{document}s/{application_id}/{language}.pdf"


def stored_pdf(
    document: str, application_id: str, language: str, deps: PrintingDeps, source: Mapping[str, Any] | None = None
) -> bytes:
    """The stored PDF, or (none yet) a render request queued for the worker and DocumentRendering raised.
    `source`: the ticket's JSON body (a result is rendered from the signed result the worker reads)."""
    pdf = deps.rendered.get(document_name(document, application_id, language))
    if pdf is not None:
        return pdf
    deps.publisher.publish([render_message(document, application_id, (language,), source)])
    raise DocumentRendering(f"The {document} PDF is being prepared; ask again in a few seconds.")


def render_message(
    document: str, application_id: str, languages: tuple[str, ...] = LANGUAGES, source: Mapping[str, Any] | None = None
) -> OutboxMessage:
    if document not in DOCUMENTS:
        raise ValueError(f"unknown document {document!r}")
    body: dict[str, Any] = {
        "type": "render",
        "document": document,
        "application_id": application_id,
        "languages": list(languages),
    }
    if source is not None:
        body["source"] = dict(source)
    return OutboxMessage("decisions", f"{application_id}:render:{document}:{'-'.join(languages)}", body)


def handle_render(body: Mapping[str, Any], deps: PrintingDeps, results: ResultStore) -> int:
    """A render message (decisions queue): render the document in each language asked and keep it (idempotent: a
    redelivery writes the same document again). Returns how many PDFs were written."""
    assert deps.printer is not None, "only the decisions worker renders"
    document, application_id = str(body["document"]), str(body["application_id"])
    source = body.get("source")
    if source is None:  # a result: rendered from the whole signed result (its signatory block comes from it)
        source = results.get(application_id)
        if source is None:
            raise ValueError(f"no signed result to render for {application_id}")
    languages = [str(lang) for lang in body.get("languages") or LANGUAGES if lang in LANGUAGES]
    for language in languages:
        if document == "result":
            pdf = deps.printer.result_notice(source, language)
        elif document == "ticket":
            pdf = deps.printer.ticket(source, language)
        else:
            raise ValueError(f"unknown document {document!r}")
        deps.rendered.put(document_name(document, application_id, language), pdf)
    return len(languages)

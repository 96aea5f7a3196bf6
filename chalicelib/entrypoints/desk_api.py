"""The official's desk (API.md): reading and reviewing uploaded documents, the decision draft and the official's
EDS-signed decision. Each handler parses, calls one use case (services/review.py, services/official.py), shows it."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.bootstrap import container
from chalicelib.entrypoints.http import Call, endpoint
from chalicelib.entrypoints.views import application_view
from chalicelib.observability import logger

desk_api = Blueprint(__name__)


@endpoint(
    desk_api,
    "/applications/{application_id}/documents/{document_id}",
    summary="An uploaded document: kind, review state and a short-lived download link (the read is audited)",
    roles=("official", "operator"),
    response="DocumentOut",
    errors=(401, 403, 404),
)
def read_document(call: Call, application_id: str, document_id: str) -> dict[str, Any]:
    from chalicelib.services.review import read_document as use_case

    return use_case(application_id, document_id, call.who, container().review())


@endpoint(
    desk_api,
    "/applications/{application_id}/documents/{document_id}/review",
    "POST",
    summary="Accept a document with the facts it states (the registry's answer shape) or reject it with a "
    "reason (the applicant is asked again)",
    roles=("official",),
    request="ReviewIn",
    response="DocumentOut",
    errors=(401, 403, 404, 409, 422),
)
def review_document(call: Call, application_id: str, document_id: str) -> dict[str, Any]:
    from chalicelib.services.review import review_document as use_case

    view = use_case(application_id, document_id, call.raw, call.who, container().review())
    logger.info("document reviewed", extra={"application_id": application_id, "state": view["state"]})
    return view


@endpoint(
    desk_api,
    "/applications/{application_id}/decision/draft",
    summary="The rules' decision on the facts "
    "held and the canonical XML the official signs (409 with the facts still missing)",
    roles=("official",),
    response="DraftOut",
    errors=(401, 403, 404, 409),
)
def decision_draft(call: Call, application_id: str) -> dict[str, Any]:
    from chalicelib.services.official import draft_decision

    return draft_decision(application_id, call.who, container().official())


@endpoint(
    desk_api,
    "/applications/{application_id}/decision",
    "POST",
    summary="The official's decision: their enveloped XMLDSig over the draft's `to_sign`",
    roles=("official",),
    request="DecisionIn",
    response="ApplicationOut",
    errors=(401, 403, 404, 409, 422, 503),
)
def sign_decision(call: Call, application_id: str) -> dict[str, Any]:
    from chalicelib.services.official import sign_decision as use_case

    deps = container()
    application = use_case(application_id, call.raw, call.who, deps.official())
    logger.info(
        "decision signed by an official", extra={"application_id": application_id, "status": application.status.value}
    )
    return application_view(
        application, deps.deadline_index.events_of(application_id), deps.lookup_store.for_application(application_id)
    )

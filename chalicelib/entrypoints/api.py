"""The HTTP API of API.md: parse, call one use case, show the result."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.data import data_path, load_json
from chalicelib.domain.errors import InvalidValue
from chalicelib.entrypoints.http import SIGNED_IN, Call, endpoint
from chalicelib.entrypoints.problems import json_response
from chalicelib.entrypoints.views import application_view, service_view, summary_view, term_view
from chalicelib.observability import logger

api = Blueprint(__name__)

DATA_FILES = (
    "services.json",
    "regions.json",
    "banks.json",
    "registries.json",
    "calendar.json",
    "parameters.json",
    "lookup_plans.json",
)
IDEMPOTENCY_KEY_MAX = 64


@endpoint(api, "/health", summary="Liveness and the versions of the data files in force", response="HealthOut")
def health(call: Call) -> dict[str, Any]:
    versions: dict[str, str] = {}
    for name in DATA_FILES:
        if not data_path(name).is_file():
            continue
        data = load_json(name)
        versions[name] = str(data.get("_version") or data.get("effective_from") or data.get("version") or "present")
    return {"status": "ok", "stage": container().settings.stage, "data": versions}


@endpoint(api, "/openapi.json", summary="This API's OpenAPI 3.1 document")
def openapi(call: Call) -> dict[str, Any]:
    from chalicelib.entrypoints.openapi import openapi_document

    return openapi_document()


def _registries_of(service_id: str) -> list[str]:
    if not data_path("lookup_plans.json").is_file():
        return []
    plans = load_json("lookup_plans.json")
    entries = plans.get("plans", plans).get(service_id, [])
    return sorted({e["registry"] for e in entries if isinstance(e, dict) and "registry" in e})


@endpoint(api, "/services", summary="The service catalog", response="ServicesOut")
def services(call: Call) -> dict[str, Any]:
    catalog = container().catalog
    return {"version": catalog.version, "services": [service_view(s, _registries_of(s.id)) for s in catalog]}


@endpoint(
    api,
    "/services/{service_id}/term",
    summary="When the result is due if filed that day on that channel",
    response="TermOut",
    query=(("from", "YYYY-MM-DD, default today (Asia/Almaty)"), ("channel", "filing channel, default portal")),
    errors=(404, 422),
)
def service_term(call: Call, service_id: str) -> dict[str, Any]:
    from chalicelib.domain.calendar import local_date
    from chalicelib.services.terms import quote_term

    deps = container()
    quote = quote_term(
        deps.catalog,
        deps.calendar,
        service_id,
        today=local_date(deps.clock.now()),
        channel=call.query("channel"),
        raw_from=call.query("from"),
    )
    return term_view(quote)


@endpoint(
    api,
    "/applications",
    "POST",
    summary="File an application",
    roles=("citizen", "operator"),
    request="ApplicationIn",
    response="ApplicationOut",
    status=201,
    headers=("Idempotency-Key",),
    errors=(400, 401, 403, 409, 413, 422, 503),
)
def file_application(call: Call) -> Response:
    from chalicelib.services.intake import submit_application

    key = call.header("idempotency-key")
    if key is not None and not (0 < len(key) <= IDEMPOTENCY_KEY_MAX and key.isascii() and key.isprintable()):
        raise InvalidValue("idempotency.key_invalid", "Idempotency-Key is 1 to 64 printable ASCII characters.")
    filed = submit_application(call.raw, call.who, container().intake(), render=application_view, idempotency_key=key)
    application_id = filed.response["id"]
    logger.info(
        "application filed",
        extra={
            "application_id": application_id,
            "replayed": filed.replayed,
            "service_id": filed.response["service_id"],
        },
    )
    headers = {"Location": f"/applications/{application_id}"}
    if filed.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(filed.response, filed.status, headers)


@endpoint(
    api,
    "/applications/{application_id}",
    summary="An application: status, timeline, lookups, decision",
    roles=SIGNED_IN,
    response="ApplicationOut",
    errors=(401, 404),
)
def read_application(call: Call, application_id: str) -> dict[str, Any]:
    from chalicelib.services.queries import poll_application

    deps = container()
    poll = poll_application(
        application_id,
        call.who,
        repo=deps.repo,
        audit=deps.audit,
        clock=deps.clock,
        lookups=deps.lookup_store,
        results=deps.results,
        events=deps.deadline_index,
    )
    return application_view(poll.application, poll.kept_apart, poll.lookups, decision=poll.decision)


@endpoint(
    api,
    "/applications",
    summary="The caller's History of services, newest first",
    roles=("citizen",),
    response="HistoryOut",
    query=(("cursor", "from the previous page"), ("limit", "1 to 50, default 20")),
    errors=(401, 403, 422),
)
def list_applications(call: Call) -> dict[str, Any]:
    from chalicelib.services.queries import history

    deps = container()
    page = history(deps.repo, call.who, cursor=call.query("cursor"), limit=call.limit())
    return {"items": [summary_view(a, deps.catalog, call.language) for a in page.items], "cursor": page.cursor}


@endpoint(
    api,
    "/applications/{application_id}/withdraw",
    "POST",
    summary="Withdraw before the decision",
    roles=("citizen",),
    response="ApplicationOut",
    errors=(401, 404, 409),
)
def withdraw(call: Call, application_id: str) -> dict[str, Any]:
    from chalicelib.services.intake import withdraw_application

    application = withdraw_application(application_id, call.who, container().intake())
    logger.info("application withdrawn", extra={"application_id": application_id})
    return application_view(application)


@endpoint(
    api,
    "/eligibility/{service_id}",
    "POST",
    summary="Pre-check before applying: the rules on the caller's registry data, without filing",
    roles=("citizen",),
    request="EligibilityIn",
    response="EligibilityOut",
    errors=(401, 403, 404, 422, 503),
)
def eligibility(call: Call, service_id: str) -> dict[str, Any]:
    from chalicelib.services.eligibility import check_eligibility

    container().catalog.get(service_id)
    result = check_eligibility(service_id, call.raw, call.who, container().eligibility())
    logger.info("eligibility checked", extra={"service_id": service_id, "would_be": result["would_be"]})
    return result


@endpoint(
    api,
    "/applications/{application_id}/documents",
    "POST",
    summary="An upload slot (pre-signed S3 POST) "
    "for a document the application awaits; the upload completes the lookup it stands in for",
    roles=("citizen", "operator", "official"),
    request="DocumentSlotIn",
    response="DocumentSlotOut",
    status=201,
    errors=(401, 404, 409, 422),
)
def document_slot(call: Call, application_id: str) -> Response:
    from chalicelib.services.documents import request_upload

    slot = request_upload(application_id, call.raw["kind"], call.raw["content_type"], call.who, container().documents())
    logger.info("upload slot issued", extra={"application_id": application_id, "kind": slot["kind"]})
    return json_response(slot, 201)

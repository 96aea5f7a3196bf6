"""Result documents: the signed JSON, the printable notice, and verification by anyone."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.entrypoints.http import SIGNED_IN, Call, endpoint, parse_json_object

results_api = Blueprint(__name__)


@endpoint(
    results_api,
    "/applications/{application_id}/result",
    summary="The signed result document (JSON; `?format=pdf` for the printable notice in the caller's language)",
    roles=SIGNED_IN,
    response="ResultOut",
    query=(("format", "json (default) or pdf"),),
    produces=("application/json", "application/pdf"),
    errors=(401, 404, 422, 503),
)
def read_result(call: Call, application_id: str) -> Any:
    from chalicelib.domain.result_document import verification_code
    from chalicelib.services.results import signed_result

    deps = container()
    signed = signed_result(deps.repo, deps.results, application_id, call.who)
    code = verification_code(signed["document"])
    fmt = call.document_format()
    if fmt == "pdf":
        from chalicelib.services.printing import stored_pdf

        language = (
            call.language if call.request.headers.get("accept-language") else signed["document"].get("language", "ru")
        )
        # rendered by the decisions worker; until then DocumentRendering: a 503 with Retry-After
        pdf = stored_pdf("result", application_id, language, deps.printing())
        return Response(
            body=pdf,
            status_code=200,
            headers={
                "Content-Type": "application/pdf",
                "Content-Disposition": f'inline; filename="result-{application_id}.pdf"',
            },
        )
    return {"verification_code": code, **signed}


@endpoint(
    results_api,
    "/results/verify",
    "POST",
    summary="Verify a result document's signature: valid or not, and who signed",
    body="SignedResultIn",
    response="VerifyOut",
    errors=(400, 413, 415, 422),
)
def verify(call: Call) -> dict[str, Any]:
    from chalicelib.services.results import verify_result

    raw = parse_json_object(call.request)
    return verify_result(container().signer, raw, container().eds_verifier)


@endpoint(
    results_api,
    "/results/{verification_code}",
    summary="Check a code printed on a notice: valid or not, the "
    "service, the outcome, the date and the masked applicant, nothing more",
    response="PublicResultOut",
    errors=(404, 422),
)
def check_code(call: Call, verification_code: str) -> dict[str, Any]:
    from chalicelib.services.results import public_check

    deps = container()
    return public_check(verification_code, deps.results, deps.signer, deps.eds_verifier)

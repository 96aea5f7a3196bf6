"""Signing an application: a one-time password by SMS, and the signature itself (OTP or EDS)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import FieldError
from chalicelib.domain.otp import OtpInvalid, OtpLocked, OtpRefused, OtpResendTooSoon
from chalicelib.domain.signing import SignatureRefused
from chalicelib.entrypoints.http import Call, endpoint
from chalicelib.entrypoints.problems import from_domain_error, problem
from chalicelib.entrypoints.views import application_view
from chalicelib.observability import logger

signing_api = Blueprint(__name__)


def otp_problem(refused: OtpRefused, language: str) -> Response:
    """The refusal's problem document, with Retry-After when waiting helps and the tries left after a wrong code."""
    headers = None
    if isinstance(refused, OtpResendTooSoon | OtpLocked):
        headers = {"Retry-After": str(refused.retry_after_seconds)}
    response = from_domain_error(refused, language, headers=headers)
    if isinstance(refused, OtpInvalid):
        body = json.loads(response.body)
        body["tries_left"] = refused.tries_left
        response.body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return response


@endpoint(
    signing_api,
    "/applications/{application_id}/otp",
    "POST",
    summary="Send a one-time password by SMS to sign this application",
    roles=("citizen",),
    response="OtpOut",
    errors=(401, 403, 404, 409, 422, 429, 503),
)
def send_otp(call: Call, application_id: str) -> Any:
    from chalicelib.services.signing import request_otp

    try:
        sent = request_otp(application_id, call.who, container().signing())
    except OtpRefused as refused:
        logger.info("otp refused", extra={"application_id": application_id, "code": refused.code})
        return otp_problem(refused, call.language)
    logger.info("otp sent", extra={"application_id": application_id})
    return {
        "application_id": sent.application_id,
        "sent_to": sent.sent_to,
        "expires_at": sent.expires_at.isoformat(),
        "resend_after": sent.resend_after.isoformat(),
    }


@endpoint(
    signing_api,
    "/applications/{application_id}/signature",
    "POST",
    summary="Sign the application (OTP or EDS): it is then submitted and registered",
    roles=("citizen",),
    request="SignatureIn",
    response="ApplicationOut",
    errors=(400, 401, 403, 404, 409, 413, 422, 429, 503),
)
def sign(call: Call, application_id: str) -> Any:
    from chalicelib.services.signing import sign_application

    method = call.body.method
    try:
        application = sign_application(
            application_id,
            call.who,
            method,
            container().signing(),
            code=call.body.code,
            signed_xml=call.body.signed_xml,
        )
    except OtpRefused as refused:
        logger.info("signature refused", extra={"application_id": application_id, "code": refused.code})
        return otp_problem(refused, call.language)
    except SignatureRefused as refused:
        logger.info("signature refused", extra={"application_id": application_id, "code": refused.code})
        return problem(
            422,
            refused.code,
            refused.message,
            language=call.language,
            errors=[FieldError("signed_xml", refused.code, refused.message)],
        )
    logger.info(
        "application signed",
        extra={"application_id": application_id, "method": method, "status": application.status.value},
    )
    return application_view(application)

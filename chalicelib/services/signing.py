"""Signing an application that awaits its signature: an SMS one-time password or an EDS (XMLDSig) signature.

Once signed, the application is submitted and registered exactly as intake registers a service that needs no
signature (`intake.register` inside the same versioned update, then the outbox is dispatched): the legal term
starts on the day of signing.

Every refusal has its own code. OTP refusals change the OTP state (a wrong code counts), so that state is saved
before the refusal is raised: the save and the refusal are one update, and a retried request sees the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.access import Caller, is_owner
from chalicelib.domain.application import Application, Status
from chalicelib.domain.calendar import WorkingDayCalendar
from chalicelib.domain.catalog import Service, ServiceCatalog
from chalicelib.domain.digits import is_ascii_digits
from chalicelib.domain.errors import ApplicationNotFound, Conflict, DomainError, FieldError, ValidationFailed
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.otp import OtpNotIssued, OtpPolicy, OtpRefused, OtpState, issue, verify
from chalicelib.domain.phone import PhoneNumber
from chalicelib.domain.signing import EdsSignature, canonical_application_content
from chalicelib.services.assignments import claim_pending
from chalicelib.services.audit import AuditLog
from chalicelib.services.concurrency import update_application
from chalicelib.services.intake import register
from chalicelib.services.notifications import NotificationDeps, send_one_time_code
from chalicelib.services.outbox import dispatch_outbox
from chalicelib.services.ports import (
    ApplicationRepository,
    AssignmentStore,
    Clock,
    EdsVerifier,
    MessagePublisher,
    SmsRejected,
)
from chalicelib.services.registry_port import RegistryGateway
from chalicelib.services.representation import RegistryNotAnswering, RegistryReadDeps, registered_phone


@dataclass(frozen=True)
class SigningDeps:
    repo: ApplicationRepository
    clock: Clock
    publisher: MessagePublisher
    catalog: ServiceCatalog
    calendar: WorkingDayCalendar
    notifications: NotificationDeps
    eds: EdsVerifier
    otp_secret: bytes
    assignments: AssignmentStore
    gateway: RegistryGateway | None = None
    """Asked for the signer's number in the mobile citizens database (`mobile`) when a one-time password is sent."""
    audit: AuditLog | None = None


@dataclass(frozen=True)
class OtpSent:
    application_id: str
    sent_to: str
    expires_at: datetime
    resend_after: datetime


class NotAwaitingSignature(Conflict):
    code = "signature.not_awaiting"


class SigningMethodNotAllowed(DomainError):
    code = "signature.method_not_allowed"
    status = 422


class NoPhoneForOtp(DomainError):
    """The signer has no number in the mobile citizens database: a one-time password cannot be sent, sign with EDS."""

    code = "otp.no_registered_phone"
    status = 422


class SmsRateLimited(DomainError):
    code = "sms.rate_limited"
    status = 429


class SmsUnavailable(DomainError):
    code = "sms.unavailable"
    status = 503


def application_content(app: Application) -> dict[str, Any]:
    """What the applicant signs (domain.signing.SIGNED_FIELDS): the application as filed, with its id.

    The same shape as the filing request (API.md), so a portal rebuilds it from what it sent plus the id.
    """
    applicant: dict[str, Any] = {"iin": app.applicant.iin, "region": app.applicant.region}
    if app.applicant.phone:
        applicant["phone"] = app.applicant.phone
    return {
        "id": app.id,
        "service_id": app.service_id,
        "channel": app.channel,
        "applicant": applicant,
        "subjects": [{"iin": s.iin, "relation": s.relation} for s in app.subjects],
        "representative": (
            {"iin": app.representative.iin, "power_of_attorney": app.representative.power_of_attorney}
            if app.representative
            else None
        ),
        "bank_account": {"iban": app.bank_iban} if app.bank_iban else None,
        "accepted_by": (
            {"office": app.accepted_by.office, "official": app.accepted_by.official} if app.accepted_by else None
        ),
        "language": app.language,
    }


def mask_serial(serial: str) -> str:
    return f"{serial[:4]}****{serial[-4:]}" if len(serial) > 8 else "****"


def _check_signable(app: Application, caller: Caller, service: Service, method: str) -> None:
    if not is_owner(caller, app):
        raise ApplicationNotFound("No such application.")
    if app.status is not Status.AWAITING_SIGNATURE:
        raise NotAwaitingSignature(f"An application that is {app.status.value} is not awaiting a signature.")
    if method not in service.signing:
        raise SigningMethodNotAllowed(f"This service is signed with: {', '.join(service.signing)}.")


def _signer_phone(caller: Caller, app: Application, deps: SigningDeps) -> PhoneNumber:
    """The signer's (the caller's: applicant or representative) number in the mobile citizens database; never the
    number typed into the application, which whoever filed it chose."""
    if deps.gateway is None or deps.audit is None:
        raise RegistryNotAnswering("The mobile citizens database cannot be asked now: try again later.")
    phone = registered_phone(
        caller.iin,
        service_id=app.service_id,
        reference=app.id,
        actor=(caller.role, caller.iin),
        deps=RegistryReadDeps(deps.gateway, deps.audit, deps.clock),
    )
    if phone is None:
        raise NoPhoneForOtp(
            "You have no number in the mobile citizens database: a one-time password cannot be sent. "
            "Sign with an EDS, or register your number at a State Corporation office or on egov.kz."
        )
    return phone


def _phone(app: Application) -> PhoneNumber:
    """The number the current code was sent to (kept with the code's state)."""
    signer = app.data.get("otp_signer") or {}
    return PhoneNumber(str(signer.get("phone")))


def _otp_state(app: Application) -> OtpState | None:
    raw = app.data.get("otp")
    return OtpState.from_dict(raw) if raw else None


def _keep_refused_state(app: Application, refused: OtpRefused) -> OtpRefused:
    if refused.state is not None:
        app.data["otp"] = refused.state.to_dict()
    return refused


def _submit(
    app: Application, service: Service, caller: Caller, now: datetime, calendar: WorkingDayCalendar, **detail: Any
) -> None:
    app.transition(Status.SUBMITTED, at=now, actor=caller.actor, reason="signed", **detail)
    register(app, service, calendar, now)


def request_otp(application_id: str, caller: Caller, deps: SigningDeps) -> OtpSent:
    """Issue a code bound to the application and its phone, and send it by SMS now (the caller waits for it)."""
    now = deps.clock.now()
    current = deps.repo.get(application_id)
    _check_signable(current, caller, deps.catalog.get(current.service_id), "otp")
    phone = _signer_phone(caller, current, deps)

    def change(app: Application) -> str | OtpRefused:
        _check_signable(app, caller, deps.catalog.get(app.service_id), "otp")
        previous = app.data.get("otp_signer") or {}
        state = _otp_state(app) if previous.get("iin") == caller.iin else None
        try:
            state, code = issue(state, now, deps.otp_secret, app.id, phone.value)
        except OtpRefused as refused:
            return _keep_refused_state(app, refused)
        app.data["otp"] = state.to_dict()
        app.data["otp_signer"] = {"iin": caller.iin, "phone": phone.value}
        app.record(
            now,
            "otp_sent",
            caller.actor,
            sent_to=phone.masked,
            signer="applicant" if caller.iin == app.applicant.iin else "representative",
        )
        return code

    application, result = update_application(deps.repo, application_id, change)
    if isinstance(result, OtpRefused):
        raise result
    try:
        outcome = send_one_time_code(application, result, now, deps.notifications, phone)
    except SmsRejected:
        raise SmsUnavailable("The SMS could not be sent: try again in a minute.") from None
    if outcome == "rate_limited":
        raise SmsRateLimited("Too many SMS to this number this hour: try again later or sign with an EDS.")
    state = _otp_state(application)
    assert state is not None
    return OtpSent(
        application.id,
        _phone(application).masked,
        state.expires_at,
        state.issued_at + OtpPolicy.from_data().resend_interval,
    )


def _otp_detail(app: Application, state: OtpState) -> dict[str, Any]:
    return {"method": "otp", "sent_to": _phone(app).masked, "code_issued_at": state.issued_at.isoformat()}


def _eds_detail(app: Application, signature: EdsSignature) -> dict[str, Any]:
    return {
        "method": "eds",
        "certificate_serial": mask_serial(signature.certificate_serial),
        "signer": "applicant" if signature.iin == app.applicant.iin else "representative",
        "signer_iin": mask_iin(signature.iin),
    }


def sign_application(
    application_id: str,
    caller: Caller,
    method: str,
    deps: SigningDeps,
    *,
    code: str | None = None,
    signed_xml: str | None = None,
) -> Application:
    """Accept the signature, submit and register the application, and send what registration queues."""
    now = deps.clock.now()
    signature: EdsSignature | None = None
    if method == "otp":
        if not code:
            raise ValidationFailed([FieldError("code", "field.required", "Give the code from the SMS.")])
        if not is_ascii_digits(code.strip()):  # a typo of the format is not a wrong try (chalicelib/domain/digits.py)
            raise ValidationFailed([FieldError("code", "otp.format", "The code is the digits 0-9 from the SMS.")])
    elif method == "eds":
        if not signed_xml:
            raise ValidationFailed([FieldError("signed_xml", "field.required", "Give the signed XML document.")])
        current = deps.repo.get(application_id)
        _check_signable(current, caller, deps.catalog.get(current.service_id), "eds")
        allowed = {current.applicant.iin} | ({current.representative.iin} if current.representative else set())
        content = canonical_application_content(application_content(current))
        signature = deps.eds.verify(signed_xml, content, allowed, now)
    else:
        raise ValidationFailed([FieldError("method", "field.not_allowed", "`method` is otp or eds.")])

    def change(app: Application) -> OtpRefused | None:
        service = deps.catalog.get(app.service_id)
        _check_signable(app, caller, service, method)
        if signature is not None:
            _submit(app, service, caller, now, deps.calendar, **_eds_detail(app, signature))
            return None
        assert code is not None
        if (app.data.get("otp_signer") or {}).get("iin") != caller.iin:
            raise OtpNotIssued("No code was sent to you for this application: request one first.", None)
        try:
            state = verify(_otp_state(app), now, deps.otp_secret, app.id, _phone(app).value, code)
        except OtpRefused as refused:
            return _keep_refused_state(app, refused)
        app.data["otp"] = state.to_dict()
        _submit(app, service, caller, now, deps.calendar, **_otp_detail(app, state))
        return None

    application, refused = update_application(deps.repo, application_id, change)
    if refused is not None:
        raise refused
    claim_pending(deps.assignments, deps.repo, application)
    dispatch_outbox(deps.repo, deps.publisher, application)
    return deps.repo.get(application_id)  # as dispatching left it: checking once its lookups are sent

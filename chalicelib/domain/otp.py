"""The SMS one-time password that signs an application: issue a code, verify an answer. Pure: time is passed in.

A code is 6 random digits (`secrets`), stored only as HMAC-SHA256 under a server secret over
(application id, phone, code): a leaked table yields no codes, and a code is good only for the application and the
phone it was sent to. A code is valid 5 minutes and used once. Wrong answers are counted twice: per code (5, then
the code is dead) and per application over a sliding hour (10, then no answers and no new codes until the oldest
failure leaves the hour). A new code does not forget the application's failures, so asking for fresh codes does
not buy more guesses. A new code at most once a minute. The numbers are in `data/otp_policy.json`.

Every refusal is an `OtpRefused` carrying `state`: the state the caller must store (a wrong answer changes it,
so persist `error.state` before re-raising).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.data import load_json
from chalicelib.domain.errors import DomainError

constant_time_equal = hmac.compare_digest
"""How codes are compared: in time independent of where they differ (timing must not leak digits)."""

_HASH_CONTEXT = b"sb-otp-v1"
_MIN_SECRET_BYTES = 16


@dataclass(frozen=True, slots=True)
class OtpPolicy:
    code_digits: int
    valid_for: timedelta
    max_wrong_per_code: int
    max_wrong_per_application: int
    wrong_window: timedelta
    resend_interval: timedelta

    @classmethod
    def from_data(cls) -> OtpPolicy:
        data = load_json("otp_policy.json")
        return cls(
            code_digits=int(data["code_digits"]),
            valid_for=timedelta(seconds=int(data["valid_seconds"])),
            max_wrong_per_code=int(data["max_wrong_per_code"]),
            max_wrong_per_application=int(data["max_wrong_per_application"]),
            wrong_window=timedelta(seconds=int(data["wrong_window_seconds"])),
            resend_interval=timedelta(seconds=int(data["resend_interval_seconds"])),
        )


@dataclass(frozen=True, slots=True)
class OtpState:
    """The one-time password of one application: the current code's hash and the failures that still count."""

    code_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    code_failures: int = 0
    failures: tuple[datetime, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code_hash": self.code_hash,
            "issued_at": self.issued_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "used_at": self.used_at.isoformat() if self.used_at else None,
            "code_failures": self.code_failures,
            "failures": [moment.isoformat() for moment in self.failures],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OtpState:
        used_at = data.get("used_at")
        return cls(
            code_hash=str(data["code_hash"]),
            issued_at=_aware(datetime.fromisoformat(data["issued_at"])),
            expires_at=_aware(datetime.fromisoformat(data["expires_at"])),
            used_at=_aware(datetime.fromisoformat(used_at)) if used_at else None,
            code_failures=int(data.get("code_failures", 0)),
            failures=tuple(_aware(datetime.fromisoformat(m)) for m in data.get("failures", ())),
        )


class OtpRefused(DomainError):
    """Base of the OTP refusals. `state` is what to store; it may differ from the state passed in."""

    code = "otp.refused"
    status = 422

    def __init__(self, message: str, state: OtpState | None) -> None:
        super().__init__(message)
        self.state = state


class OtpNotIssued(OtpRefused):
    code = "otp.not_issued"
    status = 409


class OtpResendTooSoon(OtpRefused):
    code = "otp.resend_too_soon"
    status = 429

    def __init__(self, message: str, state: OtpState, retry_after_seconds: int) -> None:
        super().__init__(message, state)
        self.retry_after_seconds = retry_after_seconds


class OtpExpired(OtpRefused):
    code = "otp.expired"


class OtpAlreadyUsed(OtpRefused):
    code = "otp.already_used"
    status = 409


class OtpInvalid(OtpRefused):
    code = "otp.invalid"

    def __init__(self, message: str, state: OtpState, tries_left: int) -> None:
        super().__init__(message, state)
        self.tries_left = tries_left


class OtpTooManyAttempts(OtpRefused):
    code = "otp.too_many_attempts"
    status = 429


class OtpLocked(OtpRefused):
    code = "otp.locked"
    status = 429

    def __init__(self, message: str, state: OtpState, retry_after_seconds: int) -> None:
        super().__init__(message, state)
        self.retry_after_seconds = retry_after_seconds


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("OTP times must be timezone-aware.")
    return moment


def code_hash(secret: bytes, application_id: str, phone: str, code: str) -> str:
    """HMAC-SHA256 of the code bound to its application and phone (fields NUL-separated: no ambiguity)."""
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(f"The OTP secret must be at least {_MIN_SECRET_BYTES} bytes.")
    message = b"\x00".join((_HASH_CONTEXT, application_id.encode(), phone.encode(), code.encode()))
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _recent_failures(state: OtpState, now: datetime, policy: OtpPolicy) -> tuple[datetime, ...]:
    return tuple(moment for moment in state.failures if now - moment < policy.wrong_window)


def _check_not_locked(state: OtpState, now: datetime, policy: OtpPolicy) -> OtpState:
    recent = _recent_failures(state, now, policy)
    state = replace(state, failures=recent)
    if len(recent) >= policy.max_wrong_per_application:
        unlock_at = recent[-policy.max_wrong_per_application] + policy.wrong_window
        raise OtpLocked(
            "Too many wrong codes for this application: try again later.",
            state,
            retry_after_seconds=max(1, int((unlock_at - now).total_seconds() + 0.999)),
        )
    return state


def issue(
    state: OtpState | None,
    now: datetime,
    secret: bytes,
    application_id: str,
    phone: str,
    *,
    policy: OtpPolicy | None = None,
) -> tuple[OtpState, str]:
    """A new code for the application and the state to store. The code goes to the SMS and nowhere else."""
    policy = policy or OtpPolicy.from_data()
    _aware(now)
    failures: tuple[datetime, ...] = ()
    if state is not None:
        state = _check_not_locked(state, now, policy)
        next_allowed = state.issued_at + policy.resend_interval
        if now < next_allowed:
            raise OtpResendTooSoon(
                "A new code can be requested once a minute.",
                state,
                retry_after_seconds=max(1, int((next_allowed - now).total_seconds() + 0.999)),
            )
        failures = state.failures
    code = f"{secrets.randbelow(10**policy.code_digits):0{policy.code_digits}d}"
    new_state = OtpState(
        code_hash=code_hash(secret, application_id, str(phone), code),
        issued_at=now,
        expires_at=now + policy.valid_for,
        failures=failures,
    )
    return new_state, code


def verify(  # noqa: PLR0917 - the positional order is the documented contract
    state: OtpState | None,
    now: datetime,
    secret: bytes,
    application_id: str,
    phone: str,
    code: str,
    *,
    policy: OtpPolicy | None = None,
) -> OtpState:
    """The state after a right answer (the code is then used). Any refusal raises an `OtpRefused`."""
    policy = policy or OtpPolicy.from_data()
    _aware(now)
    if state is None:
        raise OtpNotIssued("No code was sent for this application: request one first.", None)
    state = _check_not_locked(state, now, policy)
    if state.used_at is not None:
        raise OtpAlreadyUsed("This code was already used: request a new one.", state)
    if now >= state.expires_at:
        raise OtpExpired("This code has expired: request a new one.", state)
    if state.code_failures >= policy.max_wrong_per_code:
        raise OtpTooManyAttempts("Too many wrong tries for this code: request a new one.", state)

    candidate = code_hash(secret, application_id, str(phone), code.strip())
    if constant_time_equal(bytes.fromhex(candidate), bytes.fromhex(state.code_hash)):
        return replace(state, used_at=now)

    failed = replace(state, code_failures=state.code_failures + 1, failures=(*state.failures, now))
    tries_left = max(
        0,
        min(
            policy.max_wrong_per_code - failed.code_failures,
            policy.max_wrong_per_application - len(failed.failures),
        ),
    )
    raise OtpInvalid(f"Wrong code. Tries left: {tries_left}.", failed, tries_left=tries_left)

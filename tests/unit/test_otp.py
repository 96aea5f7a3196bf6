"""The SMS one-time password policy: expiry, single use, brute-force limits, resend pacing."""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import otp
from chalicelib.domain.otp import (
    OtpAlreadyUsed,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpNotIssued,
    OtpPolicy,
    OtpRefused,
    OtpResendTooSoon,
    OtpState,
    OtpTooManyAttempts,
    issue,
    verify,
)

SECRET = b"test-otp-secret-not-for-production"
APP = "01JD3K7ZQ8X4V2N5M6P9R0S1T2"
PHONE = "+77011234567"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _fail(state: OtpState, now: datetime, code: str) -> OtpState:
    """A wrong answer; returns the state the caller would store."""
    with pytest.raises(OtpInvalid) as error:
        verify(state, now, SECRET, APP, PHONE, _wrong(code))
    return error.value.state  # type: ignore[return-value]


def test_the_policy_numbers_come_from_the_data_file() -> None:
    policy = OtpPolicy.from_data()
    assert policy.code_digits == 6
    assert policy.valid_for == timedelta(minutes=5)
    assert (policy.max_wrong_per_code, policy.max_wrong_per_application) == (5, 10)
    assert policy.wrong_window == timedelta(hours=1)
    assert policy.resend_interval == timedelta(seconds=60)


def test_a_code_is_six_digits_and_only_its_keyed_hash_is_stored() -> None:
    # When a code is issued
    state, code = issue(None, T0, SECRET, APP, PHONE)
    # Then it is 6 digits and the stored state never holds it
    assert len(code) == 6 and code.isdigit()
    stored = json.dumps(state.to_dict())
    assert code not in stored
    assert (
        state.code_hash
        == hmac.new(
            SECRET, b"\x00".join([b"sb-otp-v1", APP.encode(), PHONE.encode(), code.encode()]), "sha256"
        ).hexdigest()
    )
    assert state.expires_at == T0 + timedelta(minutes=5)


def test_the_right_code_within_five_minutes_signs_once() -> None:
    # Given an issued code
    state, code = issue(None, T0, SECRET, APP, PHONE)
    # When it is entered 4 minutes 59 seconds later
    used = verify(state, T0 + timedelta(minutes=4, seconds=59), SECRET, APP, PHONE, code)
    # Then it is accepted and marked used
    assert used.used_at == T0 + timedelta(minutes=4, seconds=59)
    # And a second use is refused
    with pytest.raises(OtpAlreadyUsed) as error:
        verify(used, T0 + timedelta(minutes=5), SECRET, APP, PHONE, code)
    assert error.value.code == "otp.already_used"


def test_a_code_expires_after_five_minutes() -> None:
    state, code = issue(None, T0, SECRET, APP, PHONE)
    with pytest.raises(OtpExpired) as error:
        verify(state, T0 + timedelta(minutes=5), SECRET, APP, PHONE, code)
    assert error.value.code == "otp.expired"


def test_a_code_is_bound_to_its_application_and_phone() -> None:
    # Given a code sent for one application to one phone
    state, code = issue(None, T0, SECRET, APP, PHONE)
    # When the same digits are offered for another application or with another phone
    # Then they are wrong
    with pytest.raises(OtpInvalid):
        verify(state, T0, SECRET, "another-application", PHONE, code)
    with pytest.raises(OtpInvalid):
        verify(state, T0, SECRET, APP, "+77019999999", code)
    with pytest.raises(OtpInvalid):
        verify(state, T0, b"another-server-secret-0123456789", APP, PHONE, code)


def test_a_wrong_code_says_how_many_tries_are_left_and_five_kill_the_code() -> None:
    # Given an issued code
    state, code = issue(None, T0, SECRET, APP, PHONE)
    # When it is mistyped five times
    tries_left = []
    for i in range(5):
        with pytest.raises(OtpInvalid) as error:
            verify(state, T0 + timedelta(seconds=i), SECRET, APP, PHONE, _wrong(code))
        assert error.value.code == "otp.invalid"
        tries_left.append(error.value.tries_left)
        state = error.value.state  # type: ignore[assignment]
    # Then the tries count down, and even the right code is now refused
    assert tries_left == [4, 3, 2, 1, 0]
    with pytest.raises(OtpTooManyAttempts) as refused:
        verify(state, T0 + timedelta(seconds=10), SECRET, APP, PHONE, code)
    assert refused.value.code == "otp.too_many_attempts"


def test_ten_wrong_tries_in_an_hour_lock_the_application_and_a_new_code_does_not_reset_them() -> None:
    # Given five wrong tries on a first code
    state, code = issue(None, T0, SECRET, APP, PHONE)
    for _ in range(5):
        state = _fail(state, T0, code)
    # When a new code is requested a minute later
    state, code = issue(state, T0 + timedelta(minutes=1), SECRET, APP, PHONE)
    # Then the application's failures are still counted
    assert len(state.failures) == 5 and state.code_failures == 0
    with pytest.raises(OtpInvalid) as error:
        verify(state, T0 + timedelta(minutes=2), SECRET, APP, PHONE, _wrong(code))
    assert error.value.tries_left == 4
    state = error.value.state  # type: ignore[assignment]
    for _ in range(4):
        state = _fail(state, T0 + timedelta(minutes=2), code)
    # And after the tenth failure even the right code and a new code are refused
    with pytest.raises(OtpLocked) as locked:
        verify(state, T0 + timedelta(minutes=3), SECRET, APP, PHONE, code)
    assert locked.value.code == "otp.locked"
    assert locked.value.retry_after_seconds == 57 * 60
    with pytest.raises(OtpLocked):
        issue(state, T0 + timedelta(minutes=10), SECRET, APP, PHONE)


def test_the_lock_lifts_when_failures_leave_the_hour() -> None:
    # Given ten failures at 09:00 (five on each of two codes)
    state, code = issue(None, T0, SECRET, APP, PHONE)
    for _ in range(5):
        state = _fail(state, T0, code)
    state, code = issue(state, T0 + timedelta(minutes=1), SECRET, APP, PHONE)
    for _ in range(5):
        state = _fail(state, T0 + timedelta(minutes=1), code)
    # When an hour has passed since the first five
    later = T0 + timedelta(hours=1)
    state, code = issue(state, later, SECRET, APP, PHONE)
    # Then a new code works, and only the recent failures still count
    assert len(state.failures) == 5
    assert verify(state, later + timedelta(seconds=30), SECRET, APP, PHONE, code).used_at is not None


def test_a_new_code_at_most_once_a_minute() -> None:
    # Given a code issued at 09:00:00
    state, _ = issue(None, T0, SECRET, APP, PHONE)
    # When another is asked at 09:00:59
    with pytest.raises(OtpResendTooSoon) as error:
        issue(state, T0 + timedelta(seconds=59), SECRET, APP, PHONE)
    # Then it is refused for one more second
    assert error.value.code == "otp.resend_too_soon"
    assert error.value.retry_after_seconds == 1
    # And at 09:01:00 a new code replaces the old one
    new_state, new_code = issue(state, T0 + timedelta(seconds=60), SECRET, APP, PHONE)
    assert len(new_code) == 6
    assert new_state.issued_at == T0 + timedelta(seconds=60)


def test_the_old_code_stops_working_when_a_new_one_is_issued() -> None:
    state, old_code = issue(None, T0, SECRET, APP, PHONE)
    state, new_code = issue(state, T0 + timedelta(minutes=1), SECRET, APP, PHONE)
    if old_code != new_code:
        with pytest.raises(OtpInvalid):
            verify(state, T0 + timedelta(minutes=2), SECRET, APP, PHONE, old_code)


def test_verifying_before_any_code_was_sent() -> None:
    with pytest.raises(OtpNotIssued) as error:
        verify(None, T0, SECRET, APP, PHONE, "123456")
    assert error.value.code == "otp.not_issued"
    assert error.value.state is None


def test_every_refusal_has_its_own_stable_code() -> None:
    codes = {
        cls.code
        for cls in (
            OtpResendTooSoon,
            OtpExpired,
            OtpAlreadyUsed,
            OtpInvalid,
            OtpTooManyAttempts,
            OtpLocked,
            OtpNotIssued,
        )
    }
    assert codes == {
        "otp.resend_too_soon",
        "otp.expired",
        "otp.already_used",
        "otp.invalid",
        "otp.too_many_attempts",
        "otp.locked",
        "otp.not_issued",
    }
    assert all(issubclass(cls, OtpRefused) for cls in (OtpExpired, OtpLocked))


def test_the_state_survives_storage() -> None:
    # Given a state with failures and a use
    state, code = issue(None, T0, SECRET, APP, PHONE)
    state = _fail(state, T0 + timedelta(seconds=5), code)
    state = verify(state, T0 + timedelta(seconds=9), SECRET, APP, PHONE, code)
    # When it is written as JSON and read back
    restored = OtpState.from_dict(json.loads(json.dumps(state.to_dict())))
    # Then nothing is lost
    assert restored == state


def test_codes_are_compared_in_constant_time() -> None:
    assert otp.constant_time_equal is hmac.compare_digest


def test_times_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError):
        issue(None, datetime(2026, 11, 23, 9, 0), SECRET, APP, PHONE)


def test_a_short_server_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        issue(None, T0, b"short", APP, PHONE)

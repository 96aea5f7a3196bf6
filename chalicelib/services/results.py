"""Reading and verifying signed result documents."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidValue, NotFound
from chalicelib.services.ports import ApplicationRepository, ResultSigner, ResultStore
from chalicelib.services.queries import get_application


class ResultNotReady(NotFound):
    code = "result.not_ready"


def signed_result(repo: ApplicationRepository, results: ResultStore, application_id: str,
                  caller: Caller) -> dict[str, Any]:
    get_application(repo, application_id, caller)
    signed = results.get(application_id)
    if signed is None:
        raise ResultNotReady("The application has no result yet.")
    return signed


def verify_result(signer: ResultSigner, raw: Any) -> dict[str, Any]:
    """Valid or invalid, and who signed. Anything that is not a signed result is a clear 422."""
    from chalicelib.domain.result_document import SignedResult

    try:
        signed = SignedResult.from_dict(raw)
    except (InvalidValue, KeyError, TypeError, ValueError) as exc:
        code = exc.code if isinstance(exc, InvalidValue) else "result.malformed"
        raise InvalidValue(code, "This is not a signed result document.") from None
    outcome: dict[str, Any] = signer.verify(signed).to_dict()
    return outcome

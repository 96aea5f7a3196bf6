"""Per-subject assignment claims in the single table (domain/assignments.py).

  ASSIGN#<person key of service|IIN> / ASSIGN   holder application, state (pending | assigned), period,
                                                 `rev` (every write, a waiter added included, is conditional on
                                                 it and raises it) and the string set `waiters` (applications
                                                 to decide again when the claim ends)

The key is an HMAC of the service and the IIN with the person-key secret: no IIN is stored in clear.
Several subjects (a TSA family) are claimed in one TransactWriteItems: all or none.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import date

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.domain.assignments import Claim
from chalicelib.domain.identity import mask_iin


class AssignmentItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="assignment")
    service_id = UnicodeAttribute()
    subject_masked = UnicodeAttribute()
    holder = UnicodeAttribute()
    state = UnicodeAttribute()
    period_from = UnicodeAttribute(null=True)
    period_to = UnicodeAttribute(null=True)
    rev = NumberAttribute()
    waiters = UnicodeSetAttribute(null=True)


def _day(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _conditional_failed(exc: Exception) -> bool:
    if isinstance(exc, TransactWriteError):
        return any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or [])
    return getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException"


class DynamoAssignmentStore:
    def __init__(self, person_key_secret: str) -> None:
        if not person_key_secret:
            raise ValueError("PERSON_KEY_SECRET must be set: it keys the assignment claims.")
        self._secret = person_key_secret.encode()

    def _pk(self, service_id: str, subject_iin: str) -> str:
        digest = hmac.new(self._secret, f"{service_id}|{subject_iin}".encode(), hashlib.sha256).hexdigest()[:40]
        return f"ASSIGN#{digest}"

    def get(self, service_id: str, subject_iin: str) -> Claim | None:
        try:
            item = AssignmentItem.get(self._pk(service_id, subject_iin), "ASSIGN", consistent_read=True)
        except DoesNotExist:
            return None
        return Claim(
            service_id=service_id,
            subject_iin=subject_iin,
            holder=item.holder,
            state=item.state,
            period_from=_day(item.period_from),
            period_to=_day(item.period_to),
            version=int(item.rev),
            waiters=frozenset(item.waiters or ()),
        )

    def _item(self, claim: Claim) -> AssignmentItem:
        return AssignmentItem(
            pk=self._pk(claim.service_id, claim.subject_iin),
            sk="ASSIGN",
            service_id=claim.service_id,
            subject_masked=mask_iin(claim.subject_iin),
            holder=claim.holder,
            state=claim.state,
            period_from=claim.period_from.isoformat() if claim.period_from else None,
            period_to=claim.period_to.isoformat() if claim.period_to else None,
            rev=claim.version + 1,
            waiters=set(claim.waiters) or None,
        )

    @staticmethod
    def _condition(claim: Claim):  # type: ignore[no-untyped-def]
        if claim.version == 0:
            return AssignmentItem.pk.does_not_exist()
        return AssignmentItem.rev == claim.version

    def put(self, claims: Sequence[Claim]) -> bool:
        if not claims:
            return True
        try:
            if len(claims) == 1:
                self._item(claims[0]).save(condition=self._condition(claims[0]))
            else:
                with TransactWrite(connection=self._connection()) as tx:
                    for claim in claims:
                        tx.save(self._item(claim), condition=self._condition(claim))
        except (PutError, TransactWriteError) as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def add_waiter(self, claim: Claim, application_id: str) -> bool:
        target = AssignmentItem(pk=self._pk(claim.service_id, claim.subject_iin), sk="ASSIGN")
        try:
            target.update(
                actions=[AssignmentItem.waiters.add({application_id}), AssignmentItem.rev.add(1)],
                condition=AssignmentItem.rev == claim.version,
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release(self, service_id: str, subject_iin: str, holder: str) -> frozenset[str] | None:
        for _ in range(5):
            claim = self.get(service_id, subject_iin)
            if claim is None or claim.holder != holder:
                return None
            target = AssignmentItem(pk=self._pk(service_id, subject_iin), sk="ASSIGN")
            try:
                target.delete(condition=AssignmentItem.rev == claim.version)
            except DeleteError as exc:
                if _conditional_failed(exc):
                    continue  # a waiter was added meanwhile: read it too
                raise
            return claim.waiters
        return None

    @staticmethod
    def _connection() -> Connection:
        connection: Connection = AssignmentItem._get_connection().connection
        return connection

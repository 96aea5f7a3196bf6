"""Signed result documents: `APP#<id> / RESULT`, written once, and `RESULTCODE#<code> / RESULTCODE` pointing from the
verification code printed on the notice to the application (the public check of a code)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import TableMeta
from chalicelib.adapters.lookup_store import decode_state, encode_state, merge_states
from chalicelib.services.ports import DecidedResult, LookupState


class ResultItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="result")
    signed = UnicodeAttribute()
    lookups = UnicodeSetAttribute(null=True)  # `<key>|<status>|<epoch ms>`, as in the lookups' progress item


class CodeItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = UnicodeAttribute(default="result_code")
    application_id = UnicodeAttribute()


class DynamoResultStore:
    def put_once(
        self, application_id: str, signed: dict[str, Any], lookups: Sequence[LookupState] = ()
    ) -> dict[str, Any]:
        from chalicelib.domain.result_document import verification_code

        item = ResultItem(
            pk=f"APP#{application_id}",
            sk="RESULT",
            signed=json.dumps(signed, ensure_ascii=False, separators=(",", ":")),
            lookups={encode_state(s) for s in lookups} or None,
        )
        try:
            item.save(condition=ResultItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            kept = self.get(application_id)
            assert kept is not None
            signed = kept
        code = verification_code(signed["document"])
        CodeItem(pk=f"RESULTCODE#{code}", sk="RESULTCODE", application_id=application_id).save()
        return signed

    def by_code(self, verification_code: str) -> dict[str, Any] | None:
        try:
            pointer = CodeItem.get(f"RESULTCODE#{verification_code}", "RESULTCODE", consistent_read=True)
        except DoesNotExist:
            return None
        return self.get(pointer.application_id)

    def get(self, application_id: str) -> dict[str, Any] | None:
        return self.decided(application_id).signed

    def decided(self, application_id: str) -> DecidedResult:
        try:
            item = ResultItem.get(f"APP#{application_id}", "RESULT", consistent_read=True)
        except DoesNotExist:
            return DecidedResult(None, None)
        stored: dict[str, Any] = json.loads(item.signed)
        lookups = merge_states(decode_state(raw) for raw in item.lookups) if item.lookups else None
        return DecidedResult(stored, lookups)

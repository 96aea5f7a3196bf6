"""GET /applications/{id} shows the registry lookups (API.md: registry, status, when), never what they answered."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.test_pipeline import file
from tests.support.pipeline import drain


def test_the_application_names_each_registry_asked_and_what_it_answered(stack: Any, token: Any) -> None:
    api, sim = stack
    # Given a TSA family whose applicant the bank account registry does not know
    app = file(sim, "tsa-bank-account-not-found")
    owner = {"Authorization": f"Bearer {token(app.applicant.iin)}"}
    # When the lookups have been answered
    drain()
    read = api.http.get(f"/applications/{app.id}", headers=owner)
    assert read.status_code == 200, read.body
    lookups = read.json_body["lookups"]
    # Then every answered lookup is listed: the registry, whom it was about (masked), its status and when
    assert len(lookups) == app.data["lookups_planned"] - 1  # the household book is asked of rural families only
    assert {(item["registry"], item["person"]) for item in lookups} >= {("gbdfl", "applicant"), ("gbdfl", "subject:0")}
    assert all(item["fetched_at"] and item["source_system"] and "****" in item["person_masked_iin"] for item in lookups)
    # And a registry that had nothing says what follows: "no record" is the answer, or the applicant is asked for
    # a document (here the bank certificate)
    missing = [item for item in lookups if item["status"] != "found"]
    assert {item["on_not_found"] for item in missing} <= {"fact", "ask_applicant", "written_request"}
    (asked,) = [item for item in missing if item["on_not_found"] == "ask_applicant"]
    assert asked["registry"] == "bank_accounts" and asked["document"]
    assert all("on_not_found" not in item for item in lookups if item["status"] == "found")
    # And no registry's answer, nor a whole IIN, is in the view
    text = json.dumps(lookups, ensure_ascii=False)
    assert app.applicant.iin not in text and "data" not in lookups[0]

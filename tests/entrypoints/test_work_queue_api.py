"""GET /work-queue: an office's open applications, soonest deadline first, with at-risk and overdue flags.

Child-disability applications in Aktobe region are decided by `labour-department:KZ-AKT`. Filed on the
portal on Tuesday 1 December 2026 they are due on Wednesday 9 December; on Monday 7 December, due on
Tuesday 15th; at a State Corporation office on the 7th, due on Thursday 17th with the result there on the 15th.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tests.support.api import post
from tests.support.fakes import FakeClock
from tests.support.people import FATHER, MOTHER, STRANGER, child_benefit_body

DECIDING_OFFICE = "labour-department:KZ-AKT"
GFC = "gfc-aktobe-01"


def at(day: date) -> FakeClock:
    return FakeClock(datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC))  # 10:00 in Almaty


def get(api: Any, path: str, token: str) -> Any:
    return api.http.get(path, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


def file_three(api: Any, aws: Any, token: Any) -> dict[str, str]:
    aws.clock = at(date(2026, 12, 1))
    early = post(api, "/applications", child_benefit_body(FATHER), token(FATHER)).json_body["id"]
    aws.clock = at(date(2026, 12, 7))
    portal = post(api, "/applications", child_benefit_body(), token(MOTHER)).json_body["id"]
    in_person = post(
        api,
        "/applications",
        child_benefit_body(channel="state_corp", accepted_by={"office": GFC, "official": "Иванова Анна Борисовна"}),
        token(STRANGER, "operator", org=GFC),
    ).json_body["id"]
    return {"early": early, "portal": portal, "in_person": in_person}


def test_officials_see_their_offices_open_applications_soonest_first_with_flags(api: Any, aws: Any, token: Any) -> None:
    # Given three open applications decided by the same office
    ids = file_three(api, aws, token)
    # When one of its officials opens the work queue on Friday 11 December
    aws.clock = at(date(2026, 12, 11))
    response = get(api, "/work-queue", token(STRANGER, "official", org=DECIDING_OFFICE))
    # Then they come soonest deadline first: the one due on the 9th overdue, the others at risk
    assert response.status_code == 200, response.body
    page = response.json_body
    assert page["as_of"] == "2026-12-11" and page["office"] == DECIDING_OFFICE
    rows = [(i["id"], i["due_date"], i["at_risk"], i["overdue"], i["working_days_left"]) for i in page["items"]]
    assert rows == [
        (ids["early"], "2026-12-09", False, True, -2),
        (ids["portal"], "2026-12-15", True, False, 2),
        (ids["in_person"], "2026-12-17", True, False, 3),  # at risk for its handover on the 15th
    ]
    assert page["items"][2]["due_date_at_state_corp"] == "2026-12-15"
    assert page["items"][0]["service_name"]  # in the caller's language
    assert page["items"][0]["status"] == "checking"


def test_operators_see_what_their_office_accepted(api: Any, aws: Any, token: Any) -> None:
    ids = file_three(api, aws, token)
    aws.clock = at(date(2026, 12, 8))
    page = get(api, "/work-queue", token(STRANGER, "operator", org=GFC)).json_body
    assert [i["id"] for i in page["items"]] == [ids["in_person"]]
    assert page["items"][0]["at_risk"] is False  # Wed, Thu, Fri, Mon, Tue left before the handover


def test_the_queue_pages_and_drops_closed_applications(api: Any, aws: Any, token: Any) -> None:
    # Given three open applications, one of them then withdrawn
    ids = file_three(api, aws, token)
    assert post(api, f"/applications/{ids['portal']}/withdraw", {}, token(MOTHER)).status_code == 200
    official = token(STRANGER, "official", org=DECIDING_OFFICE)
    # When the official reads the queue one at a time
    first = get(api, "/work-queue?limit=1", official).json_body
    second = get(api, f"/work-queue?limit=1&cursor={first['cursor']}", official).json_body
    # Then the withdrawn one is not there
    assert [i["id"] for i in first["items"] + second["items"]] == [ids["early"], ids["in_person"]]


def test_the_sweeps_flag_shows_in_the_queue(api: Any, aws: Any, token: Any) -> None:
    from chalicelib.services.deadlines import sweep_deadlines

    # Given the application due on the 9th, escalated by the sweep on the 10th
    ids = file_three(api, aws, token)
    sweep_deadlines(at(date(2026, 12, 10)).now(), aws.deadlines())
    aws.clock = at(date(2026, 12, 10))
    # When the official reads the queue, and the application
    official = token(STRANGER, "official", org=DECIDING_OFFICE)
    item = get(api, "/work-queue", official).json_body["items"][0]
    timeline = get(api, f"/applications/{ids['early']}", official).json_body["timeline"]
    # Then it is flagged overdue and its timeline shows the escalation
    assert (item["id"], item["overdue"], item["at_risk"]) == (ids["early"], True, False)
    assert timeline[-1]["type"] == "deadline_overdue" and timeline[-1]["detail"]["step"] == 1


def test_others_have_no_work_queue(api: Any, aws: Any, token: Any) -> None:
    file_three(api, aws, token)
    assert get(api, "/work-queue", token(MOTHER)).status_code == 403
    other = get(api, "/work-queue", token(STRANGER, "official", org="labour-department:KZ-ALM"))
    assert other.status_code == 200 and other.json_body["items"] == []


def test_a_cursor_from_elsewhere_is_refused(api: Any, aws: Any, token: Any) -> None:
    official = token(STRANGER, "official", org=DECIDING_OFFICE)
    for cursor in ("not-a-cursor", "eyJHU0kyUEsiOiB7IlMiOiAiT0ZGSUNFI3giIH19"):  # another office's partition
        response = get(api, f"/work-queue?cursor={cursor}", official)
        assert response.status_code == 422 and response.json_body["code"] == "cursor.invalid"
    assert get(api, "/work-queue?limit=many", official).json_body["code"] == "limit.invalid"

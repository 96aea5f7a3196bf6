"""The staff console through the Chalice test client on moto: sign-in (OIDC code flow with PKCE against the local
stack's development identity provider, served for real on 127.0.0.1), the session cookie, CSRF, the security
headers, and in-person filing through the same use case as `POST /applications`. The browser tests are in
tests/e2e/test_console.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from local.dev_idp import DevIdentityProvider, seeded_staff

ROOT = Path(__file__).resolve().parents[2]
REDIRECT = "http://testserver/console/callback"
CLIENT_ID = "social-benefits-console"
OPERATOR = next(s for s in seeded_staff() if s["role"] == "operator" and s["org"].startswith("employment-center"))
OFFICIAL = next(s for s in seeded_staff() if s["role"] == "official")
TSA_FAMILY = next(
    f
    for f in json.loads((ROOT / "local" / "seed" / "registries.json").read_text())["families"]
    if f["scenario"] == "tsa-eligible-3-children"
)


@pytest.fixture
def idp(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[DevIdentityProvider]:
    from chalicelib import bootstrap
    from chalicelib.entrypoints.auth import reset_keys
    from local.devkeys import ISSUER, jwks_for, private_key_pem

    provider = DevIdentityProvider(clients={CLIENT_ID: (REDIRECT,)})
    url = provider.start()
    keys = json.loads(env["JWKS_JSON"])["keys"] + jwks_for(private_key_pem())["keys"]
    for name, value in {
        "JWKS_JSON": json.dumps({"keys": keys}),
        "OIDC_ISSUER": ISSUER,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_AUTHORIZATION_ENDPOINT": f"{url}/authorize",
        "OIDC_TOKEN_ENDPOINT": f"{url}/token",
        "OIDC_REDIRECT_URI": REDIRECT,
        "NCALAYER_URL": "wss://127.0.0.1:13579",
    }.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    reset_keys()
    yield provider
    provider.stop()


@pytest.fixture
def api(aws: Any, idp: DevIdentityProvider) -> Iterator[Any]:
    """The app on the `local` stage: the dev and prod stages' `.chalice/config.json` name their own identity
    provider, which the test client would put in the environment over this test's."""
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app, stage_name="local") as client:
        yield client


def cookies_of(response: Any) -> dict[str, str]:
    """name -> the whole Set-Cookie line, for every cookie the response sets."""
    raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or ""
    lines = raw if isinstance(raw, list) else [line for line in re.split(r",\s*(?=__Host-|sb-)", raw) if line]
    return {line.split("=", 1)[0]: line for line in lines}


def cookie_value(line: str) -> str:
    return line.split(";", 1)[0].split("=", 1)[1]


def sign_in(api: Any, idp: DevIdentityProvider, who: dict[str, str]) -> tuple[str, Any]:
    """The whole code flow as a browser goes through it; the session cookie and the callback's response."""
    start = api.http.get("/console/sign-in")
    assert start.status_code == 303
    flow = cookies_of(start)["__Host-sb-console-flow"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
    form = {**query, **({"staff": who["iin"]} if "name" in who else who)}
    chosen = requests.post(f"{idp.url}/authorize", data=form, allow_redirects=False, timeout=5)
    assert chosen.status_code == 302, chosen.text
    back = urlsplit(chosen.headers["Location"])
    answer = api.http.get(
        f"/console/callback?{back.query}", headers={"Cookie": f"__Host-sb-console-flow={cookie_value(flow)}"}
    )
    session = cookies_of(answer).get("__Host-sb-console")
    return (cookie_value(session) if session else ""), answer


def as_staff(session: str) -> dict[str, str]:
    return {"Cookie": f"__Host-sb-console={session}"}


def test_sign_in_sends_the_browser_to_the_identity_provider_with_a_pkce_challenge(api: Any, idp: Any) -> None:
    start = api.http.get("/console/sign-in")
    location = urlsplit(start.headers["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.url}/authorize"
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [REDIRECT]
    assert len(query["code_challenge"][0]) == 43 and query["state"][0] and query["nonce"][0]
    flow = cookies_of(start)["__Host-sb-console-flow"]
    assert "HttpOnly" in flow and "Secure" in flow and "SameSite=Lax" in flow and "Path=/" in flow


def test_pkce_challenge_is_rfc_7636s_example() -> None:
    from chalicelib.console.oidc import pkce_challenge

    verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pkce_challenge(verifier) == challenge


def test_a_staff_member_signs_in_and_gets_a_short_lived_strict_session(api: Any, idp: Any) -> None:
    session, answer = sign_in(api, idp, OPERATOR)
    assert answer.status_code == 200
    line = cookies_of(answer)["__Host-sb-console"]
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=900"):
        assert attribute in line
    assert "Max-Age=0" in cookies_of(answer)["__Host-sb-console-flow"]  # the flow is used up
    queue = api.http.get("/console/queue", headers=as_staff(session))
    assert queue.status_code == 200
    assert OPERATOR["name"] in queue.body.decode()


def test_a_citizens_sign_in_is_refused_and_gets_no_session(api: Any, idp: Any) -> None:
    session, answer = sign_in(api, idp, {"iin": TSA_FAMILY["applicant"], "role": "citizen", "org": ""})
    assert answer.status_code == 403
    assert session == ""
    assert "console.staff_only" in answer.body.decode()


def test_the_answer_of_another_sign_in_is_refused(api: Any, idp: Any) -> None:
    first = api.http.get("/console/sign-in")
    second = api.http.get("/console/sign-in")
    query = {k: v[0] for k, v in parse_qs(urlsplit(second.headers["Location"]).query).items()}
    chosen = requests.post(
        f"{idp.url}/authorize", data={**query, "staff": OPERATOR["iin"]}, allow_redirects=False, timeout=5
    )
    back = urlsplit(chosen.headers["Location"]).query
    flow = cookie_value(cookies_of(first)["__Host-sb-console-flow"])  # the first sign-in's state
    answer = api.http.get(f"/console/callback?{back}", headers={"Cookie": f"__Host-sb-console-flow={flow}"})
    assert answer.status_code == 401
    assert "__Host-sb-console" not in cookies_of(answer)


def test_pages_need_a_session_and_a_tampered_cookie_is_none(api: Any, idp: Any) -> None:
    session, _ = sign_in(api, idp, OPERATOR)
    assert api.http.get("/console/queue").status_code == 303
    tampered = session[:-4] + ("AAAA" if not session.endswith("AAAA") else "BBBB")
    assert api.http.get("/console/queue", headers=as_staff(tampered)).status_code == 303


def test_every_page_carries_a_content_security_policy(api: Any, idp: Any) -> None:
    session, _ = sign_in(api, idp, OPERATOR)
    for path in ("/console", "/console/queue", "/console/file"):
        page = api.http.get(path, headers=as_staff(session)) if path != "/console" else api.http.get(path)
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"


def filing_form(session_csrf: str | None, **overrides: Any) -> str:
    form: dict[str, Any] = {
        "service_id": "targeted-social-assistance",
        "channel": "provider_office",
        "idempotency_key": "form-1",
        "applicant_iin": TSA_FAMILY["applicant"],
        "applicant_phone": TSA_FAMILY["phone"],
        "applicant_region": TSA_FAMILY["region"],
        "language": "kk",
        "iban": TSA_FAMILY["iban"],
        **{f"subject_{i}": member["iin"] for i, member in enumerate(TSA_FAMILY["members"])},
        "documents_taken": ["application_with_family_composition", "identity_document"],
    }
    if session_csrf is not None:
        form["csrf_token"] = session_csrf
    form.update(overrides)
    return urlencode(form, doseq=True)


def csrf_of(api: Any, session: str) -> str:
    page = api.http.get(
        "/console/file?service=targeted-social-assistance&channel=provider_office", headers=as_staff(session)
    ).body.decode()
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_form_without_its_csrf_token_is_refused_and_files_nothing(api: Any, idp: Any) -> None:
    session, _ = sign_in(api, idp, OPERATOR)
    refused = api.http.post("/console/file", body=filing_form(None), headers={**as_staff(session), **FORM_HEADERS})
    assert refused.status_code == 403
    assert "console.csrf" in refused.body.decode()
    other, _ = sign_in(api, idp, OPERATOR)  # a token of another session is no better
    foreign = api.http.post(
        "/console/file", body=filing_form(csrf_of(api, other)), headers={**as_staff(session), **FORM_HEADERS}
    )
    assert foreign.status_code == 403


def test_an_operator_files_a_tsa_application_in_person_and_prints_the_ticket(api: Any, idp: Any) -> None:
    session, _ = sign_in(api, idp, OPERATOR)
    filed = api.http.post(
        "/console/file", body=filing_form(csrf_of(api, session)), headers={**as_staff(session), **FORM_HEADERS}
    )
    assert filed.status_code == 303, filed.body.decode()[:2000]
    location = filed.headers["Location"]
    application_id = location.split("/")[3]
    again = api.http.post(
        "/console/file", body=filing_form(csrf_of(api, session)), headers={**as_staff(session), **FORM_HEADERS}
    )
    assert again.headers["Location"] == location  # the same form sent twice is one application
    page = api.http.get(location, headers=as_staff(session)).body.decode()
    assert application_id in page and "Сейтқалиева А.М." in page
    assert "Актюбинская область" in page and OPERATOR["org"] not in page  # the office by its name, not its id
    from tests.support.sms import run_queue

    link = f"/console/applications/{application_id}/ticket.pdf"
    browser = {**as_staff(session), "Accept": "text/html,*/*;q=0.8"}  # a link, as browsers ask
    first = api.http.get(link, headers=browser)  # the decisions worker renders it (as for the API's ticket)
    assert first.status_code == 503 and first.headers["Retry-After"]
    assert 'http-equiv="refresh"' in first.body.decode()  # the page asks again by itself
    assert run_queue("decisions") >= 1
    pdf = api.http.get(link, headers=browser)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert bytes(pdf.body).startswith(b"%PDF-")


def test_the_filing_form_shows_the_apis_errors_beside_their_fields(api: Any, idp: Any) -> None:
    session, _ = sign_in(api, idp, OPERATOR)
    bad = api.http.post(
        "/console/file",
        body=filing_form(csrf_of(api, session), applicant_iin="920411441018", documents_taken=["identity_document"]),
        headers={**as_staff(session), **FORM_HEADERS, "Cookie": as_staff(session)["Cookie"] + "; sb-console-lang=ru"},
    )
    assert bad.status_code == 422
    page = bad.body.decode()
    assert 'id="applicant_iin"' in page and 'aria-invalid="true"' in page
    assert "ИИН неверен" in page  # iin.checksum, in the page's language
    assert "Примите и отметьте все обязательные документы." in page


def test_an_official_may_not_file_in_person(api: Any, idp: Any) -> None:
    session, _ = sign_in(api, idp, OFFICIAL)
    assert api.http.get("/console/file", headers=as_staff(session)).status_code == 403


def test_the_case_page_shows_the_application_and_its_timeline(api: Any, idp: Any) -> None:
    session, _ = sign_in(api, idp, OPERATOR)
    filed = api.http.post(
        "/console/file", body=filing_form(csrf_of(api, session)), headers={**as_staff(session), **FORM_HEADERS}
    )
    application_id = filed.headers["Location"].split("/")[3]
    page = api.http.get(f"/console/applications/{application_id}", headers=as_staff(session))
    assert page.status_code == 200, page.body.decode()[-1500:]
    assert application_id in page.body.decode()


def test_every_review_field_and_timeline_event_has_its_words_in_each_language() -> None:
    """A clerk reads labels, not keys: each field of every registry's answer shape (the review form), each list's row
    and each event the application's timeline may carry has a text in kk, ru and en."""
    import re
    from datetime import date

    from chalicelib.console.forms import fields_for
    from chalicelib.data import load_json

    texts = load_json("texts/console.json")["texts"]
    wanted = set()
    for registry in load_json("registries.json")["registries"].values():
        for field in fields_for(registry["answer"]):
            wanted.add(f"fact.{field.name}")
            if field.row is not None:
                wanted.add(f"fact_row.{field.group}")
    recorded = re.compile(r"(?:\.record|TimelineEvent)\(\s*[a-z_.()]+,\s*\"([a-z_]+)\"")
    for source in (ROOT / "chalicelib").rglob("*.py"):
        wanted.update(f"event.{name}" for name in recorded.findall(source.read_text()))
    from chalicelib.domain.deadline_watch import Milestone, MilestoneKind

    wanted.update(
        f"event.{Milestone(kind, date(2026, 1, 5)).event_type}"
        for kind in MilestoneKind
        if Milestone(kind, date(2026, 1, 5)).escalates
    )  # the deadline sweep's events
    assert len([k for k in wanted if k.startswith("event.")]) > 15  # the scan finds the events
    missing = sorted(k for k in wanted if any(not (texts.get(k) or {}).get(lang) for lang in ("kk", "ru", "en")))
    assert missing == []

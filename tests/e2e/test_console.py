"""The staff console in a real browser: Playwright driving Debian's chromium, headless, on the local stack as
`make run` starts it (with its development identity provider and NCALayer stand-in). Every page also gets an
axe-core accessibility check: no serious or critical violation.

Screenshots of every page (kk and ru) are written to `.local/console-screens/`; `CONSOLE_SCREENSHOTS=docs/console`
writes the README's (`README_SCREENS`, in 256 colours) instead.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, Stack, start_stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STAFF = json.loads((ROOT / "local" / "seed" / "staff.json").read_text())["staff"]
OPERATOR = next(s for s in STAFF if s["role"] == "operator" and s["org"] == "employment-center:KZ-AKT")
OFFICIAL = next(s for s in STAFF if s["role"] == "official" and s["org"] == "employment-center:KZ-AKT")
NORTH_OPERATOR = next(s for s in STAFF if s["role"] == "operator" and s["org"] == "employment-center:KZ-SEV")
NORTH_OFFICIAL = next(s for s in STAFF if s["role"] == "official" and s["org"] == "employment-center:KZ-SEV")
FAMILIES = json.loads((ROOT / "local" / "seed" / "registries.json").read_text())["families"]
LOCAL_SCREENS = ROOT / ".local" / "console-screens"
SCREENS = ROOT / os.environ["CONSOLE_SCREENSHOTS"] if os.environ.get("CONSOLE_SCREENSHOTS") else LOCAL_SCREENS
README_SCREENS = {"queue-ru", "file-kk", "filed-ru", "case-review-ru", "draft-kk", "decided-ru", "sign-in-ru"}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")


def family(scenario: str) -> dict[str, Any]:
    return next(f for f in FAMILIES if f["scenario"] == scenario)


@pytest.fixture(scope="module")
def console_stack() -> Iterator[Stack]:
    # the NCALayer stand-in holds the key of the official who signs in the test below
    running = start_stack(Stack, {"NCALAYER_PORT": "0", "NCALAYER_SIGNER_IIN": NORTH_OFFICIAL["iin"]})
    yield running
    code, output = running.stop()
    assert code == 0, output[-3000:]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def make(language: str = "ru", width: int = 1366, height: int = 768) -> Any:
        # the NCALayer stand-in's TLS certificate comes from the local test CA, which the browser does not know
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=language,
            extra_http_headers={"Accept-Language": language},
            ignore_https_errors=True,
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def check_accessibility(page: Any, name: str) -> None:
    """axe-core over the page as it is: no serious or critical violation; and a screenshot of it."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"
    if SCREENS != LOCAL_SCREENS and name not in README_SCREENS:
        return
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
    if SCREENS != LOCAL_SCREENS:  # the README's: 256 colours keep each file small
        from PIL import Image

        with Image.open(SCREENS / f"{name}.png") as shot:
            shot.convert("RGB").quantize(colors=256).save(SCREENS / f"{name}.png", optimize=True)


def sign_in(page: Any, base: str, who: dict[str, str]) -> None:
    page.goto(f"{base}/console")
    page.click("a[href='/console/sign-in']")
    page.click(f"button:text-is('{who['name']}')")
    page.wait_for_url(f"{base}/console/queue")


def file_tsa_in_person(page: Any, base: str, scenario: str) -> str:
    chosen = family(scenario)
    page.goto(f"{base}/console/file?service=targeted-social-assistance&channel=provider_office")
    page.fill("#applicant_iin", chosen["applicant"])
    page.fill("#applicant_phone", chosen["phone"])
    page.select_option("#applicant_region", chosen["region"])
    for i, member in enumerate(chosen["members"]):
        page.fill(f"#subject_{i}", member["iin"])
    page.fill("#iban", chosen["iban"])
    page.check("#doc-application_with_family_composition")
    page.check("#doc-identity_document")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/filed")
    return str(page.url.split("/")[-2])


def check_rendering_page(page: Any, url: str, name: str) -> None:
    """The page a PDF's first request answers while the worker renders it (503, it refreshes itself): checked as it
    is, its refresh held back so that axe reads a page that stays put."""
    first = page.context.request.get(url)
    assert first.status == 503 and first.headers["retry-after"]
    html = first.text().replace('http-equiv="refresh"', 'data-held-refresh=""')
    page.route(url, lambda route: route.fulfill(status=503, body=html, content_type="text/html; charset=utf-8"))
    page.goto(url)
    check_accessibility(page, name)
    page.unroute(url)


def fetch_pdf(page: Any, url: str) -> Any:
    """A PDF of the console (ticket, notice): the first request may have the decisions worker render it (503 with
    Retry-After and a page that refreshes itself), as the API's PDFs do."""
    import time

    deadline = time.monotonic() + 30
    while True:
        answer = page.context.request.get(url)
        if answer.status != 503 or time.monotonic() > deadline:
            return answer
        assert answer.headers["retry-after"]
        time.sleep(1)


def test_an_operator_files_a_tsa_application_in_person_and_gets_the_ticket(console_stack: Stack, new_page: Any) -> None:
    base = console_stack.base
    page = new_page("kk")
    sign_in(page, base, OPERATOR)
    check_accessibility(page, "queue-kk")
    page.goto(f"{base}/console/file?service=targeted-social-assistance&channel=provider_office")
    check_accessibility(page, "file-kk")
    page.fill("#applicant_iin", "920411441018")  # one digit off: the IIN's check digit fails
    page.click("button[type=submit].primary")
    assert page.locator("#applicant_iin[aria-invalid=true]").count() == 1
    assert page.locator(".errors").is_visible()
    check_accessibility(page, "file-errors-kk")

    application_id = file_tsa_in_person(page, base, "tsa-eligible-3-children")
    assert page.locator(".big").inner_text() == application_id
    check_accessibility(page, "filed-kk")
    link = base + page.locator("#ticket-pdf").get_attribute("href")
    check_rendering_page(page, link, "rendering-kk")
    ticket = fetch_pdf(page, link)
    assert ticket.status == 200 and ticket.headers["content-type"] == "application/pdf"
    assert ticket.body().startswith(b"%PDF-")
    page.goto(f"{base}/console/applications/{application_id}")
    assert application_id in page.locator("h1").inner_text()
    check_accessibility(page, "case-operator-kk")


def test_a_citizens_session_cannot_open_the_console(console_stack: Stack, new_page: Any) -> None:
    base = console_stack.base
    page = new_page("ru")
    page.goto(f"{base}/console")
    check_accessibility(page, "sign-in-ru")
    page.click("a[href='/console/sign-in']")
    check_accessibility(page, "identity-provider-ru")  # the local stack's development identity provider
    page.fill("#iin", family("tsa-eligible-3-children")["applicant"])
    page.select_option("#role", "citizen")
    page.click("#sign-in-other")
    assert page.locator("[role=alert]").inner_text().count("Кабинет только для сотрудников") == 1
    check_accessibility(page, "refused-ru")
    page.goto(f"{base}/console/queue")
    assert page.url.startswith(f"{base}/console/?next=")  # no session: back to the sign-in page
    assert not [c for c in page.context.cookies() if c["name"] == "__Host-sb-console"]


def test_a_form_posted_without_its_csrf_token_is_refused(console_stack: Stack, new_page: Any) -> None:
    base = console_stack.base
    page = new_page("ru")
    sign_in(page, base, OPERATOR)
    page.goto(f"{base}/console/file?service=targeted-social-assistance&channel=provider_office")
    page.evaluate("document.querySelector('form.application input[name=csrf_token]').remove()")
    page.fill("#applicant_iin", family("tsa-eligible-3-children")["applicant"])
    page.click("button[type=submit].primary")
    assert "CSRF" in page.locator("[role=alert]").inner_text()
    session = next(c for c in page.context.cookies() if c["name"] == "__Host-sb-console")
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    page.click("header form.inline button")  # sign out: the session cookie goes
    check_accessibility(page, "signed-out-ru")
    assert not [c for c in page.context.cookies() if c["name"] == "__Host-sb-console"]


def test_a_page_of_another_role_is_refused_in_words(console_stack: Stack, new_page: Any) -> None:
    page = new_page("kk")
    sign_in(page, console_stack.base, OFFICIAL)
    page.goto(f"{console_stack.base}/console/file")  # filing in person is the operators'
    assert page.locator("[role=alert]").count() == 1
    check_accessibility(page, "error-role-kk")


def test_the_queue_and_the_case_page_for_an_official_at_tablet_width(console_stack: Stack, new_page: Any) -> None:
    base = console_stack.base
    operator = new_page("ru")
    sign_in(operator, base, OPERATOR)
    application_id = file_tsa_in_person(operator, base, "tsa-income-just-below-line")
    check_accessibility(operator, "filed-ru")
    page = new_page("ru", width=1024, height=768)
    sign_in(page, base, OFFICIAL)
    page.select_option("#waiting_for", "registries")
    page.click("form.filters button")
    check_accessibility(page, "queue-ru")
    page.goto(f"{base}/console/applications/{application_id}")
    assert application_id in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing cut off at 1024 px
    check_accessibility(page, "case-official-ru")
    page.click("a[hreflang=kk]")
    assert page.locator("html").get_attribute("lang") == "kk"
    check_accessibility(page, "case-official-kk")


def scanned_certificate(iban: str, owner: str) -> bytes:
    """A bank's certificate as an office scanner gives it: a PNG of the page."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font = ROOT / "chalicelib" / "data" / "fonts" / "DejaVuSans.ttf"
    page = Image.new("RGB", (620, 400), "white")
    draw = ImageDraw.Draw(page)
    lines = [
        ("АО «Банк»", 26),
        ("СПРАВКА о наличии банковского счёта", 20),
        (f"Владелец (ИИН): {owner}", 18),
        (f"IBAN: {iban}", 18),
        ("Дата открытия: 15.01.2020", 18),
        ("Счёт открыт и действует.", 18),
    ]
    y = 30
    for text, size in lines:
        draw.text((40, y), text, fill="black", font=ImageFont.truetype(str(font), size))
        y += size + 26
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()


def test_an_official_finds_the_case_by_waiting_for_reviews_a_document_signs_and_sees_it_approved(
    console_stack: Stack, new_page: Any
) -> None:
    import requests

    base = console_stack.base
    chosen = family("tsa-bank-account-not-found")  # the bank account registry has no record of the applicant
    operator = new_page("ru")
    sign_in(operator, base, NORTH_OPERATOR)
    application_id = file_tsa_in_person(operator, base, "tsa-bank-account-not-found")

    # The office scans the bank's certificate the applicant brought (through the API, as a scanner's software would)
    office = console_stack.token(NORTH_OPERATOR["iin"], "operator", NORTH_OPERATOR["org"])

    def read() -> Any:
        return console_stack.request("GET", f"/applications/{application_id}", token=office)[2]

    console_stack.wait_until(lambda: read()["status"] == "awaiting_documents", timeout=300)
    status, _, slot = console_stack.request(
        "POST",
        f"/applications/{application_id}/documents",
        {"kind": "bank_account_certificate", "content_type": "image/png"},
        token=office,
    )
    assert status == 201, slot
    scan = scanned_certificate(chosen["iban"], chosen["applicant"])
    sent = requests.post(
        slot["upload"]["url"],
        data=slot["upload"]["fields"],
        timeout=10,
        files={"file": ("bank.png", scan, "image/png")},
    )
    assert sent.status_code < 300, sent.text
    console_stack.wait_until(
        lambda: any(d["state"] == "document_received" for d in read().get("documents", [])), timeout=60
    )

    # The official finds it among the applications waiting for a document review
    page = new_page("ru")
    sign_in(page, base, NORTH_OFFICIAL)
    page.select_option("#waiting_for", "document_review")
    page.click("form.filters button")
    page.click(f"a:text-is('{application_id}')")
    shown = page.locator(".preview img")
    assert shown.count() == 1 and shown.evaluate("img => img.complete && img.naturalWidth > 0")  # the scan, shown
    check_accessibility(page, "case-review-ru")
    page.click("a[hreflang=kk]")
    check_accessibility(page, "case-review-kk")
    page.click("a[hreflang=ru]")

    # reads it, and records what it says in the bank account registry's answer shape
    def fill(bank_code: str) -> None:
        page.fill("[name='fact.accounts[0].iban']", chosen["iban"])
        page.fill("[name='fact.accounts[0].bank_code']", bank_code)
        page.fill("[name='fact.accounts[0].owner_iin']", chosen["applicant"])
        page.fill("[name='fact.accounts[0].opened_on']", "2020-01-15")
        page.click("button[name=decision][value=accept]")

    fill("")  # a field left out: refused as the API refuses it, and shown beside the field
    assert page.locator("[name='fact.accounts[0].bank_code'][aria-invalid=true]").count() == 1
    check_accessibility(page, "case-review-errors-ru")
    fill(chosen["iban"][4:7])
    assert page.locator(".state.st-accepted").count() == 1

    # the rules decide on the facts; the official prepares the draft, reads it and signs it with NCALayer
    def draft_button() -> bool:
        page.reload()
        return page.locator("#make-draft").count() == 1

    console_stack.wait_until(draft_button, timeout=60)
    page.click("#make-draft")
    assert page.locator(".draft .outcome").inner_text().startswith("Назначить")
    check_accessibility(page, "draft-ru")
    page.click("a[hreflang=kk]")  # the same draft in Kazakh (no second draft made by switching or reloading)
    assert page.locator("#sign-button").count() == 1 and page.locator("#make-draft").count() == 0
    check_accessibility(page, "draft-kk")
    # opening the case again (no ?draft= in the address) shows the same draft, not a button to make another
    shown = page.locator("#sign-button").count()
    page.goto(page.url.split("?")[0] + "?lang=kk")
    assert shown == 1 and page.locator("#sign-button").count() == 1 and page.locator("#make-draft").count() == 0
    page.click("#sign-button")
    page.wait_for_selector(".status.s-approved", timeout=30_000)
    assert read()["status"] == "approved"
    check_accessibility(page, "decided-kk")
    page.click("a[hreflang=ru]")
    assert NORTH_OFFICIAL["name"].upper() in page.locator(".card dl.facts").inner_text().upper()  # who signed
    check_accessibility(page, "decided-ru")
    notice = fetch_pdf(page, base + page.locator("#result-pdf").get_attribute("href"))
    assert notice.status == 200 and notice.body().startswith(b"%PDF-")

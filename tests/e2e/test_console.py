"""The staff console in a real browser: Playwright driving Debian's chromium, headless, on the local stack as
`make run` starts it (with its development identity provider and NCALayer stand-in). Every page also gets an
axe-core accessibility check: no serious or critical violation.

Screenshots of every page (kk and ru) are written to `.local/console-screens/`; `CONSOLE_SCREENSHOTS=docs/console`
writes the README's instead.
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
FAMILIES = json.loads((ROOT / "local" / "seed" / "registries.json").read_text())["families"]
SCREENS = ROOT / os.environ.get("CONSOLE_SCREENSHOTS", ".local/console-screens")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")


def family(scenario: str) -> dict[str, Any]:
    return next(f for f in FAMILIES if f["scenario"] == scenario)


@pytest.fixture(scope="module")
def console_stack() -> Iterator[Stack]:
    running = start_stack(Stack, {"NCALAYER_PORT": "0", "NCALAYER_SIGNER_IIN": OFFICIAL["iin"]})
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
        context = browser.new_context(viewport={"width": width, "height": height}, locale=language,
                                      extra_http_headers={"Accept-Language": language}, ignore_https_errors=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def check_accessibility(page: Any, name: str) -> None:
    """axe-core over the page as it is: no serious or critical violation; and a screenshot of it."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name}: {bad}"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


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


def fetch_ticket(page: Any, url: str) -> Any:
    """The ticket's PDF: the first request has the decisions worker render it (503 with Retry-After and a page
    that refreshes itself), as the API's ticket does."""
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
    ticket = fetch_ticket(page, base + page.locator("#ticket-pdf").get_attribute("href"))
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

"""`make demo` (`python -m local.demo`): the four services end to end on the local stack, with no AWS account.

The stack (`local.stack.LocalStack`: moto, the gateway simulator, the API, the queue pump) starts in this process on
free ports; the demo then speaks to it over real HTTP only, as the portal, a State Corporation operator, the
e-government gateway and the SMS provider would:

  (a) caregiver allowance filed on the portal, signed with the one-time password read from the SMS moto recorded;
  (b) special social services documents filed by an operator at a State Corporation office, with the tear-off ticket;
  (c) targeted social assistance filed on the portal: the registries consulted and the amount decided;
  (d) the child disability benefit offered proactively: a signed registry event, the parent's signed SMS replies.

Families are taken from the registry seed by scenario slug. For each service it prints the timeline, the SMS sent,
the signed result and its verification (`POST /results/verify`, and a tampered copy that must fail), and saves the
PDFs under `.local/demo/`. IINs, phone numbers and IBANs are printed masked. The stack's own output (JSON logs,
metrics, request lines) goes to `.local/demo/stack.log`, so that the report stays readable.

Exit code 0 only when every service reached its expected final state and its result verified; otherwise 1, with what
failed and where.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from chalicelib.domain.banking import Iban
from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.identity import mask_iin
from chalicelib.domain.phone import PhoneNumber
from local.api_client import ApiClient, wait_until
from local.families import application_body, operator_iin
from local.outbox import DEFAULT_TABLE, one_time_code, sent_sms, sent_times
from local.stack import LOCAL_DIR, STATE_FILE, LocalStack, free_port
from local.token import development_token

DEMO_DIR = LOCAL_DIR / "demo"
STACK_LOG = DEMO_DIR / "stack.log"
FINAL = ("approved", "refused", "withdrawn")
# TSA asks about 110 signed lookups (the credit bureau included): on a loaded 2-core machine that takes over a
# minute, so each step may take two before the demo calls it failed.
WAIT_SECONDS = 120.0
STATE_CORP_OFFICE = "gfc-almaty-01"
ACCEPTING_OFFICIAL = "Примерова Асель Бекқызы"
RULE = "=" * 110


class DemoFailure(Exception):
    """A service did not reach what the demo expects of it (the message says what and where)."""


# --- what is printed: masked, short -----------------------------------------------------------------------------

_IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")
_PHONE = re.compile(r"\+7\d{10}(?!\d)")
_IBAN = re.compile(r"\bKZ\d{2}[0-9A-Z]{16}\b")


def masked(text: str) -> str:
    """Text fit to print: every IIN, phone number and IBAN in it masked as the domain masks them."""
    text = _IBAN.sub(lambda m: masked_iban(m.group(0)), text)
    text = _PHONE.sub(lambda m: masked_phone(m.group(0)), text)
    return _IIN.sub(lambda m: mask_iin(m.group(0)), text)


def masked_phone(value: str) -> str:
    try:
        return PhoneNumber.parse(value).masked
    except InvalidValue:
        return "+7*******???"


def masked_iban(value: str) -> str:
    try:
        return Iban.parse(value).masked
    except InvalidValue:
        return "KZ** **** ****"


def clock_time(instant: str | None) -> str:
    """`HH:MM:SS.mmm` UTC of an RFC 3339 instant: the demo runs within a minute, the date adds nothing."""
    if not instant:
        return "?"
    try:
        moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    except ValueError:
        return instant
    return moment.astimezone(UTC).strftime("%H:%M:%S.%f")[:-3]


def short_text(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def short_detail(detail: dict[str, Any], width: int = 80) -> str:
    return short_text(masked(" ".join(f"{key}={shown(value)}" for key, value in detail.items())), width)


def tenge(amount: int) -> str:
    """`81 871`: digits grouped by spaces, as the SMS and the notices print amounts."""
    return f"{amount:,}".replace(",", " ")


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: its page objects (`/Type /Page`, not `/Pages`)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the four services ------------------------------------------------------------------------------------------


@dataclass
class Demo:
    api: ApiClient
    aws_endpoint: str
    sms_secret: str
    gateway_secret: str
    seed: dict[str, Any]
    out: TextIO
    table: str = DEFAULT_TABLE
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    # the seed

    def family(self, scenario: str) -> dict[str, Any]:
        for family in self.seed["families"]:
            if family["scenario"] == scenario:
                return dict(family)
        raise DemoFailure(f"the registry seed has no family for scenario {scenario!r}")

    def mobile_phone(self, iin: str) -> str | None:
        mobile = self.seed["people"].get(iin, {}).get("mobile")
        return str(mobile["phone"]) if mobile else None

    # calls and waits

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        expect: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
    ) -> Any:
        status, _, answer = self.api.request(method, path, body, token=token, headers=headers)
        if status not in expect:
            raise DemoFailure(f"{method} {path} answered {status}: {masked(json.dumps(answer, ensure_ascii=False))}")
        return answer

    def pdf(self, path: str, token: str, saved_as: str) -> bytes:
        """The stored PDF; a 503 `document.rendering` (the decisions worker renders it) is asked again shortly."""

        def ready() -> Any:
            reply = self.api.send("GET", path, token=token, headers={"Accept": "application/pdf"})
            return None if reply.status == 503 else reply

        reply = self.wait(ready, f"the PDF of {path}")
        if reply.status != 200 or not reply.content.startswith(b"%PDF"):
            raise DemoFailure(f"GET {path} answered {reply.status} {reply.headers.get('Content-Type')}, not a PDF")
        content: bytes = reply.content
        (DEMO_DIR / saved_as).write_bytes(content)
        return content

    def application(self, app_id: str, token: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/applications/{app_id}", token=token)
        return found

    def wait(self, predicate: Callable[[], Any], what: str) -> Any:
        try:
            return wait_until(predicate, timeout=WAIT_SECONDS, interval=0.25, what=what)
        except TimeoutError:
            raise DemoFailure(f"{what}: not within {WAIT_SECONDS:g} s") from None

    def wait_for_decision(self, app_id: str, token: str, expected: str) -> dict[str, Any]:
        def decided() -> dict[str, Any] | None:
            app = self.application(app_id, token)
            return app if app["status"] in FINAL else None

        try:
            app: dict[str, Any] = wait_until(decided, timeout=WAIT_SECONDS, interval=0.25)
        except TimeoutError:
            status = self.application(app_id, token)["status"]
            raise DemoFailure(
                f"application {app_id} is still {status} after {WAIT_SECONDS:g} s (expected {expected})"
            ) from None
        if app["status"] != expected:
            raise DemoFailure(f"application {app_id} ended {app['status']}, expected {expected}")
        return app

    def sms_to(self, phones: set[str]) -> list[dict[str, Any]]:
        return [m for m in sent_sms(self.aws_endpoint) if m["phone_number"] in phones]

    def wait_for_notices(self, app_id: str, token: str, phone: str, purpose: str) -> None:
        """Until the personal account has the notice of `purpose` and every notice the passport also sends by SMS
        has gone out by SMS (the notifications worker writes the notice first, then sends the SMS)."""
        from chalicelib.domain.catalog import load_catalog

        def delivered() -> bool:
            notices = [
                n for n in self.call("GET", "/notifications", token=token)["items"] if n["application_id"] == app_id
            ]
            # "approved" is also "approved_open_ended" (no end date) and "approved_no_payment" (no amount)
            if not any(n["purpose"] == purpose or n["purpose"].startswith(f"{purpose}_") for n in notices):
                return False
            app = self.call("GET", f"/applications/{app_id}", token=token)
            service = load_catalog().get(app["service_id"])
            by_sms = [n for n in notices if service.sends_sms(app["channel"], n["purpose"])]
            return len([m for m in self.sms_to({phone}) if f"№{app_id}" in m["message"]]) >= len(by_sms)

        self.wait(delivered, f"the {purpose} notice and SMS of {app_id}")

    def decided(
        self, app_id: str, token: str, phone: str, *, reader: str | None = None, every_registry: bool = False
    ) -> dict[str, Any]:
        """Wait for the approval and its SMS, then print the application and the registries it asked. `reader`: the
        token that reads the citizen's notices (the applicant's own, when an operator filed)."""
        self.wait_for_decision(app_id, token, "approved")
        self.wait_for_notices(app_id, reader or token, phone, "approved")
        app = self.application(app_id, token)
        self.print_application(app)
        self.print_lookups(app, every_registry=every_registry)
        return app

    def sign_with_sms_code(self, app_id: str, token: str, phone: str) -> None:
        """Ask for a one-time password, read it off the SMS moto recorded (the citizen's phone), and sign with it."""
        self.call("POST", f"/applications/{app_id}/otp", {}, token=token)

        def code() -> str | None:
            texts = [m["message"] for m in self.sms_to({phone}) if f"№{app_id}" in m["message"]]
            return next((found for found in map(one_time_code, texts) if found), None)

        otp = self.wait(code, f"the one-time password SMS of {app_id}")
        signed = self.call("POST", f"/applications/{app_id}/signature", {"method": "otp", "code": otp}, token=token)
        self.say(
            f"POST /applications/{{id}}/otp, code {otp} read from the SMS, POST /applications/{{id}}/signature: "
            f"{signed['status']}, due {signed['due_date']}"
        )

    # what every service prints

    def print_application(self, app: dict[str, Any]) -> None:
        self.say(
            f"Application {app['id']}: {app['status']}, channel {app['channel']}, registered "
            f"{clock_time(app['registered_at'])}, due {app['due_date']}"
            + (
                f" (at the State Corporation {app['due_date_at_state_corp']})"
                if app.get("due_date_at_state_corp")
                else ""
            )
        )
        self.say("Timeline")
        for event in app["timeline"]:
            self.say(
                f"  {clock_time(event['at'])}  {event['type']:<30} {event['actor']:<8} "
                f"{short_detail(event.get('detail') or {})}"
            )

    def print_lookups(self, app: dict[str, Any], every_registry: bool) -> None:
        """The registries consulted: a line per registry (its answers counted over the people asked about), or
        their ids on one line."""
        by_registry: dict[str, list[dict[str, Any]]] = {}
        for lookup in app["lookups"]:
            by_registry.setdefault(lookup["registry"], []).append(lookup)
        people = {lookup["person"] for lookup in app["lookups"]}
        self.say(
            f"Registries consulted: {len(by_registry)} registries, {len(app['lookups'])} lookups about "
            f"{len(people)} {'person' if len(people) == 1 else 'people'}"
        )
        if not every_registry:
            self.say(f"  {', '.join(by_registry)}")
            return
        for registry, lookups in by_registry.items():
            counted = Counter(
                lookup["status"] + (f" ({lookup['on_not_found']})" if lookup.get("on_not_found") else "")
                for lookup in lookups
            )
            answers = ", ".join(f"{status} {n}" for status, n in counted.items())
            self.say(f"  {registry:<22} {answers:<30} {lookups[0]['source_system']}")

    def print_sms(self, phones: set[str], mark: int) -> None:
        sent = self.sms_to(phones)[mark:]
        times = sent_times(self.aws_endpoint, self.table, [m["message_id"] for m in sent])
        self.say(f"SMS sent ({len(sent)})")
        for message in sent:
            self.say(
                f"  {clock_time(times.get(message['message_id']))}  {masked_phone(message['phone_number'])}  "
                f"{masked(message['message'])}"
            )

    def print_and_verify_result(self, key: str, app_id: str, token: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", f"/applications/{app_id}/result", token=token)
        document, decision = result["document"], result["document"]["decision"]
        amount = decision.get("amount_monthly")
        self.say("Signed result (GET /applications/{id}/result)")
        self.say(
            f"  {decision['outcome']}"
            + (f", {tenge(amount)} KZT a month" if amount is not None else ", no payment")
            + (
                f", period {decision['period_from']} .. {decision.get('period_to') or 'open'}"
                if decision.get("period_from")
                else ""
            )
            + f"; decided {decision.get('decided_on')}; applicant {document['applicant']['iin_masked']}; "
            f"issuer {document['issuer']['office_id']}"
        )
        self.say("  reasons:")
        for reason in decision.get("reasons", []):
            text = reason.get("text", {})
            self.say(
                f"    {reason['rule_id']:<34} {reason['outcome']:<7} "
                f"{short_text(masked(text.get('en') or text.get('ru') or ''), 100)}"
            )
        pdf = self.pdf(f"/applications/{app_id}/result?format=pdf", token, f"{key}-result.pdf")
        self.say(
            f"  PDF {relative(DEMO_DIR / f'{key}-result.pdf')}: {tenge(len(pdf))} bytes, {pdf_pages(pdf)} "
            f"page(s); verification code {result['verification_code']}"
        )

        signed = {name: result[name] for name in ("document", "signature_b64", "key_id", "algorithm", "signed_at")}
        outcome = self.call("POST", "/results/verify", signed)
        tampered = json.loads(json.dumps(signed))
        tampered["document"]["decision"]["outcome"] = "refused" if decision["outcome"] == "approved" else "approved"
        forged = self.call("POST", "/results/verify", tampered)
        signer = outcome.get("signer") or {}
        self.say(f"Verification (POST /results/verify), signed {result['signed_at']} with {result['algorithm']}")
        self.say(
            f"  valid: {json.dumps(outcome['valid'])} ({outcome['reason']}), key id {signer.get('key_id')}, "
            f"signer {signer.get('issuer', {}).get('office_id')}, code {outcome.get('verification_code')}"
        )
        self.say(
            f"  the same document with its outcome changed: valid: {json.dumps(forged['valid'])} ({forged['reason']})"
        )
        if not outcome["valid"] or outcome.get("verification_code") != result["verification_code"]:
            raise DemoFailure(f"the signed result of {app_id} did not verify: {outcome}")
        if forged["valid"]:
            raise DemoFailure(f"a tampered copy of the result of {app_id} verified")
        return result

    @staticmethod
    def summary(app: dict[str, Any], result: dict[str, Any]) -> str:
        amount = result["document"]["decision"].get("amount_monthly")
        paid = f", {tenge(amount)} KZT a month" if amount else ""
        return f"{app['status']}{paid} (application {app['id']}, channel {app['channel']}), result verified"

    # (a) ---------------------------------------------------------------------------------------------------------

    def caregiver_allowance(self) -> str:
        family = self.family("caregiver-eligible")
        phone, token = family["phone"], development_token(family["applicant"], "citizen")
        self.say(
            f"Family caregiver-eligible: carer {mask_iin(family['applicant'])}, cared person "
            f"{mask_iin(family['members'][0]['iin'])}, phone {masked_phone(phone)}"
        )
        mark = len(self.sms_to({phone}))
        created = self.call(
            "POST",
            "/applications",
            application_body(family),
            token=token,
            expect=(201,),
            headers={"Idempotency-Key": f"demo-a-{self.run_id}"},
        )
        app_id = created["id"]
        self.say(f"POST /applications (the citizen, portal): {app_id} {created['status']}")
        self.sign_with_sms_code(app_id, token, phone)
        app = self.decided(app_id, token, phone)
        self.print_sms({phone}, mark)
        return self.summary(app, self.print_and_verify_result("a-caregiver-allowance", app_id, token))

    # (b) ---------------------------------------------------------------------------------------------------------

    def special_social_services(self) -> str:
        family = self.family("sss-eligible-disability-group-1")
        phone = family["phone"]
        operator = development_token(operator_iin(), "operator", org=STATE_CORP_OFFICE, name=ACCEPTING_OFFICIAL)
        citizen = development_token(family["applicant"], "citizen")
        self.say(
            f"Family sss-eligible-disability-group-1: applicant {mask_iin(family['applicant'])}, cared person "
            f"{mask_iin(family['members'][0]['iin'])}, phone {masked_phone(phone)}"
        )
        mark = len(self.sms_to({phone}))
        body = application_body(family, channel="state_corp", office=STATE_CORP_OFFICE, official=ACCEPTING_OFFICIAL)
        created = self.call(
            "POST",
            "/applications",
            body,
            token=operator,
            expect=(201,),
            headers={"Idempotency-Key": f"demo-b-{self.run_id}"},
        )
        app_id = created["id"]
        self.say(
            f"POST /applications (an operator of {STATE_CORP_OFFICE}, signed in person): {app_id} {created['status']}"
        )
        ticket = self.call("GET", f"/applications/{app_id}/ticket", token=operator)
        pdf = self.pdf(f"/applications/{app_id}/ticket?format=pdf", operator, "b-special-social-services-ticket.pdf")
        self.say("Tear-off ticket (GET /applications/{id}/ticket)")
        self.say(
            f"  registered on {ticket['registered_on']}, result due {ticket['due_date']}, at the State "
            f"Corporation {ticket['due_date_at_state_corp']}; office {ticket['office']}, accepted by "
            f"{ticket['accepted_by']}; decided by {ticket['handling_office']}"
        )
        self.say(
            f"  PDF {relative(DEMO_DIR / 'b-special-social-services-ticket.pdf')}: {tenge(len(pdf))} bytes, "
            f"{pdf_pages(pdf)} page(s)"
        )
        if not (ticket["due_date"] and ticket["due_date_at_state_corp"] and ticket["accepted_by"]):
            raise DemoFailure(f"the ticket of {app_id} lacks a due date or the accepting official")
        app = self.decided(app_id, operator, phone, reader=citizen)
        self.print_sms({phone}, mark)
        return self.summary(app, self.print_and_verify_result("b-special-social-services", app_id, operator))

    # (c) ---------------------------------------------------------------------------------------------------------

    def targeted_social_assistance(self) -> str:
        family = self.family("tsa-eligible-3-children")
        phone, token = family["phone"], development_token(family["applicant"], "citizen")
        self.say(
            f"Family tsa-eligible-3-children: applicant {mask_iin(family['applicant'])} and "
            f"{len(family['members'])} members, phone {masked_phone(phone)}, "
            f"account {masked_iban(family['iban'])}"
        )
        self.say(f"  ({family['description']})")
        mark = len(self.sms_to({phone}))
        created = self.call(
            "POST",
            "/applications",
            application_body(family),
            token=token,
            expect=(201,),
            headers={"Idempotency-Key": f"demo-c-{self.run_id}"},
        )
        app_id = created["id"]
        self.say(f"POST /applications (the citizen, portal): {app_id} {created['status']}")
        self.sign_with_sms_code(app_id, token, phone)
        app = self.decided(app_id, token, phone, every_registry=True)
        if not app["lookups"]:
            raise DemoFailure(f"application {app_id} shows no registry lookups")
        self.print_sms({phone}, mark)
        result = self.print_and_verify_result("c-targeted-social-assistance", app_id, token)
        if not result["document"]["decision"].get("amount_monthly"):
            raise DemoFailure(f"the TSA decision of {app_id} has no amount")
        # The line is the region's of the quarter before the application, both inputs and their sources shown
        line = [r for r in result["document"]["decision"]["reasons"] if r["rule_id"] == "tsa.poverty_line"]
        registered = date.fromisoformat(result["document"]["decision"]["period_from"])  # month of application
        before = f"{registered.year - (registered.month <= 3)}-Q{((registered.month - 1) // 3 - 1) % 4 + 1}"
        if not line or before not in line[0]["text"]["en"] or line[0]["text"]["en"].count("source:") != 2:
            raise DemoFailure(f"the TSA decision of {app_id} does not show its region's line of {before}")
        self.say("  poverty line: " + line[0]["text"]["en"])
        return self.summary(app, result)

    # (d) ---------------------------------------------------------------------------------------------------------

    def proactive_child_disability_benefit(self) -> str:
        family = self.family("child-disability-proactive-ru")
        mother, child = family["applicant"], family["members"][0]["iin"]
        parents = [p["iin"] for p in self.seed["people"].get(child, {}).get("civil_births", {}).get("parents", [])]
        phones = {found for found in map(self.mobile_phone, [mother, *parents]) if found}
        phone = self.mobile_phone(mother) or family["phone"]
        self.say(
            f"Family child-disability-proactive-ru: child {mask_iin(child)}, parents "
            f"{', '.join(mask_iin(p) for p in parents)}; the mother answers from {masked_phone(phone)}"
        )
        mark = len(self.sms_to(phones))
        event = {
            "event_id": f"demo-{self.run_id}",
            "type": "child_disability_established",
            "subject_iin": child,
            "occurred_at": now_rfc3339(),
        }
        status, ack = self.api.signed_post("/webhooks/registry-events", event, self.gateway_secret)
        self.say(f"POST /webhooks/registry-events child_disability_established (signed by the gateway): {status} {ack}")
        if (status, ack) != (200, {"status": "accepted"}):
            raise DemoFailure(f"the registry event was not accepted: {status} {ack}")
        self.wait(lambda: self.sms_to({phone}), "the offer SMS")
        for number, text in enumerate(("ДА", "1"), start=1):
            seen = len(self.sms_to({phone}))

            def answered(seen: int = seen) -> bool:
                return len(self.sms_to({phone})) > seen

            message = {
                "message_id": f"demo-{self.run_id}-sms-{number}",
                "from": phone,
                "text": text,
                "received_at": now_rfc3339(),
            }
            status, ack = self.api.signed_post("/webhooks/sms", message, self.sms_secret)
            self.say(f"POST /webhooks/sms, the mother answers {text!r} (signed by the SMS provider): {status} {ack}")
            if (status, ack) != (200, {"status": "accepted"}):
                raise DemoFailure(f"the SMS reply {text!r} was not accepted: {status} {ack}")
            self.wait(answered, f"the answer to {text!r}")
        token = development_token(mother, "citizen")

        def filed() -> str | None:
            items = self.call("GET", "/applications", token=token)["items"]
            return str(items[0]["id"]) if items else None

        app_id = self.wait(filed, "the application filed from the SMS dialogue")
        app = self.decided(app_id, token, phone)
        if app["channel"] != "proactive":
            raise DemoFailure(f"application {app_id} came on channel {app['channel']}, expected proactive")
        for consent in self.call("GET", "/consents", token=token)["items"]:
            self.say(f"Consent (GET /consents): {short_detail(consent, 100)}")
        self.print_sms(phones, mark)
        return self.summary(app, self.print_and_verify_result("d-child-disability-benefit-proactive", app_id, token))


SERVICES: tuple[tuple[str, str, Callable[[Demo], str]], ...] = (
    ("caregiver-allowance", "(a) filed on the portal, signed with an SMS one-time password", Demo.caregiver_allowance),
    (
        "special-social-services",
        "(b) filed at a State Corporation office (17 working days), with a tear-off ticket",
        Demo.special_social_services,
    ),
    (
        "targeted-social-assistance",
        "(c) TSA: a family's registries and the amount decided",
        Demo.targeted_social_assistance,
    ),
    (
        "child-disability-benefit",
        "(d) proactive: a registry event, the parent's SMS replies, an assigned benefit",
        Demo.proactive_child_disability_benefit,
    ),
)


# --- the run ----------------------------------------------------------------------------------------------------


@contextmanager
def stack_output_to(log: Path) -> Iterator[TextIO]:
    """Send whatever this process writes to stdout and stderr (the stack's JSON logs, EMF metrics, request lines,
    from any thread, whenever their streams were bound) to `log`; yield a stream on the real stdout for the report."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    report = open(os.dup(1), "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed below
    try:
        with log.open("w", encoding="utf-8") as target:
            os.dup2(target.fileno(), 1)
            os.dup2(target.fileno(), 2)
            try:
                yield report
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved_out, 1)
                os.dup2(saved_err, 2)
    finally:
        os.close(saved_out)
        os.close(saved_err)
        report.close()


def gateway_exchanges(gateway_url: str) -> tuple[str, bool]:
    """What went over the e-government gateway during the demo, from the simulator's request log: every lookup
    must have been a signed SOAP SendMessage the gateway accepted (no fault)."""
    import urllib.request

    with urllib.request.urlopen(gateway_url + "/_sim/requests", timeout=10) as response:  # noqa: S310 - the local http simulator
        log = json.loads(response.read())["requests"]
    unsigned = [r for r in log if not r.get("signed_by")]
    faults = Counter(r["fault"] for r in log if r.get("fault"))
    outcomes = Counter(r["outcome"] for r in log)
    signers = sorted({r["signed_by"] for r in log if r.get("signed_by")})
    what = (
        f"{len(log)} SendMessage exchanges (SOAP 1.1, SyncChannel v10), {len(log) - len(unsigned)} signed "
        f"(WS-Security, {'; '.join(signers) or 'nobody'}); "
        + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
        + (f"; faults: {dict(faults)}" if faults else "; no fault")
    )
    return what, bool(log) and not unsigned and not faults


def run(out: TextIO) -> list[tuple[str, str, bool]]:
    """Start the stack, run the four services, stop it: (service id, what came of it, succeeded) for each, and
    last ("gateway", what went over the e-government gateway, whether every lookup was signed and accepted)."""
    from local.gateway_sim import default_seed_path

    seed = json.loads(default_seed_path().read_text(encoding="utf-8"))
    previous_state = STATE_FILE.read_text() if STATE_FILE.is_file() else None
    stack = LocalStack(api_port=free_port(), tick_seconds=3600, pump_interval=0.1)
    outcomes: list[tuple[str, str, bool]] = []
    try:
        info = stack.start()
        print(
            f"Local stack up: API {info['api']}, AWS (moto) {info['aws_endpoint']}, gateway simulator "
            f"{info['gateway']}; its log: {relative(STACK_LOG)}",
            file=out,
            flush=True,
        )
        demo = Demo(
            ApiClient(info["api"]),
            info["aws_endpoint"],
            info["sms_webhook_secret"],
            info["gateway_webhook_secret"],
            seed,
            out,
            table=os.environ.get("TABLE_NAME", DEFAULT_TABLE),
        )
        for service_id, title, scenario in SERVICES:
            print(f"\n{RULE}\n{service_id}: {title}\n{RULE}", file=out, flush=True)
            began = time.monotonic()
            try:
                outcomes.append((service_id, scenario(demo), True))
            except Exception as exc:  # one service failing must not hide how the others went
                problem = str(exc) if isinstance(exc, DemoFailure) else f"{type(exc).__name__}: {exc}"
                outcomes.append((service_id, masked(problem), False))
                print(f"FAILED: {service_id}: {masked(problem)}", file=out, flush=True)
            print(f"({time.monotonic() - began:.1f} s)", file=out, flush=True)
        what, ok = gateway_exchanges(info["gateway"])
        print(f"\n{RULE}\ne-government gateway (ШЭП): {what}", file=out, flush=True)
        outcomes.append(("gateway", what, ok))
    finally:
        stack.stop()
        if previous_state is not None:  # a `make run` started before keeps its endpoints for local.outbox
            STATE_FILE.write_text(previous_state)
    return outcomes


def main() -> int:
    started = time.monotonic()
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    with stack_output_to(STACK_LOG) as out:
        print("Social benefits back office: the four services end to end on the local stack", file=out, flush=True)
        try:
            outcomes = run(out)
        except Exception as exc:
            print(
                f"\nThe demo could not run: {type(exc).__name__}: {masked(str(exc))} (see {relative(STACK_LOG)})",
                file=out,
                flush=True,
            )
            return 2
        print(f"\n{RULE}", file=out)
        for service_id, what, ok in outcomes:
            print(f"{'ok    ' if ok else 'FAILED'}  {service_id:<28} {what}", file=out)
        succeeded = sum(ok for service_id, _, ok in outcomes if service_id != "gateway")
        gateway_ok = all(ok for service_id, _, ok in outcomes if service_id == "gateway")
        print(
            f"{succeeded} of {len(SERVICES)} services reached their expected final state with a verified result, "
            f"in {time.monotonic() - started:.1f} s. PDFs in {relative(DEMO_DIR)}/",
            file=out,
            flush=True,
        )
    return 0 if succeeded == len(SERVICES) and gateway_ok else 1


if __name__ == "__main__":
    code = main()
    # Every server and loop is stopped; as local.run does, do not wait at exit for worker threads still parked on a
    # keep-alive connection (all the state was in moto).
    sys.stdout.flush()
    os._exit(code)

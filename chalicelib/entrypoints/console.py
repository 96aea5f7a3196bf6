"""The staff console under `/console/`: HTML pages for operators and officials (README "The staff console").

Each handler reads the session, calls the same use case the API route calls, and renders a template. Pages are
never in the OpenAPI document: they are not the API. Errors are HTML pages in the reader's language, not problem
documents; a form's validation errors are shown beside its fields.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from chalice.app import Blueprint, Request, Response

from chalicelib.bootstrap import container
from chalicelib.console.pages import HTML, LANGUAGES, STATIC, content_security_policy, render, security_headers
from chalicelib.console.session import (
    FLOW_COOKIE,
    FLOW_SECONDS,
    SESSION_COOKIE,
    SESSION_IDLE_SECONDS,
    StaffSession,
    clear_cookie,
    read_cookie,
    seal,
    set_cookie,
    unseal,
)
from chalicelib.domain.errors import DomainError, ValidationFailed
from chalicelib.entrypoints.http import ACCEPTED_CONTENT_TYPES, negotiate_language
from chalicelib.observability import logger

console = Blueprint(__name__)

FORM = "application/x-www-form-urlencoded"
LANGUAGE_COOKIE = "sb-console-lang"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
QUEUE_PAGE = 25


class CsrfRefused(DomainError):
    status = 403
    code = "console.csrf"


class Page:
    """What a console handler gets: the request, the language, the signed-in staff member (if any)."""

    def __init__(self, request: Request, language: str, session: StaffSession | None) -> None:
        self.request = request
        self.language = language
        self.session = session
        self.document_urls: tuple[str, ...] = ()

    @property
    def staff(self) -> StaffSession:
        assert self.session is not None
        return self.session

    def query(self, name: str) -> str:
        params: Any = self.request.query_params or {}
        return str(params.get(name) or "")

    def form(self) -> dict[str, list[str]]:
        raw = self.request.raw_body or b""
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
        return parse_qs(text, keep_blank_values=True, max_num_fields=200)

    def html(self, template: str, status: int = 200, *, here: str | None = None, **context: Any) -> Response:
        """The page; `here`: the address its language links lead to, when the page answers a POST (the case page
        after a review or a draft): the GET page it shows."""
        settings = container().settings
        path = self.request.context.get("path", "")
        params: Any = (self.request.query_params or {}) if here is None and self.request.method == "GET" else {}
        kept = {k: v for k, v in params.items() if k != "lang"}
        language_links = {lang: f"{here or path}?{urlencode({**kept, 'lang': lang})}" for lang in LANGUAGES}
        body = render(
            template,
            self.language,
            session=self.session,
            path=path,
            language_links=language_links,
            ncalayer_url=settings.ncalayer_url,
            languages=LANGUAGES,
            **context,
        )
        csp = content_security_policy(settings.ncalayer_url, self.document_urls)
        headers: dict[str, str | list[str]] = {"Content-Type": HTML, **security_headers(csp)}
        return Response(body=body, status_code=status, headers=headers)


def _secret() -> str:
    return container().settings.console_session_secret


def _language(request: Request) -> str:
    params: Any = request.query_params or {}
    chosen = params.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    kept = read_cookie(request.headers.get("cookie"), LANGUAGE_COOKIE)
    if kept in LANGUAGES:
        return str(kept)
    return negotiate_language(request.headers.get("accept-language"))


def _cookies(response: Response, *values: str) -> Response:
    """Set-Cookie headers (Chalice sends a list as several headers)."""
    existing = response.headers.get("Set-Cookie")
    cookies = ([existing] if isinstance(existing, str) else list(existing or [])) + list(values)
    response.headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    return response


def redirect(location: str, *cookies: str) -> Response:
    response = Response(body="", status_code=303, headers={"Location": location, "Cache-Control": "no-store"})
    return _cookies(response, *cookies) if cookies else response


def console_page(
    path: str, methods: tuple[str, ...] = ("GET",), *, roles: tuple[str, ...] | None = None
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A console route. `roles` given: only a signed-in staff member of those roles (others see the sign-in page
    or a refusal); every POST must carry the session's CSRF token (form field `csrf_token` or header
    `X-CSRF-Token`). The session cookie is sealed again on each answer (its idle time starts over)."""

    def decorate(handler: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**params: str) -> Response:
            request = console.current_request
            language = _language(request)
            page = Page(request, language, None)
            try:
                now = int(time.time())
                page.session = StaffSession.open(
                    read_cookie(request.headers.get("cookie"), SESSION_COOKIE), _secret(), now
                )
                if roles is not None:
                    if page.session is None:
                        if request.method != "GET":
                            return page.html("signed_out.html", 401, expired=True)
                        return redirect("/console/?" + urlencode({"next": request.context.get("path", "")}))
                    if page.session.role not in roles:
                        return page.html("error.html", 403, message=page_text(language, "error.role"))
                    if request.method != "GET":
                        sent = request.headers.get("x-csrf-token") or _form_value(page, "csrf_token")
                        if not page.session.csrf_ok(sent):
                            raise CsrfRefused("The form is not from this session (CSRF token missing or wrong).")
                response = handler(page, **params)
            except DomainError as exc:
                logger.info("console refused", extra={"code": exc.code, "status": exc.status})
                response = page.html("error.html", exc.status, message=_message(exc, language), code=exc.code)
            except Exception:
                logger.exception("console error", extra={"route": path})
                response = page.html("error.html", 500, message=page_text(language, "error.internal"))
            cookies = []
            if page.session is not None and "Set-Cookie" not in response.headers:
                cookies.append(set_cookie(SESSION_COOKIE, page.session.seal(_secret()), max_age=SESSION_IDLE_SECONDS))
            query: Any = request.query_params or {}
            if query.get("lang") in LANGUAGES:
                cookies.append(f"{LANGUAGE_COOKIE}={language}; Max-Age=31536000; Path=/; Secure; SameSite=Strict")
            return _cookies(response, *cookies) if cookies else response

        console.route(path, methods=list(methods), content_types=ACCEPTED_CONTENT_TYPES)(view)
        return view

    return decorate


def _form_value(page: Page, name: str) -> str | None:
    content_type = (page.request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM:
        return None
    values = page.form().get(name)
    return values[0] if values else None


def page_text(language: str, key: str) -> str:
    from chalicelib.console.pages import texts

    return texts(language)(key)


def _message(exc: DomainError, language: str) -> str:
    from chalicelib.console.pages import texts
    from chalicelib.entrypoints.problems import _text

    t = texts(language)
    if t.has(f"error.{exc.code}"):
        return t(f"error.{exc.code}")
    return _text(exc.code, language, exc.message, "server" if exc.status >= 500 else "client")


# --- sign-in ---------------------------------------------------------------------------------------------------


@console_page("/console")
def home(page: Page) -> Response:
    if page.session is not None:
        return redirect("/console/queue")
    return page.html("sign_in.html", next=page.query("next"))


@console_page("/console/sign-in")
def sign_in(page: Page) -> Response:
    from chalicelib.console.oidc import SignInFlow, authorization_url

    flow = SignInFlow.new(page.language)
    location = authorization_url(container().settings, flow)
    # The identity provider sends the browser back from its own site: the flow cookie must travel on that
    # top-level navigation, so it is SameSite=Lax (the session cookie itself is Strict).
    return redirect(
        location,
        set_cookie(FLOW_COOKIE, seal(flow.to_dict(), _secret(), "flow"), max_age=FLOW_SECONDS, same_site="Lax"),
    )


@console_page("/console/callback")
def callback(page: Page) -> Response:
    from chalicelib.adapters.oidc_client import exchange_code
    from chalicelib.console.oidc import SignInFlow, finish

    kept = unseal(read_cookie(page.request.headers.get("cookie"), FLOW_COOKIE), _secret(), "flow", ttl=FLOW_SECONDS)
    flow = SignInFlow.from_dict(kept) if kept else None
    params = {k: str(v) for k, v in (page.request.query_params or {}).items()}
    caller = finish(container().settings, flow, params, exchange_code)
    page.session = StaffSession.start(caller, int(time.time()))
    page.language = flow.language if flow else page.language
    logger.info("console sign-in", extra={"role": caller.role})
    # Arriving here was a navigation started on the identity provider's site: a Strict cookie set now would not be
    # sent on a redirect that continues it. The page moves on by itself (a same-site navigation) instead.
    response = page.html("signed_in.html")
    return _cookies(
        response,
        set_cookie(SESSION_COOKIE, page.session.seal(_secret()), max_age=SESSION_IDLE_SECONDS),
        clear_cookie(FLOW_COOKIE, same_site="Lax"),
    )


@console_page("/console/sign-out", ("POST",), roles=("operator", "official", "admin"))
def sign_out(page: Page) -> Response:
    page.session = None
    return _cookies(page.html("signed_out.html"), clear_cookie(SESSION_COOKIE))


@console_page("/console/static/{name}")
def static(page: Page, name: str) -> Response:
    from pathlib import Path

    suffix = Path(name).suffix
    file = STATIC / name
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES or not file.is_file():
        return Response(body="", status_code=404, headers={"Content-Type": "text/plain"})
    return Response(
        body=file.read_text(encoding="utf-8"),
        status_code=200,
        headers={
            "Content-Type": STATIC_TYPES[suffix],
            "Cache-Control": "max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- work queue ------------------------------------------------------------------------------------------------


@console_page("/console/queue", roles=("operator", "official", "admin"))
def queue(page: Page) -> Response:
    from chalicelib.console import views

    return page.html(
        "queue.html",
        **views.queue_page(
            page.staff.caller,
            page.language,
            waiting_for=page.query("waiting_for") or None,
            service_id=page.query("service") or None,
            cursor=page.query("cursor") or None,
        ),
    )


# --- a case ----------------------------------------------------------------------------------------------------


@console_page("/console/applications/{application_id}", roles=("operator", "official", "admin"))
def case(page: Page, application_id: str) -> Response:
    """The case page; `?draft=<draft_id>`: with the official's current draft to read and sign."""
    from chalicelib.console import views

    context = views.case_page(page.staff.caller, application_id, page.language, draft_id=page.query("draft") or None)
    page.document_urls = tuple(d["url"] for d in context["documents"] if d.get("url"))
    return page.html("case.html", **context)


# --- in-person filing ------------------------------------------------------------------------------------------


@console_page("/console/file", ("GET", "POST"), roles=("operator",))
def file_in_person(page: Page) -> Response:
    from chalicelib.console import views

    if page.request.method == "GET":
        return page.html(
            "file.html",
            **views.filing_page(page.staff.caller, page.language, page.query("service"), page.query("channel")),
        )
    form = {k: v for k, v in page.form().items()}
    try:
        application_id = views.file_application(page.staff.caller, form)
    except ValidationFailed as exc:
        context = views.filing_page(
            page.staff.caller,
            page.language,
            _first(form, "service_id"),
            _first(form, "channel"),
            form=form,
            errors=exc.errors,
        )
        return page.html("file.html", 422, **context)
    return redirect(f"/console/applications/{application_id}/filed")


@console_page("/console/applications/{application_id}/filed", roles=("operator",))
def filed(page: Page, application_id: str) -> Response:
    from chalicelib.console import views

    return page.html("filed.html", **views.ticket_page(page.staff.caller, application_id, page.language))


@console_page("/console/applications/{application_id}/ticket.pdf", roles=("operator",))
def ticket_pdf(page: Page, application_id: str) -> Response:
    """The ticket's PDF as the API serves it (rendered once by the decisions worker); while it is being rendered,
    a page that asks again by itself a few seconds later."""
    from chalicelib.entrypoints.views import ticket_print_source, ticket_view
    from chalicelib.services.tickets import applicant_name, ticket_for

    deps = container()
    ticket = ticket_for(deps.repo, deps.catalog, application_id, page.staff.caller)
    body = ticket_view(ticket, applicant_name(ticket.application, deps.lookup_store))
    return _stored_pdf(page, "ticket", application_id, ticket_print_source(body))


@console_page("/console/applications/{application_id}/result.pdf", roles=("operator", "official"))
def result_pdf(page: Page, application_id: str) -> Response:
    """The signed result's notice, to print for the applicant: `signed_result` (who may see it, as the API's result
    route), then the PDF the decisions worker rendered (a self-refreshing page while it renders)."""
    from chalicelib.services.results import signed_result

    deps = container()
    signed_result(deps.repo, deps.results, application_id, page.staff.caller)
    return _stored_pdf(page, "result", application_id)


def _stored_pdf(page: Page, document: str, application_id: str, source: dict[str, Any] | None = None) -> Response:
    from chalicelib.services.printing import RETRY_AFTER_SECONDS, DocumentRendering, stored_pdf

    try:
        pdf = stored_pdf(document, application_id, page.language, container().printing(), source)
    except DocumentRendering:
        response = page.html("rendering.html", 503, retry_after=RETRY_AFTER_SECONDS)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return Response(
        body=pdf,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="{document}-{application_id}.pdf"',
        },
    )


def _first(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


# --- the official's desk ---------------------------------------------------------------------------------------


@console_page("/console/applications/{application_id}/documents/{document_id}/review", ("POST",), roles=("official",))
def review(page: Page, application_id: str, document_id: str) -> Response:
    from chalicelib.console import views

    form = {k: v[0] for k, v in page.form().items() if v}
    try:
        views.review(page.staff.caller, application_id, document_id, form)
    except ValidationFailed as exc:
        context = views.case_page(
            page.staff.caller, application_id, page.language, review_form=(document_id, form, exc.errors)
        )
        page.document_urls = tuple(d["url"] for d in context["documents"] if d.get("url"))
        return page.html("case.html", 422, here=f"/console/applications/{application_id}", **context)
    return redirect(f"/console/applications/{application_id}#documents-h")


@console_page("/console/applications/{application_id}/draft", ("POST",), roles=("official",))
def draft(page: Page, application_id: str) -> Response:
    """The draft decision made now (`draft_decision`), then the case page showing it with the signing button (a
    redirect: reloading or switching the language does not make another draft); or the facts still missing."""
    from chalicelib.console import views

    made = views.draft(page.staff.caller, application_id, page.language)
    if made.get("draft_id"):
        return redirect(f"/console/applications/{application_id}?{urlencode({'draft': made['draft_id']})}#draft-h")
    context = views.case_page(page.staff.caller, application_id, page.language, draft_made=made)
    page.document_urls = tuple(d["url"] for d in context["documents"] if d.get("url"))
    return page.html("case.html", 409, here=f"/console/applications/{application_id}", **context)


@console_page("/console/applications/{application_id}/decision", ("POST",), roles=("official",))
def decision(page: Page, application_id: str) -> Response:
    """The page's script posts `{"draft_id", "signed_xml"}` (NCALayer's signature over the draft) with the CSRF token
    in `X-CSRF-Token`; the answer is JSON: where to go next, or the refusal's code and text."""
    from chalicelib.console import views
    from chalicelib.entrypoints.http import parse_json_object
    from chalicelib.entrypoints.problems import json_response

    try:
        body = parse_json_object(page.request)
        status = views.sign(page.staff.caller, application_id, body)
    except DomainError as exc:
        return json_response({"code": exc.code, "message": _message(exc, page.language)}, exc.status)
    logger.info("console decision signed", extra={"application_id": application_id, "status": status})
    return json_response({"status": status, "location": f"/console/applications/{application_id}"})

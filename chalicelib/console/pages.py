"""Rendering console pages: the Jinja2 environment (autoescaped), the texts in kk/ru/en
(`chalicelib/data/texts/console.json`), and the headers every page carries (a strict Content-Security-Policy,
no framing, no caching, no referrer)."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chalicelib.data import load_json
from chalicelib.domain.local_time import ALMATY

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LANGUAGES = ("kk", "ru", "en")
HTML = "text/html; charset=utf-8"
LOCAL_TZ = ALMATY  # the pinned tzdata zone, never the host's (domain/local_time.py)


@cache
def _environment() -> Any:
    from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

    # An optional key a template reads that a view does not carry renders empty: a clerk never gets a 500 for it.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = day
    env.filters["moment"] = moment
    return env


def day(value: Any) -> str:
    """A date (or an ISO date or instant) as the offices write it: 24.11.2026; nothing as a dash."""
    if not value:  # None, "", or a key the view does not carry
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    return str(value.strftime("%d.%m.%Y"))


def moment(value: Any) -> str:
    """An instant in Almaty time: 24.11.2026 09:05."""
    if not value:  # None, "", or a key the view does not carry
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo:
        value = value.astimezone(LOCAL_TZ)
    return str(value.strftime("%d.%m.%Y %H:%M"))


def texts(language: str) -> Texts:
    return Texts(language)


class Texts:
    """`t("queue.title")`: the text in the page's language (then Russian, then the key itself: a missing text is
    visible, never an error)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._all: dict[str, dict[str, str]] = load_json("texts/console.json")["texts"]

    def __call__(self, key: str, **values: Any) -> str:
        entry = self._all.get(key)
        text = (entry.get(self.language) or entry.get("ru") or key) if entry else key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._all


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(ncalayer_url: str = "", document_urls: tuple[str, ...] = ()) -> str:
    """Scripts and styles only from the console itself (no inline script, no eval); connections to the console and
    to NCALayer; documents previewed from their own (pre-signed) origin; no framing of the console."""
    ncalayer = origin_of(ncalayer_url)
    connect = "'self'" + (f" {ncalayer}" if ncalayer else "")
    frames = sorted({o for o in (origin_of(u) for u in document_urls) if o})
    sources = " ".join(frames)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {sources}".strip(),
            f"frame-src {sources}".strip() if frames else "frame-src 'none'",
            f"object-src {sources}".strip() if frames else "object-src 'none'",
            f"connect-src {connect}",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


def security_headers(csp: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Strict-Transport-Security": "max-age=31536000",
    }


def render(template: str, language: str, **context: Any) -> str:
    return str(_environment().get_template(template).render(t=texts(language), lang=language, **context))

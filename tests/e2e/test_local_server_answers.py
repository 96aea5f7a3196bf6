"""What the local stack's servers answer themselves is a problem document too (API.md: every error is one)."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.conftest import ROOT, Stack
from tests.support.people import MOTHER


def _raw(stack: Stack, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    parts = urlsplit(stack.base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"null")
    finally:
        connection.close()


def test_a_200_kb_header_is_a_431_problem_not_an_html_page(stack: Stack) -> None:
    status, headers, body = _raw(stack, "GET", "/health", {"X-Big": "a" * 200_000})
    assert status == 431 and headers["Content-Type"].startswith("application/problem+json"), headers
    assert body["code"] == "request.header_too_large"


def test_an_unknown_path_is_a_404_problem_with_or_without_a_token(stack: Stack) -> None:
    for headers in ({}, {"Authorization": "Bearer x"}):
        status, answered, body = _raw(stack, "GET", "/no/such/route", {"Accept-Language": "kk", **headers})
        assert status == 404 and answered["Content-Type"].startswith("application/problem+json")
        assert body["code"] == "request.route_not_found" and answered["Content-Language"] == "kk"


def test_chalices_own_answers_are_problem_documents_over_http(stack: Stack) -> None:
    token = stack.token(MOTHER)
    status, _, body = _raw(
        stack, "POST", "/applications", {"Content-Type": "text/json", "Authorization": f"Bearer {token}"}
    )
    assert (status, body["code"]) == (415, "request.unsupported_media_type")
    status, _, body = _raw(stack, "DELETE", "/services", {})
    assert (status, body["code"]) == (405, "request.method_not_allowed")


def test_a_token_for_an_iin_with_a_bad_check_digit_is_refused_when_minted() -> None:
    minted = subprocess.run(
        [sys.executable, "-m", "local.token", "--iin", "900517443218", "--role", "citizen"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert minted.returncode == 2 and minted.stdout == "" and "iin.checksum" in minted.stderr


def test_the_banner_prints_the_venvs_python_for_the_helper_commands(stack: Stack) -> None:
    line = next(line for line in stack.lines if " -m local.token " in line)
    python = line.split()[1]
    assert python.endswith("python") and (ROOT / python).resolve() == Path(sys.executable).resolve()

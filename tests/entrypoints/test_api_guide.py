"""docs/api.md is kept true against the OpenAPI document the API serves: every route has its section with the same
answers and a curl example, and the guide names no route the API does not have. A route added without its section
in the guide fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S*)$", re.MULTILINE)


def _sections() -> dict[tuple[str, str], str]:
    text = GUIDE.read_text(encoding="utf-8")
    found = list(SECTION.finditer(text))
    sections = {}
    for n, match in enumerate(found):
        end = found[n + 1].start() if n + 1 < len(found) else len(text)
        end = min(end, text.find("\n## ", match.end()) if text.find("\n## ", match.end()) != -1 else end)
        sections[(match.group(1), match.group(2))] = text[match.end() : end]
    return sections


def _served(api: Any) -> dict[tuple[str, str], list[int]]:
    document = api.http.get("/openapi.json").json_body
    return {
        (method.upper(), path): sorted(int(status) for status in operation["responses"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def test_every_served_route_has_its_section_and_no_section_is_stale(api: Any) -> None:
    served, sections = _served(api), _sections()
    missing = sorted(set(served) - set(sections))
    stale = sorted(set(sections) - set(served))
    assert not missing, f"docs/api.md has no section for {missing}: add one (see the others)"
    assert not stale, f"docs/api.md documents routes the API does not serve: {stale}"


def test_each_section_lists_the_answers_the_openapi_document_gives(api: Any) -> None:
    for (method, path), statuses in _served(api).items():
        section = _sections()[(method, path)]
        answers = re.search(r"^Answers: ([0-9, ]+)$", section, re.MULTILINE)
        assert answers, f"{method} {path}: no `Answers:` line"
        assert sorted(int(s) for s in answers.group(1).split(",")) == statuses, (method, path)


def test_each_section_has_a_curl_example_of_its_route(api: Any) -> None:
    for method, path in _served(api):
        section = _sections()[(method, path)]
        example = re.escape(path)
        example = re.sub(r"\\\{\w+\\\}", r"[^/\\s\"?]+", example)  # a placeholder or a value for each parameter
        pattern = rf"curl[^\n]*(?:\n\s[^\n]*)*\$API{example}(?:[\s?\"]|$)"
        assert re.search(pattern, section), f"{method} {path}: no curl example of the route"
        if method != "GET":
            assert f"-X {method}" in section, f"{method} {path}: the example does not send {method}"


def test_the_guide_shows_an_upload_an_in_person_filing_and_a_verification() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert '"accepted_by"' in text and '-F "file=@' in text and "/results/verify" in text

"""The review form of a document: its fields made from the answer shape of the registry the document stands for
(chalicelib/data/registries.json `answer`), and the facts read back from the submitted form in that shape.

The form only shapes the input (a yes/no choice for `bool`, a list of the listed values, a date picker for `date`,
digits for `int`); whether the facts are right is decided by the same check the API applies
(`review_document` -> `validate_facts`), whose errors name the fields (`facts.birth_date`, `facts.incomes[0].amount`)
and are shown beside them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LIST_ROWS = 3
_WORD = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class FactField:
    """One input: `path` is the facts path the API's errors use (`birth_date`, `incomes[0].amount`, `x.court`)."""

    path: str
    name: str
    group: str | None
    row: int | None
    input: str  # text | date | month | number | select
    options: tuple[tuple[str, str], ...]
    required: bool
    hint: str


def _alternatives(description: str) -> list[str]:
    head = description.split(" (", maxsplit=1)[0].strip()
    if head.startswith("{") or "{" in head:
        return [part.strip() for part in re.split(r"\|(?![^{]*})", head)]
    return [part.strip() for part in head.split("|")]


def _scalar(path: str, name: str, description: str, group: str | None, row: int | None) -> FactField:
    options = _alternatives(description)
    nullable = "null" in options
    values = [o for o in options if o != "null"]
    first = values[0].split(" ")[0] if values else "string"
    if values and len(values) > 1 and all(_WORD.match(v) for v in values) and "..." not in description:
        return FactField(path, name, group, row, "select", tuple((v, v) for v in values), not nullable, "")
    kind = {"bool": "select", "date": "date", "YYYY-MM": "month", "int": "number"}.get(first, "text")
    choices: tuple[tuple[str, str], ...] = (("true", "yes"), ("false", "no")) if first == "bool" else ()
    hint = "" if kind != "text" or first == "string" else description
    return FactField(path, name, group, row, kind, choices, not nullable, hint)


def fields_for(shape: Mapping[str, Any], rows: int = LIST_ROWS) -> list[FactField]:
    """The inputs of an answer shape, in its order: a list of objects gets `rows` rows of its fields; an optional
    object such as `null|{date, court}` its named parts."""
    fields: list[FactField] = []
    for name, spec in shape.items():
        if isinstance(spec, list):
            item = spec[0] if spec else "string"
            for row in range(rows):
                if isinstance(item, Mapping):
                    for sub, sub_spec in item.items():
                        fields.append(_scalar(f"{name}[{row}].{sub}", sub, str(sub_spec), name, row))
                else:
                    fields.append(_scalar(f"{name}[{row}]", name, str(item), name, row))
        elif isinstance(spec, str) and "{" in spec:
            parts = next(o for o in _alternatives(spec) if o.startswith("{")).strip("{}").split(",")
            for part in (p.strip() for p in parts):
                fields.append(
                    FactField(f"{name}.{part}", part, name, None, "date" if part == "date" else "text", (), False, "")
                )
        else:
            fields.append(_scalar(name, name, str(spec), None, None))
    return fields


def _value(field: FactField, raw: str) -> Any:
    text = raw.strip()
    if text == "":
        return None
    if field.input == "select" and field.options == (("true", "yes"), ("false", "no")):
        return {"true": True, "false": False}.get(text, text)
    if field.input == "number" and text.isdigit():
        return int(text)
    return text


def facts_from_form(shape: Mapping[str, Any], form: Mapping[str, str], rows: int = LIST_ROWS) -> dict[str, Any]:
    """The facts in the registry's shape from the form's `fact.<path>` values: every field present (an empty one as
    null, for the check to say whether it may be), a list with its empty rows left out."""
    fields = fields_for(shape, rows)
    facts: dict[str, Any] = {}
    for name, spec in shape.items():
        mine = [f for f in fields if name in (f.group, f.path)]
        if isinstance(spec, list):
            items: list[Any] = []
            for row in range(rows):
                cells = [f for f in mine if f.row == row]
                values = {f.name: _value(f, form.get(f"fact.{f.path}", "")) for f in cells}
                if all(v is None for v in values.values()):
                    continue
                items.append(values if isinstance(spec[0] if spec else "", Mapping) else values[name])
            facts[name] = items
        elif isinstance(spec, str) and "{" in spec:
            parts = {f.name: _value(f, form.get(f"fact.{f.path}", "")) for f in mine}
            facts[name] = None if all(v is None for v in parts.values()) else parts
        else:
            facts[name] = _value(mine[0], form.get(f"fact.{name}", ""))
    return facts

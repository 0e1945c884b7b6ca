"""The segment builder's form, both ways: form fields -> definition document, and a document
-> form rows when it is flat enough (one all/any group of conditions, each maybe negated).

Every leaf condition type has its form row (an event with one filter, a sequence with one
filter per step); and/or is the group's combinator and `not` a per-row switch. What the form
cannot hold (nested groups, several filters, `between` dates, minutes) is edited in the
JSON/YAML editor beside the form, and the form says which part that is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LEAF_FIELDS: dict[str, tuple[str, ...]] = {
    "trait": ("property", "op", "value"),
    "event": ("event_type", "occurred", "within_days", "min_count", "max_count",
              "filter_field", "filter_op", "filter_value",
              "agg_fn", "agg_property", "agg_op", "agg_value"),
    "sequence": ("first_event_type", "then_event_type", "within_days", "within_hours",
                 "same_item", "then_occurred", "first_within_days",
                 "first_filter_field", "first_filter_op", "first_filter_value",
                 "then_filter_field", "then_filter_op", "then_filter_value"),
    "consent": ("purpose", "granted"),
    "segment": ("segment_id", "member"),
}
DEFAULTS = {"occurred": "true", "same_item": "false", "then_occurred": "true",
            "granted": "true", "member": "true", "op": "eq", "filter_op": "eq",
            "first_filter_op": "eq", "then_filter_op": "eq", "agg_fn": "", "agg_op": "gte"}
MAX_ROWS = 32


@dataclass
class Row:
    type: str = "trait"
    negate: bool = False
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, DEFAULTS.get(name, ""))


@dataclass
class BuilderForm:
    id: str = ""
    name: str = ""
    description: str = ""
    combine: str = "and"
    rows: list[Row] = field(default_factory=lambda: [Row()])


def fingerprint(doc: Any) -> str:
    """A short digest of a document: which definition a shown preview or save was for."""
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()
                          ).hexdigest()[:16]


def _scalar(text: str) -> Any:
    text = text.strip()
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, bool | int | float) else text


def _int(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # left as typed: validation names the field and the reason


def _bool(text: str) -> bool:
    return text == "true"


def _comparison(op: str, value: str) -> dict[str, Any]:
    if op == "exists":
        return {"op": op}
    if op == "in":
        return {"op": op, "value": [_scalar(v) for v in value.split(",") if v.strip()]}
    return {"op": op, "value": _scalar(value) if op != "contains" else value}


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _filters(row: Row, prefix: str) -> list[dict[str, Any]]:
    """The row's one filter (`<prefix>field/op/value`), when a field is named."""
    name = row.get(prefix + "field").strip()
    if not name:
        return []
    return [{"field": name, **_comparison(row.get(prefix + "op"), row.get(prefix + "value"))}]


def _step(row: Row, prefix: str) -> dict[str, Any]:
    step: dict[str, Any] = {"event_type": row.get(prefix + "event_type").strip()}
    if filters := _filters(row, prefix + "filter_"):
        step["filters"] = filters
    return step


def row_condition(row: Row) -> dict[str, Any]:
    g = row.get
    if row.type == "trait":
        cond = {"type": "trait", "property": g("property").strip(),
                **_comparison(g("op"), g("value"))}
    elif row.type == "event":
        cond = _drop_none({
            "type": "event", "event_type": g("event_type").strip(),
            "occurred": _bool(g("occurred")), "within_days": _int(g("within_days")),
            "min_count": _int(g("min_count")), "max_count": _int(g("max_count"))})
        if filters := _filters(row, "filter_"):
            cond["filters"] = filters
        if g("agg_fn"):
            cond["aggregate"] = {"fn": g("agg_fn"), "property": g("agg_property").strip(),
                                 "op": g("agg_op"), "value": _scalar(g("agg_value"))}
    elif row.type == "sequence":
        within = _drop_none({"days": _int(g("within_days")), "hours": _int(g("within_hours"))})
        cond = _drop_none({
            "type": "sequence", "first": _step(row, "first_"), "then": _step(row, "then_"),
            "within": within,
            "same_item": _bool(g("same_item")), "then_occurred": _bool(g("then_occurred")),
            "first_within_days": _int(g("first_within_days"))})
    elif row.type == "consent":
        cond = {"type": "consent", "purpose": g("purpose").strip(), "granted": _bool(g("granted"))}
    else:
        cond = {"type": "segment", "segment_id": g("segment_id").strip(),
                "member": _bool(g("member"))}
    return {"type": "not", "condition": cond} if row.negate else cond


def form_document(form: BuilderForm) -> dict[str, Any]:
    conditions = [row_condition(r) for r in form.rows]
    condition = (conditions[0] if len(conditions) == 1
                 else {"type": form.combine, "conditions": conditions})
    doc: dict[str, Any] = {"id": form.id.strip(), "name": form.name.strip()}
    if form.description.strip():
        doc["description"] = form.description.strip()
    doc["condition"] = condition
    return doc


def parse_form(data: Mapping[str, Any]) -> BuilderForm:
    """The builder form from posted fields (`c<n>_<field>` per row)."""
    def text(name: str) -> str:
        value = data.get(name, "")
        return value if isinstance(value, str) else ""

    try:
        count = max(1, min(int(text("row_count") or 1), MAX_ROWS))
    except ValueError:
        count = 1
    rows = []
    for n in range(count):
        kind = text(f"c{n}_type") if text(f"c{n}_type") in LEAF_FIELDS else "trait"
        values = {f: text(f"c{n}_{f}") for fields in LEAF_FIELDS.values() for f in fields
                  if f"c{n}_{f}" in data}
        rows.append(Row(kind, text(f"c{n}_negate") == "true", values))
    combine = "or" if text("combine") == "or" else "and"
    return BuilderForm(text("id"), text("name"), text("description"), combine, rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _filter_values(filters: list[dict[str, Any]], prefix: str) -> dict[str, str]:
    return {f"{prefix}{k}": _text(filters[0].get(k)) for k in ("field", "op", "value")
            } if filters else {}


def _leaf_row(cond: dict[str, Any], negate: bool, where: str) -> Row | str:
    """The row for a leaf condition, or why the form cannot show it (`where` names it)."""
    kind = cond.get("type")
    v: dict[str, str] = {}
    if kind == "trait":
        v = {"property": _text(cond.get("property")), "op": _text(cond.get("op")),
             "value": _text(cond.get("value"))}
    elif kind == "event":
        filters = _list(cond.get("filters"))
        if len(filters) > 1:
            return f"{where} has {len(filters)} filters; the form shows one per event"
        if cond.get("between"):
            return f"{where} uses 'between' dates, which the form does not show"
        v = {k: _text(cond.get(k)) for k in ("event_type", "within_days", "min_count",
                                              "max_count")}
        v["occurred"] = _text(cond.get("occurred", True))
        v |= _filter_values(filters, "filter_")
        if agg := cond.get("aggregate"):
            if not isinstance(agg, dict):
                return f"{where} has an aggregate that is not an object"
            v |= {"agg_fn": _text(agg.get("fn")), "agg_property": _text(agg.get("property")),
                  "agg_op": _text(agg.get("op")), "agg_value": _text(agg.get("value"))}
    elif kind == "sequence":
        first, then = _object(cond.get("first")), _object(cond.get("then"))
        within = _object(cond.get("within"))
        for step, name in ((first, "first"), (then, "then")):
            if len(_list(step.get("filters"))) > 1:
                return (f"{where}'s {name} step has {len(step['filters'])} filters; the form "
                        "shows one per step")
        if within.get("minutes"):
            return f"{where} counts its window in minutes, which the form does not show"
        v = {"first_event_type": _text(first.get("event_type")),
             "then_event_type": _text(then.get("event_type")),
             "within_days": _text(within.get("days")),
             "within_hours": _text(within.get("hours")),
             "same_item": _text(cond.get("same_item", False)),
             "then_occurred": _text(cond.get("then_occurred", True)),
             "first_within_days": _text(cond.get("first_within_days")),
             **_filter_values(_list(first.get("filters")), "first_filter_"),
             **_filter_values(_list(then.get("filters")), "then_filter_")}
    elif kind == "consent":
        v = {"purpose": _text(cond.get("purpose")), "granted": _text(cond.get("granted", True))}
    elif kind == "segment":
        v = {"segment_id": _text(cond.get("segment_id")),
             "member": _text(cond.get("member", True))}
    elif kind in ("and", "or", "not"):
        return (f"{where} is a nested '{kind}' group; the form holds one all/any list of "
                "conditions, each possibly negated")
    else:
        return f"{where} has type {_text(kind)!r}, which the form does not know"
    return Row(kind, negate, v)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return [f if isinstance(f, dict) else {} for f in value] if isinstance(value, list) else []


def _row(cond: Any, where: str) -> Row | str:
    if not isinstance(cond, dict):
        return f"{where} is not an object"
    if cond.get("type") == "not":
        inner = cond.get("condition")
        if not isinstance(inner, dict):
            return f"{where} negates something that is not a condition"
        return _leaf_row(inner, True, where)
    return _leaf_row(cond, False, where)


def read_document(doc: Any) -> tuple[BuilderForm | None, str | None]:
    """(the form for a document, None), or (None, what the form cannot show and where)."""
    if not isinstance(doc, dict):
        return None, "the definition is not an object"
    cond = doc.get("condition")
    if not isinstance(cond, dict):
        return None, "the definition has no 'condition' object yet"
    combine, parts = "and", [cond]
    if cond.get("type") in ("and", "or"):
        combine, parts = cond["type"], cond.get("conditions")
        if not isinstance(parts, list) or not parts:
            return None, f"the '{combine}' group has no list of conditions yet"
    if len(parts) > MAX_ROWS:
        return None, f"the definition has {len(parts)} conditions; the form shows {MAX_ROWS}"
    rows = []
    for n, part in enumerate(parts):
        row = _row(part, f"condition {n + 1}" if len(parts) > 1 else "the condition")
        if isinstance(row, str):
            return None, row
        rows.append(row)
    return BuilderForm(_text(doc.get("id")), _text(doc.get("name")),
                       _text(doc.get("description")), combine, rows), None


def document_form(doc: Any) -> BuilderForm | None:
    """The form for a document, or None when the form cannot show it (read_document says
    why)."""
    return read_document(doc)[0]

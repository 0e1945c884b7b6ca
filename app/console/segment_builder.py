"""The segment builder's form, both ways: form fields -> definition document, and a document
-> form rows when it is flat enough (one all/any group of conditions, each maybe negated).

Every leaf condition type has its form row; and/or is the group's combinator and `not` a
per-row switch. Deeper nesting is edited in the JSON/YAML editor beside the form.
"""

from __future__ import annotations

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
                 "same_item", "then_occurred", "first_within_days"),
    "consent": ("purpose", "granted"),
    "segment": ("segment_id", "member"),
}
DEFAULTS = {"occurred": "true", "same_item": "false", "then_occurred": "true",
            "granted": "true", "member": "true", "op": "eq", "filter_op": "eq",
            "agg_fn": "", "agg_op": "gte"}
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
        if g("filter_field").strip():
            cond["filters"] = [{"field": g("filter_field").strip(),
                                **_comparison(g("filter_op"), g("filter_value"))}]
        if g("agg_fn"):
            cond["aggregate"] = {"fn": g("agg_fn"), "property": g("agg_property").strip(),
                                 "op": g("agg_op"), "value": _scalar(g("agg_value"))}
    elif row.type == "sequence":
        within = _drop_none({"days": _int(g("within_days")), "hours": _int(g("within_hours"))})
        cond = _drop_none({
            "type": "sequence", "first": {"event_type": g("first_event_type").strip()},
            "then": {"event_type": g("then_event_type").strip()}, "within": within,
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


def _leaf_row(cond: dict[str, Any], negate: bool) -> Row | None:
    kind = cond.get("type")
    v: dict[str, str] = {}
    if kind == "trait":
        v = {"property": _text(cond.get("property")), "op": _text(cond.get("op")),
             "value": _text(cond.get("value"))}
    elif kind == "event":
        if len(cond.get("filters", [])) > 1 or cond.get("between"):
            return None
        v = {k: _text(cond.get(k)) for k in ("event_type", "within_days", "min_count",
                                              "max_count")}
        v["occurred"] = _text(cond.get("occurred", True))
        for f in cond.get("filters", []):
            v |= {"filter_field": _text(f.get("field")), "filter_op": _text(f.get("op")),
                  "filter_value": _text(f.get("value"))}
        if agg := cond.get("aggregate"):
            v |= {"agg_fn": _text(agg.get("fn")), "agg_property": _text(agg.get("property")),
                  "agg_op": _text(agg.get("op")), "agg_value": _text(agg.get("value"))}
    elif kind == "sequence":
        if cond.get("first", {}).get("filters") or cond.get("then", {}).get("filters") or \
                cond.get("within", {}).get("minutes"):
            return None
        v = {"first_event_type": _text(cond.get("first", {}).get("event_type")),
             "then_event_type": _text(cond.get("then", {}).get("event_type")),
             "within_days": _text(cond.get("within", {}).get("days")),
             "within_hours": _text(cond.get("within", {}).get("hours")),
             "same_item": _text(cond.get("same_item", False)),
             "then_occurred": _text(cond.get("then_occurred", True)),
             "first_within_days": _text(cond.get("first_within_days"))}
    elif kind == "consent":
        v = {"purpose": _text(cond.get("purpose")), "granted": _text(cond.get("granted", True))}
    elif kind == "segment":
        v = {"segment_id": _text(cond.get("segment_id")),
             "member": _text(cond.get("member", True))}
    else:
        return None
    return Row(kind, negate, v)


def _row(cond: Any) -> Row | None:
    if not isinstance(cond, dict):
        return None
    if cond.get("type") == "not":
        inner = cond.get("condition")
        return _leaf_row(inner, True) if isinstance(inner, dict) else None
    return _leaf_row(cond, False)


def document_form(doc: Any) -> BuilderForm | None:
    """The form for a document, or None when it nests deeper than the form shows."""
    if not isinstance(doc, dict) or not isinstance(doc.get("condition"), dict):
        return None
    cond = doc["condition"]
    combine, parts = "and", [cond]
    if cond.get("type") in ("and", "or"):
        combine, parts = cond["type"], cond.get("conditions") or []
    rows = [_row(p) for p in parts]
    if not rows or len(rows) > MAX_ROWS or any(r is None for r in rows):
        return None
    return BuilderForm(_text(doc.get("id")), _text(doc.get("name")),
                       _text(doc.get("description")), combine, [r for r in rows if r])

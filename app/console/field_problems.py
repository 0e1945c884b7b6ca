"""The builder's problems in plain words, placed at the form field they are about.

The published JSON Schema names a problem by a JSON pointer and a validator's message
("'plan' does not match '^(trait_[a-z0-9_]{1,64}|count_...)$'"). Here each pointer that the
form can show is mapped onto its input (`/condition/conditions/1/within_days` -> `c1_within_days`),
and each message is said as the rule it checks ("use trait_<name> for a trait you send, or a
computed one: event_count, ..."). The editor's list keeps the pointer for those who edit JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.segments.identifiers import COMPUTED_TRAITS, ITEM_FIELDS

# What a field must hold, said instead of its pattern.
PATTERN_RULES = {
    "id": "use lowercase letters, digits, '-' and '_', starting with a letter or digit "
          "(at most 64)",
    "segment_id": "a segment id: lowercase letters, digits, '-' and '_'",
    "property": "a trait you send as trait_<name> (e.g. trait_plan), count_<event type>, or "
                "one the service computes: " + ", ".join(sorted(COMPUTED_TRAITS)),
    "event_type": "an event type in snake_case, as stored: product_viewed, order_completed…",
    "field": "p_<property> for a property of the event (e.g. p_revenue), or the item's "
             + ", ".join(sorted(ITEM_FIELDS)),
    "purpose": "a consent purpose: analytics, personalization or marketing",
}
# pointer steps under a condition -> the form's field name
STEPS = {("filters", "field"): "filter_field", ("filters", "op"): "filter_op",
         ("filters", "value"): "filter_value", ("aggregate", "fn"): "agg_fn",
         ("aggregate", "property"): "agg_property", ("aggregate", "op"): "agg_op",
         ("aggregate", "value"): "agg_value", ("within", "days"): "within_days",
         ("within", "hours"): "within_hours", ("within",): "within_days",
         ("first", "event_type"): "first_event_type", ("then", "event_type"): "then_event_type",
         ("first", "filters", "field"): "first_filter_field",
         ("first", "filters", "op"): "first_filter_op",
         ("first", "filters", "value"): "first_filter_value",
         ("then", "filters", "field"): "then_filter_field",
         ("then", "filters", "op"): "then_filter_op",
         ("then", "filters", "value"): "then_filter_value"}
TOP = {"id": "seg-id", "name": "seg-name", "description": "seg-description"}


@dataclass(frozen=True)
class Placed:
    input_id: str | None  # its form input ("c1_within_days"), a row ("c1_") or None
    where: str  # "Id", "Condition 2, within days"
    reason: str  # in plain words
    pointer: str  # the JSON pointer, for the editor


def plain(reason: str, name: str) -> str:
    """A validator's message said as the rule it checks."""
    if re.fullmatch(r"'.*' does not match '.*'", reason, re.S):
        rule = PATTERN_RULES.get(name)
        return f"{rule}" if rule else "not in the expected form"
    if m := re.fullmatch(r"(.*) is less than the minimum of (\S+)", reason):
        return f"at least {m.group(2)} (not {m.group(1)})"
    if m := re.fullmatch(r"(.*) is greater than the maximum of (\S+)", reason):
        return f"at most {m.group(2)} (not {m.group(1)})"
    if reason.endswith("should be non-empty") or reason.endswith("is too short"):
        return "required"
    if m := re.fullmatch(r"'(.*)' is a required property", reason):
        return f"'{m.group(1)}' is required"
    if m := re.fullmatch(r".* is not one of \[(.*)\]", reason, re.S):
        return "one of " + m.group(1).replace("'", "")
    if m := re.fullmatch(r"Additional properties are not allowed \((.*) (was|were) "
                         r"unexpected\)", reason):
        return f"{m.group(1)} {'is' if m.group(2) == 'was' else 'are'} not a field here"
    if m := re.fullmatch(r".* is not of type '(\w+)'", reason):
        kinds = {"integer": "a whole number", "number": "a number", "string": "text",
                 "boolean": "yes or no", "array": "a list", "object": "an object"}
        return kinds.get(m.group(1), m.group(1))
    if reason.endswith("is not valid under any of the given schemas"):
        return "not a value this field takes (a whole number, or left empty)"
    return reason


def place(pointer: str, rows: int | None) -> tuple[str | None, str, str]:
    """(input id or None, where in words, the field's own name) for a JSON pointer, given
    how many rows the form holds (None: the form does not show this definition)."""
    steps = [s for s in pointer.split("/") if s]
    if not steps:
        return None, "the definition", ""
    if steps[0] != "condition":
        name = steps[0]
        return TOP.get(name) if rows is not None else None, name.capitalize(), name
    steps, path = steps[1:], []  # path: the condition's place in each group it is in
    while steps:
        if steps[0] == "conditions" and len(steps) > 1 and steps[1].isdigit():
            path.append(int(steps[1]))
            steps = steps[2:]
        elif steps[0] == "condition":  # inside a negation
            steps = steps[1:]
        else:
            break
    row = path[0] if path else 0
    where = "Condition " + ".".join(str(n + 1) for n in path or [0])
    words = [s for s in steps if not s.isdigit()]
    shown = rows is not None and row < rows and len(path) <= 1
    if not words:  # the condition as a whole: said at the top of its row
        return (f"c{row}_" if shown else None), where, ""
    name = STEPS.get(tuple(words)) or ("_".join(words) if len(words) == 1 else None)
    if not shown or name is None:
        return None, f"{where}, {' '.join(words).replace('_', ' ')}", words[-1]
    return f"c{row}_{name}", f"{where}, {name.replace('_', ' ')}", words[-1]


def placed(issues: list[dict[str, Any]], rows: int | None) -> list[Placed]:
    out = []
    for issue in issues:
        input_id, where, name = place(issue.get("field", ""), rows)
        reason = issue["reason"] if issue.get("source") in ("json", "yaml") else plain(
            issue["reason"], name)
        out.append(Placed(input_id, where, reason, issue.get("field", "")))
    return out


def by_input(problems: list[Placed]) -> dict[str, list[str]]:
    """Each input's problems, for the form."""
    out: dict[str, list[str]] = {}
    for p in problems:
        if p.input_id:
            out.setdefault(p.input_id, []).append(p.reason)
    return out

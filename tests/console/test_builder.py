"""The builder's form <-> document mapping and the editor's checks (pure logic)."""

from __future__ import annotations

import pytest

from app.console.segment_builder import (
    BuilderForm,
    Row,
    document_form,
    form_document,
    parse_form,
)
from app.console.segment_view import check, dump_editor, parse_editor
from app.segments.definition import SegmentDefinition

ROWS = [
    Row("trait", False, {"property": "trait_plan", "op": "in", "value": "pro, team"}),
    Row("event", True, {"event_type": "order_completed", "occurred": "true",
                        "within_days": "30", "min_count": "2", "filter_field": "category",
                        "filter_op": "eq", "filter_value": "shoes", "agg_fn": "sum",
                        "agg_property": "p_revenue", "agg_op": "gte", "agg_value": "100"}),
    Row("sequence", False, {"first_event_type": "product_added",
                            "then_event_type": "order_completed", "within_days": "1",
                            "within_hours": "", "same_item": "false",
                            "then_occurred": "false"}),
    Row("consent", False, {"purpose": "marketing", "granted": "true"}),
    Row("segment", True, {"segment_id": "vip", "member": "true"}),
]


def test_every_condition_type_from_the_form_is_a_valid_definition() -> None:
    doc = form_document(BuilderForm("all-kinds", "All kinds", "", "or", ROWS))
    definition = SegmentDefinition.model_validate(doc)
    kinds = [c["type"] for c in doc["condition"]["conditions"]]
    assert kinds == ["trait", "not", "sequence", "consent", "not"]
    assert doc["condition"]["type"] == "or"
    event = doc["condition"]["conditions"][1]["condition"]
    assert event["aggregate"] == {"fn": "sum", "property": "p_revenue", "op": "gte",
                                  "value": 100}
    assert event["filters"] == [{"field": "category", "op": "eq", "value": "shoes"}]
    assert doc["condition"]["conditions"][0]["value"] == ["pro", "team"]
    assert definition.referenced_segments() == {"vip"}
    assert check(doc) == []


def test_a_flat_document_comes_back_into_the_same_form() -> None:
    form = BuilderForm("all-kinds", "All kinds", "d", "and", ROWS)
    doc = form_document(form)
    again = document_form(doc)
    assert again is not None
    assert form_document(again) == doc


def test_nested_groups_stay_in_the_editor() -> None:
    doc = {"id": "n", "name": "n", "condition": {"type": "and", "conditions": [
        {"type": "or", "conditions": [{"type": "consent", "purpose": "marketing"}]}]}}
    assert document_form(doc) is None
    assert check(doc) == []


def test_posted_fields_make_rows() -> None:
    form = parse_form({"id": "x", "name": "X", "combine": "or", "row_count": "2",
                       "c0_type": "consent", "c0_purpose": "analytics", "c0_granted": "false",
                       "c1_type": "bogus", "c1_negate": "true"})
    assert [r.type for r in form.rows] == ["consent", "trait"]
    assert form.rows[1].negate and form.combine == "or"
    assert form_document(form)["condition"]["conditions"][0] == {
        "type": "consent", "purpose": "analytics", "granted": False}


@pytest.mark.parametrize(("doc", "field", "reason"), [
    ({"id": "x", "name": "x", "condition": {"type": "event", "event_type": "order_completed",
                                            "within_days": 0}},
     "/condition/within_days", "minimum"),
    ({"id": "x", "name": "x", "condition": {"type": "trait", "property": "plan", "op": "eq",
                                            "value": 1}},
     "/condition/property", "does not match"),
    ({"id": "x", "name": "x", "condition": {"type": "event", "event_type": "order_completed",
                                            "within_days": 3, "between": {
                                                "start": "2026-01-01T00:00:00Z",
                                                "end": "2026-02-01T00:00:00Z"}}},
     "/condition", "either 'within_days' or 'between'"),
])
def test_problems_name_the_field(doc: dict, field: str, reason: str) -> None:
    [issue] = check(doc)
    assert issue["field"] == field and reason in issue["reason"]


def test_editor_formats_round_trip() -> None:
    doc = form_document(BuilderForm("y", "Y", "", "and", ROWS[:2]))
    for fmt in ("json", "yaml"):
        parsed, error = parse_editor(dump_editor(doc, fmt), fmt)
        assert error is None and parsed == doc
    assert parse_editor("{not json", "json")[1].startswith("not valid JSON")

"""The builder's form <-> document mapping and the editor's checks (pure logic)."""

from __future__ import annotations

import pytest

from app.console.segment_builder import (
    BuilderForm,
    Row,
    document_form,
    form_document,
    parse_form,
    read_document,
)
from app.console.segment_view import builder_from_editor, check, dump_editor, parse_editor
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


KITCHEN_THEN_BUY = Row("sequence", False, {
    "first_event_type": "product_viewed", "first_filter_field": "category",
    "first_filter_op": "eq", "first_filter_value": "Kitchen",
    "then_event_type": "order_completed", "then_filter_field": "p_revenue",
    "then_filter_op": "gte", "then_filter_value": "20", "within_days": "7"})


def test_sequence_steps_take_a_filter_from_the_form() -> None:
    """'viewed a Kitchen item, then bought (20 or more) within 7 days', from the form."""
    doc = form_document(BuilderForm("kitchen-then-buy", "K", "", "and", [KITCHEN_THEN_BUY]))
    seq = doc["condition"]
    assert seq["first"] == {"event_type": "product_viewed", "filters": [
        {"field": "category", "op": "eq", "value": "Kitchen"}]}
    assert seq["then"] == {"event_type": "order_completed", "filters": [
        {"field": "p_revenue", "op": "gte", "value": 20}]}
    assert seq["within"] == {"days": 7}
    assert check(doc) == []
    again = document_form(doc)
    assert again is not None and form_document(again) == doc
    # no filter typed: the step is the event type alone
    plain = Row("sequence", False, {"first_event_type": "product_added",
                                    "then_event_type": "order_completed", "within_days": "1"})
    assert form_document(BuilderForm("p", "P", "", "and", [plain]))["condition"]["first"] == {
        "event_type": "product_added"}


@pytest.mark.parametrize(("condition", "says"), [
    ({"type": "or", "conditions": [{"type": "and", "conditions": [
        {"type": "consent", "purpose": "marketing"}]}]}, "is a nested 'and' group"),
    ({"type": "sequence", "first": {"event_type": "product_viewed", "filters": [
        {"field": "category", "op": "eq", "value": "a"},
        {"field": "brand", "op": "eq", "value": "b"}]},
      "then": {"event_type": "order_completed"}, "within": {"days": 1}},
     "the condition's first step has 2 filters; the form shows one per step"),
    ({"type": "event", "event_type": "order_completed", "between": {
        "start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}},
     "the condition uses 'between' dates"),
    ({"type": "sequence", "first": {"event_type": "product_viewed"},
      "then": {"event_type": "order_completed"}, "within": {"minutes": 30}},
     "counts its window in minutes"),
])
def test_what_the_form_cannot_show_is_named(condition: dict, says: str) -> None:
    form, note = read_document({"id": "x", "name": "x", "condition": condition})
    assert form is None and note is not None and says in note


def test_a_json_syntax_error_is_not_called_nesting() -> None:
    builder = builder_from_editor('{"id": "x", "name": "x",, }', "json")
    assert builder["form"] is None
    assert "not valid JSON" in builder["form_note"]
    assert builder["issues"][0].reason.startswith("not valid JSON")

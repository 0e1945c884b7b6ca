"""Builder problems in plain words at their form fields (pure logic and the rendered form)."""

from __future__ import annotations

import re

import httpx
import pytest

from app.console.field_problems import place, placed, plain
from app.console.segment_view import builder_from_editor, check
from tests.conftest import ADMIN_KEY
from tests.console.test_console_http import _sign_in, _token


@pytest.mark.parametrize(("pointer", "rows", "expected"), [
    ("/id", 1, ("seg-id", "Id", "id")),
    ("/condition/within_days", 1, ("c0_within_days", "Condition 1, within days",
                                   "within_days")),
    ("/condition/conditions/2/filters/0/field", 3,
     ("c2_filter_field", "Condition 3, filter field", "field")),
    ("/condition/conditions/1/condition/first/filters/0/value", 2,
     ("c1_first_filter_value", "Condition 2, first filter value", "value")),
    ("/condition/within", 1, ("c0_within_days", "Condition 1, within days", "within")),
    ("/condition", 1, ("c0_", "Condition 1", "")),
    # the form does not show the definition: words only
    ("/condition/conditions/0/conditions/1/purpose", None,
     (None, "Condition 1.2, purpose", "purpose")),
])
def test_a_pointer_finds_its_input(pointer: str, rows: int | None, expected: tuple) -> None:
    assert place(pointer, rows) == expected


def test_messages_are_said_as_rules() -> None:
    doc = {"id": "Bad Id", "name": "", "condition": {
        "type": "event", "event_type": "Order Completed", "within_days": 0,
        "filters": [{"field": "colour", "op": "eq", "value": "red"}]}}
    said = {p.where: p.reason for p in placed(check(doc), 1)}
    assert said["Id"].startswith("use lowercase letters, digits")
    assert said["Name"] == "required"
    assert said["Condition 1, event type"].startswith("an event type in snake_case")
    assert said["Condition 1, filter field"].startswith("p_<property> for a property")
    assert said["Condition 1, within days"] == "at least 1 (not 0)"
    assert not any("^" in r or "does not match" in r for r in said.values())
    assert plain("Additional properties are not allowed ('extra' was unexpected)", "") == (
        "'extra' is not a field here")
    assert plain("'between' is not one of ['eq', 'neq']", "op") == "one of eq, neq"


def test_the_builder_places_problems_on_its_fields() -> None:
    builder = builder_from_editor(
        '{"id": "x", "name": "x", "condition": {"type": "and", "conditions": ['
        '{"type": "consent", "purpose": "marketing"},'
        '{"type": "event", "event_type": "order_completed", "within_days": 0}]}}', "json")
    assert builder["field_problems"] == {"c1_within_days": ["at least 1 (not 0)"]}


@pytest.mark.neo4j
async def test_the_rendered_form_shows_each_problem_at_its_field(client: httpx.AsyncClient,
                                                                 graph) -> None:
    await _sign_in(client, ADMIN_KEY)
    token = _token((await client.get("/console/segments")).text, "csrf_token")
    r = await client.post("/console/segments/builder/form", headers={"X-CSRF-Token": token},
                          data={"id": "Bad Id", "name": "N", "row_count": "1",
                                "c0_type": "event", "c0_event_type": "order_completed",
                                "c0_within_days": "0", "combine": "and", "format": "json"})
    page = r.text
    assert re.search(r'<input id="seg-id"[^>]*aria-invalid="true"[^>]*'
                     r'aria-describedby="seg-id-problem"', page)
    assert '<span class="error field-problem" id="seg-id-problem">use lowercase' in page
    assert ('<span class="error field-problem" id="c0_within_days-problem">'
            'at least 1 (not 0)</span>') in page
    assert "<strong>Condition 1, within days</strong>: at least 1 (not 0)" in page
    assert "does not match" not in page

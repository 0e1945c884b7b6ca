"""Rule evaluation: the Python comparisons agree with the segment compiler's Cypher on every
value kind, and reasons say what matched."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from neo4j import AsyncDriver

from app.core.numbers import as_written, observed, readable
from app.decisions.definition import PlacementDefinition
from app.decisions.evaluate import ShopperFacts, decide, evaluate
from app.segments.definition import TraitCondition
from app.segments.predicates import PredicateCompiler

VALUES = {"int": 3, "float": 2.5, "zero": 0, "str": "gold", "empty": "", "true": True,
          "false": False, "list": [1, 2]}
PROBES = [3, 2.5, 0, 1, "gold", "go", "", True, False]


def _conditions() -> list[TraitCondition]:
    out = []
    for op in ("eq", "neq", "gt", "gte", "lt", "lte"):
        for v in PROBES:
            if op in ("gt", "gte", "lt", "lte") and isinstance(v, bool):
                continue
            out.append(TraitCondition(type="trait", property="trait_x", op=op, value=v))
    out += [TraitCondition(type="trait", property="trait_x", op="in", value=[3, "gold", True]),
            TraitCondition(type="trait", property="trait_x", op="contains", value="ol"),
            TraitCondition(type="trait", property="trait_x", op="exists"),
            TraitCondition(type="trait", property="trait_x", op="exists", value=False)]
    return out


async def test_python_and_cypher_agree_on_every_value_kind(graph: AsyncDriver) -> None:
    users = [{"user_id": k, "x": v} for k, v in VALUES.items()] + [{"user_id": "missing"}]
    await graph.execute_query(
        "UNWIND $users AS row CREATE (u:User {user_id: row.user_id}) "
        "SET u.trait_x = row.x", users=users)
    for cond in _conditions():
        compiler = PredicateCompiler("t")
        text = compiler.node(cond)
        records, _, _ = await graph.execute_query(
            f"MATCH (u:User) RETURN u.user_id AS id, {text} AS ok", compiler.params)
        cypher = {r["id"]: r["ok"] for r in records}
        for user in users:
            facts = ShopperFacts(user["user_id"], properties={"trait_x": user["x"]}
                                 if "x" in user else {})
            assert evaluate(cond, facts)[0] == cypher[user["user_id"]], (cond, user)


def test_first_matching_rule_chooses_and_the_trace_reports_all() -> None:
    definition = PlacementDefinition.model_validate({
        "id": "p", "name": "p", "default": "d",
        "variants": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"},
                     {"id": "d", "title": "D"}],
        "rules": [
            {"name": "not gold", "variant": "a", "when": {"type": "not", "condition": {
                "type": "segment", "segment_id": "gold"}}},
            {"name": "any", "variant": "b", "when": {"type": "or", "conditions": [
                {"type": "consent", "purpose": "marketing"},
                {"type": "trait", "property": "order_count", "op": "gte", "value": 2}]}},
        ]})
    gold_buyer = ShopperFacts("u", properties={"order_count": 5}, segments=frozenset({"gold"}))
    choice = decide(definition, gold_buyer, trace=True)
    assert choice.variant == "b"
    assert choice.reason == "rule 2 'any' matched: orders ≥ 2 (5)"
    assert [(t.matched, t.explanation) for t in choice.trace] == [
        (False, "not (member of segment 'gold')"), (True, "orders ≥ 2 (5)")]
    nobody = decide(definition, ShopperFacts("v", segments=frozenset({"gold"})))
    assert (nobody.variant, nobody.rule) == ("d", None)
    assert nobody.trace[1].explanation == ("marketing consent not granted or orders ≥ 2 "
                                           "(no value)")


def test_reasons_print_numbers_as_people_read_them() -> None:
    definition = PlacementDefinition.model_validate({
        "id": "p", "name": "p", "default": "d",
        "variants": [{"id": "b", "title": "B"}, {"id": "d", "title": "D"}],
        "rules": [{"name": "Big spenders", "variant": "b", "when": {
            "type": "trait", "property": "revenue_total", "op": "gte", "value": 1000}}]})
    spender = ShopperFacts("u", properties={"revenue_total": 2017.2000000000003})
    assert decide(definition, spender).reason == (
        "rule 1 'Big spenders' matched: revenue ≥ 1000 (2017.20)")
    whale = ShopperFacts("w", properties={"revenue_total": 123456.0})
    assert decide(definition, whale).reason.endswith("revenue ≥ 1000 (123,456)")


def test_readable_numbers() -> None:
    assert [as_written(v) for v in (9999.999, 0.9996, 1e-05, 12345.5, 1000, 1e20)] == [
        "9999.999", "0.9996", "0.00001", "12,345.5", "1000", "100,000,000,000,000,000,000"]
    assert [readable(v) for v in (1000, 1000.0, 2010, 12345.678, 0.7, 0.0345, 0.00001234,
                                  -3.5, 1e20, 0.0)] == [
        "1000", "1000", "2010", "12,345.68", "0.7", "0.0345", "0.0000123", "-3.50",
        "100,000,000,000,000,000,000", "0"]


def _reason(op: str, threshold: Any, actual: float, prop: str = "revenue_total") -> str:
    definition = PlacementDefinition.model_validate({
        "id": "p", "name": "p", "default": "d",
        "variants": [{"id": "b", "title": "B"}, {"id": "d", "title": "D"}],
        "rules": [{"name": "r", "variant": "b", "when": {
            "type": "trait", "property": prop, "op": op, "value": threshold}}]})
    return decide(definition, ShopperFacts("u", properties={prop: actual}),
                  trace=True).trace[0].explanation


def test_thresholds_read_as_written_and_never_contradict_the_value() -> None:
    # the marketer's threshold as written (grouped from 10,000), not rounded
    assert _reason("lte", 9999.999, 12.5) == "revenue ≤ 9999.999 (12.50)"
    assert _reason("gte", 12345.678, 12.5) == "revenue ≥ 12,345.678 (12.50)"
    assert _reason("gte", 0.9996, 0.5, "pred_purchase_30d") == \
        "predicted purchase probability (30 days) ≥ 0.9996 (0.5)"
    assert _reason("gte", 0.00001, 0.5, "pred_purchase_30d").endswith("≥ 0.00001 (0.5)")
    # an observed value rounded onto its threshold gets the digits that tell them apart
    assert _reason("lt", 1, 0.9996, "pred_purchase_30d").endswith("< 1 (0.9996)")
    assert _reason("gte", 10000, 9999.9991) == "revenue ≥ 10,000 (9999.999)"
    assert _reason("gt", 10000, 10000.0004) == "revenue > 10,000 (10,000.0004)"
    assert _reason("eq", 2, 2.004) == "revenue is 2 (2.004)"
    assert _reason("in", [1, 2], 2.004).endswith("is one of [1, 2] (2.004)")
    # rounded as before where rounding misleads nobody (grouping follows the rounded text)
    assert _reason("gte", 1000, 9999.9991) == "revenue ≥ 1000 (10,000.00)"
    assert _reason("gte", 0.6, 0.7234, "pred_purchase_30d").endswith("≥ 0.6 (0.723)")


def test_no_rounded_value_reads_on_the_wrong_side_of_its_threshold() -> None:
    """Over many values just around thresholds, the shown value compares with the shown
    threshold as the real ones compare."""
    for threshold in (1, 0.9996, 9999.999, 10000, 0.6, 2017.2, 0.00001):
        for delta in (-1e-3, -1e-4, -1e-5, -1e-7, 0.0, 1e-7, 1e-5, 1e-4, 1e-3):
            value = threshold + delta
            shown = Decimal(observed(value, [threshold]).replace(",", ""))
            written = Decimal(as_written(threshold).replace(",", ""))
            assert (shown > written) - (shown < written) == \
                (value > threshold) - (value < threshold), (value, threshold)
            assert written == Decimal(repr(float(threshold))), threshold

"""Rule evaluation: the Python comparisons agree with the segment compiler's Cypher on every
value kind, and reasons say what matched."""

from __future__ import annotations

from neo4j import AsyncDriver

from app.core.numbers import readable
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
    assert [readable(v) for v in (1000, 1000.0, 2010, 12345.678, 0.7, 0.0345, 0.00001234,
                                  -3.5, 1e20, 0.0)] == [
        "1000", "1000", "2010", "12,345.68", "0.7", "0.0345", "0.0000123", "-3.50",
        "100,000,000,000,000,000,000", "0"]

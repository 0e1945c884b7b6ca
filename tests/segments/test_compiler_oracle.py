"""Property tests: the compiled Cypher on the real Neo4j returns exactly the oracle's members."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from neo4j import AsyncDriver

from app.segments.compiler import compile_condition
from tests.conftest import wipe_data
from tests.segments.dataset import NOW, Dataset, write_dataset, write_memberships
from tests.segments.oracle import Oracle
from tests.segments.strategies import BASE_SEGMENTS, conditions, datasets, leaf_of, parse

SETTINGS = settings(max_examples=40, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


async def _members(driver: AsyncDriver, cypher: str, params: dict[str, Any]) -> set[str]:
    records, _, _ = await driver.execute_query(cypher, params, database_="neo4j")
    return {r["user_id"] for r in records}


async def _load(driver: AsyncDriver, data: Dataset) -> None:
    await wipe_data(driver, "neo4j")
    await write_dataset(driver, data)


async def _check(driver: AsyncDriver, data: Dataset, cond: dict[str, Any]) -> None:
    await _load(driver, data)
    parsed = parse(cond)
    compiled = compile_condition(parsed)
    expected = Oracle(data, NOW).members(parsed)
    assert await _members(driver, compiled.cypher, compiled.parameters(NOW)) == expected
    some = sorted(u.user_id for u in data.users)[::2]
    assert await _members(driver, compiled.cypher_for_users,
                          compiled.parameters(NOW, user_ids=some)) == expected & set(some)


@SETTINGS
@given(data=datasets(), cond=conditions())
async def test_condition_trees_match_oracle(graph: AsyncDriver, data: Dataset,
                                            cond: dict[str, Any]) -> None:
    await _check(graph, data, cond)


@SETTINGS
@given(data=datasets(), cond=leaf_of("event"))
async def test_event_conditions_match_oracle(graph: AsyncDriver, data: Dataset,
                                             cond: dict[str, Any]) -> None:
    await _check(graph, data, cond)


@SETTINGS
@given(data=datasets(), cond=leaf_of("sequence"))
async def test_sequence_conditions_match_oracle(graph: AsyncDriver, data: Dataset,
                                                cond: dict[str, Any]) -> None:
    await _check(graph, data, cond)


@SETTINGS
@given(data=datasets(), cond=conditions(with_segments=True), bases=conditions())
async def test_segment_references_use_materialized_membership(
        graph: AsyncDriver, data: Dataset, cond: dict[str, Any], bases: dict[str, Any]) -> None:
    await _load(graph, data)
    oracle = Oracle(data, NOW)
    base_a = oracle.members(parse(bases))
    memberships = {BASE_SEGMENTS[0]: base_a,
                   BASE_SEGMENTS[1]: {u.user_id for u in data.users} - base_a}
    await write_memberships(graph, memberships)
    parsed = parse(cond)
    compiled = compile_condition(parsed, prefix="s1_")
    expected = Oracle(data, NOW, memberships).members(parsed)
    assert await _members(graph, compiled.cypher, compiled.parameters(NOW)) == expected

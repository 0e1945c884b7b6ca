"""A segment a placement's rule, an experiment's audience or a destination's subscription names
cannot be deleted (409 naming who refers to it); once they no longer name it, it can. The
check and the saves that could race it lock the segment in the graph, so neither slips
between the other's check and its write."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.decisions.definition import PlacementDefinition
from app.decisions.evaluate import ShopperFacts, decide
from app.decisions.segment_references import rules_naming
from app.main import create_app
from tests.experiments.conftest import definition

pytestmark = pytest.mark.neo4j

RETAIL = {"id": "retail-last-30d", "name": "Retail, last 30 days", "condition": {
    "type": "trait", "property": "trait_channel", "op": "eq", "value": "retail"}}
SPENDERS = {"id": "retail-big-spenders", "name": "Big spenders", "condition": {
    "type": "trait", "property": "trait_tier", "op": "eq", "value": "big"}}
HOME: dict[str, Any] = {
    "name": "Home banner",
    "variants": [{"id": "premium", "title": "Welcome back"},
                 {"id": "generic", "title": "Bestsellers"}],
    "rules": [
        {"name": "Mobile", "variant": "generic", "when": {
            "type": "context", "field": "device", "op": "eq", "value": "mobile"}},
        # nested: a reference anywhere in a rule's condition counts
        {"name": "Retail shoppers", "variant": "premium", "when": {
            "type": "and", "conditions": [
                {"type": "context", "field": "page", "op": "eq", "value": "/"},
                {"type": "not", "condition": {"type": "segment",
                                              "segment_id": "retail-last-30d"}}]}},
    ],
    "default": "generic",
}
HOOK = {"id": "crm", "name": "CRM", "kind": "webhook", "target": "http://127.0.0.1:9/hook",
        "subscriptions": {"segments": {"ids": ["retail-last-30d", "retail-big-spenders"]}}}


@pytest.fixture
async def c(graph: AsyncDriver, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app over a clean graph, loopback webhook targets allowed (a test destination)."""
    app = create_app(settings.model_copy(update={
        "destination_allow_networks": ["127.0.0.0/8"]}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def _segments(c: httpx.AsyncClient, headers: dict, *bodies: dict) -> None:
    for body in bodies:
        r = await c.post("/v1/segments", json=body, headers=headers)
        assert r.status_code == 201, r.text


async def test_a_segment_a_placement_rule_names_is_not_deleted(
        c: httpx.AsyncClient, admin_headers: dict) -> None:
    await _segments(c, admin_headers, RETAIL)
    r = await c.put("/v1/placements/home_banner", json=HOME, headers=admin_headers)
    assert r.status_code == 200, r.text
    refused = await c.delete("/v1/segments/retail-last-30d", headers=admin_headers)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "segment_in_use"
    assert error["message"] == "placement home_banner refers to 'retail-last-30d'"
    assert error["fields"] == [{"field": "segment_id", "reason":
                                "referred to by placement home_banner (rule 2 'Retail "
                                "shoppers' (/rules/1/when/conditions/1/condition/segment_id))"}]
    # nothing was marked: the segment is whole and the placement still saves against it
    assert (await c.get("/v1/segments/retail-last-30d", headers=admin_headers)
            ).status_code == 200
    assert (await c.put("/v1/placements/home_banner", json=HOME, headers=admin_headers)
            ).status_code == 200

    # only the current version counts: old versions that named it do not hold it
    r = await c.put("/v1/placements/home_banner", json={**HOME, "rules": HOME["rules"][:1]},
                    headers=admin_headers)
    assert r.status_code == 200, r.text
    gone = await c.delete("/v1/segments/retail-last-30d", headers=admin_headers)
    assert (gone.status_code, gone.json()["status"]) == (200, "deleted")
    assert (await c.get("/v1/segments/retail-last-30d", headers=admin_headers)
            ).status_code == 404
    # and a rule may not name it again
    again = await c.put("/v1/placements/home_banner", json=HOME, headers=admin_headers)
    assert again.status_code == 422
    assert again.json()["error"]["fields"][0]["field"] == \
        "/rules/1/when/conditions/1/condition/segment_id"


async def test_a_segment_a_destination_subscribes_to_is_not_deleted(
        c: httpx.AsyncClient, admin_headers: dict) -> None:
    await _segments(c, admin_headers, RETAIL, SPENDERS)
    r = await c.post("/v1/destinations", json=HOOK, headers=admin_headers)
    assert r.status_code == 201, r.text
    refused = await c.delete("/v1/segments/retail-big-spenders", headers=admin_headers)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["message"]) == (
        "segment_in_use", "destination crm refers to 'retail-big-spenders'")
    assert error["fields"] == [{"field": "segment_id", "reason": "referred to by destination "
                                "crm (subscription /subscriptions/segments/ids/1)"}]
    # a paused destination still holds its subscription
    r = await c.patch("/v1/destinations/crm", json={"active": False}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert (await c.delete("/v1/segments/retail-big-spenders", headers=admin_headers)
            ).status_code == 409
    r = await c.patch("/v1/destinations/crm", headers=admin_headers, json={
        "subscriptions": {"segments": {"ids": ["retail-last-30d"]}}})
    assert r.status_code == 200, r.text
    gone = await c.delete("/v1/segments/retail-big-spenders", headers=admin_headers)
    assert (gone.status_code, gone.json()["status"]) == (200, "deleted")
    # "*" names no one segment; deleting the destination frees the other
    r = await c.patch("/v1/destinations/crm", headers=admin_headers, json={
        "subscriptions": {"segments": {"ids": ["*"]}}})
    assert r.status_code == 200, r.text
    assert (await c.delete("/v1/segments/retail-last-30d", headers=admin_headers)
            ).status_code == 200


async def test_several_referrers_are_all_named_and_an_experiment_audience_counts(
        c: httpx.AsyncClient, admin_headers: dict) -> None:
    await _segments(c, admin_headers, RETAIL)
    assert (await c.put("/v1/placements/home_banner", json=HOME, headers=admin_headers)
            ).status_code == 200
    r = await c.post("/v1/destinations", json={**HOOK, "subscriptions": {
        "segments": {"ids": ["retail-last-30d"]}}}, headers=admin_headers)
    assert r.status_code == 201, r.text
    r = await c.post("/v1/experiments", json=definition(
        audience={"segment_id": "retail-last-30d"}), headers=admin_headers)
    assert r.status_code == 201, r.text
    refused = await c.delete("/v1/segments/retail-last-30d", headers=admin_headers)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["message"] == ("placement home_banner, experiment recs-ab, destination crm "
                                "refer to 'retail-last-30d'")
    assert [f["reason"] for f in error["fields"]][1] == \
        "referred to by experiment recs-ab (draft, audience /audience/segment_id)"
    # an archived experiment enrols no one: it no longer holds the segment
    assert (await c.post("/v1/experiments/recs-ab/archive", headers=admin_headers)
            ).status_code == 200
    assert (await c.delete("/v1/placements/home_banner", headers=admin_headers)
            ).status_code == 204
    assert (await c.delete("/v1/destinations/crm", headers=admin_headers)).status_code == 204
    assert (await c.delete("/v1/segments/retail-last-30d", headers=admin_headers)
            ).status_code == 200


async def _blocked(task: asyncio.Task) -> bool:
    await asyncio.sleep(0.7)
    return not task.done()


async def test_a_placement_save_waits_for_a_delete_in_flight_and_is_refused(
        c: httpx.AsyncClient, graph: AsyncDriver, settings: Settings,
        admin_headers: dict) -> None:
    """A DELETE holding the segment's lock (its marking transaction, not yet committed): a
    placement naming the segment passes the early check, then waits on the lock, and is
    refused once the delete commits, instead of saving a rule that never matches."""
    await _segments(c, admin_headers, RETAIL)
    async with graph.session(database=settings.neo4j_database) as session:
        tx = await session.begin_transaction()
        await tx.run("MATCH (s:Segment {segment_id: 'retail-last-30d'}) "
                     "SET s.deleting_at = datetime() REMOVE s.definition")
        put = asyncio.create_task(c.put("/v1/placements/home_banner", json=HOME,
                                        headers=admin_headers))
        assert await _blocked(put)
        await tx.commit()
    r = await put
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == [{
        "field": "/rules/1/when/conditions/1/condition/segment_id",
        "reason": "no segment 'retail-last-30d' exists"}]
    assert (await c.get("/v1/placements/home_banner", headers=admin_headers)
            ).status_code == 404


async def test_a_delete_waits_for_a_placement_save_in_flight_and_is_refused(
        c: httpx.AsyncClient, graph: AsyncDriver, settings: Settings,
        admin_headers: dict) -> None:
    """A placement save holding the segment's lock (as decisions/save_placement after
    segments/lock_segments, not yet committed): the DELETE waits, then sees the placement."""
    await _segments(c, admin_headers, RETAIL)
    async with graph.session(database=settings.neo4j_database) as session:
        tx = await session.begin_transaction()
        await tx.run("MATCH (s:Segment {segment_id: 'retail-last-30d'}) "
                     "SET s._lock = true REMOVE s._lock "
                     "CREATE (:Placement {placement_id: 'home_banner', version: 1, "
                     "name: 'Home banner', definition: $definition})",
                     definition=_stored(HOME))
        delete = asyncio.create_task(c.delete("/v1/segments/retail-last-30d",
                                              headers=admin_headers))
        assert await _blocked(delete)
        await tx.commit()
    r = await delete
    assert r.status_code == 409, r.text
    assert r.json()["error"]["message"] == \
        "placement home_banner refers to 'retail-last-30d'"


def _stored(body: dict) -> str:
    return json.dumps({"id": "home_banner", **body}, separators=(",", ":"))


def test_the_409_counts_rules_as_decision_reasons_do() -> None:
    """The same rule reads `rule 2 'Retail shoppers'` in the 409 and in a decision's reason;
    only the JSON pointer counts from 0."""
    stored = json.dumps({"id": "home_banner", **HOME})
    assert rules_naming(stored, "retail-last-30d") == [
        "rule 2 'Retail shoppers' (/rules/1/when/conditions/1/condition/segment_id)"]
    chosen = decide(PlacementDefinition.model_validate({"id": "home_banner", **HOME}),
                    ShopperFacts("u", context={"page": "/"}))
    assert chosen.reason.startswith("rule 2 'Retail shoppers' matched")
    first = {"name": "Nested", "variant": "premium", "when": {"type": "or", "conditions": [
        {"type": "segment", "segment_id": "retail-last-30d"}]}}
    assert rules_naming(json.dumps({"rules": [first]}), "retail-last-30d") == [
        "rule 1 'Nested' (/rules/0/when/conditions/0/segment_id)"]

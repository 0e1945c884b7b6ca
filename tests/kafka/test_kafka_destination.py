"""A Kafka destination with the real broker: membership changes reach the topic keyed by
profile id, in order per profile, each with its stable id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app
from tests.destinations.conftest import FAST
from tests.destinations.receiver import until
from tests.destinations.shoppers import identify, send
from tests.kafka.conftest import new_topic

pytestmark = pytest.mark.neo4j

PRO = {"id": "pro", "name": "Pro plan",
       "condition": {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}}


@pytest.fixture
async def kclient(graph: AsyncDriver, settings: Settings, kafka_bootstrap: str
                  ) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={**FAST,
                                                 "kafka_bootstrap_servers": kafka_bootstrap}))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def _read(bootstrap: str, topic: str, count: int) -> list:
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    records: list = []
    for _ in range(60):
        records += [r for r in consumer.consume(500, 0.5) if r.error() is None]
        if len(records) >= count:
            break
    consumer.close()
    return records


async def test_membership_changes_reach_the_topic_in_order_per_profile(
        kclient: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        kafka_bootstrap: str) -> None:
    topic = new_topic(kafka_bootstrap)
    assert (await kclient.post("/v1/segments", json=PRO, headers=admin_headers)
            ).status_code == 201
    r = await kclient.post("/v1/destinations", headers=admin_headers, json={
        "id": "stream", "name": "Membership stream", "kind": "kafka", "target": topic,
        "subscriptions": {"segments": {"ids": ["pro"]}}})
    assert r.status_code == 201, r.text
    assert "secret" not in r.json()
    profiles = [f"k{i:02d}" for i in range(20)]
    for plan in ("pro", "free", "pro", "free"):  # enter, exit, enter, exit
        await send(kclient, admin_headers, [identify(p, plan=plan) for p in profiles])

    async def delivered() -> bool:
        records, _, _ = await graph.execute_query(
            "MATCH (x:Delivery {state: 'delivered'}) RETURN count(x) AS n")
        return records[0]["n"] == 80
    await until(delivered, 90)

    records = _read(kafka_bootstrap, topic, 80)
    assert len(records) == 80
    by_key: dict[str, list[str]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    ids = set()
    for record in records:
        body = orjson.loads(record.value())
        key = record.key().decode()
        assert body["data"]["profile_id"] == key and body["data"]["segment_id"] == "pro"
        assert dict(record.headers())["webhook-id"].decode() == body["id"]
        by_key[key].append(body["type"])
        partitions[key].add(record.partition())
        ids.add(body["id"])
    assert len(ids) == 80
    assert by_key == {p: ["segment.entered", "segment.exited"] * 2 for p in profiles}
    assert all(len(p) == 1 for p in partitions.values())  # keyed: one partition per profile

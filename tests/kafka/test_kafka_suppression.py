"""GDPR suppression on the Kafka intake path: a person erased after their messages were
consumed does not come back from the topic (the check runs in the intake transaction, which
the consumer shares with /v1/batch and the importers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.wiring import open_services
from tests.destinations.receiver import until
from tests.kafka.conftest import new_topic

pytestmark = pytest.mark.neo4j

CONSENT = {"consent": {"categoryPreferences": {"Analytics": True, "Personalization": True}}}


def _messages(user: str, anon: str) -> list[dict]:
    now = datetime.now(UTC).isoformat()
    return [
        {"type": "identify", "messageId": str(uuid.uuid4()), "userId": user,
         "anonymousId": anon, "timestamp": now, "traits": {"name": user}, "context": CONSENT},
        {"type": "track", "messageId": str(uuid.uuid4()), "userId": user, "anonymousId": anon,
         "event": "Product Viewed", "timestamp": now, "properties": {"product_id": "sku-1"},
         "context": CONSENT},
        {"type": "track", "messageId": str(uuid.uuid4()), "anonymousId": anon,
         "event": "Product Viewed", "timestamp": now, "properties": {"product_id": "sku-2"},
         "context": CONSENT},
    ]


def _produce(bootstrap: str, topic: str, messages: list[dict]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for m in messages:
        producer.produce(topic, key=m.get("userId") or m["anonymousId"], value=orjson.dumps(m))
    assert producer.flush(30) == 0


async def _count(graph: AsyncDriver, query: str, **params: object) -> int:
    records, _, _ = await graph.execute_query(query, params)
    return records[0]["n"]


async def test_an_erased_person_does_not_come_back_from_the_topic(
        graph: AsyncDriver, settings: Settings, kafka_bootstrap: str) -> None:
    topic, group = new_topic(kafka_bootstrap), f"intake-{uuid.uuid4().hex[:8]}"
    configured = settings.model_copy(update={
        "kafka_bootstrap_servers": kafka_bootstrap, "kafka_intake_topic": topic,
        "kafka_intake_group": group})
    profile = "MATCH (u:User {user_id: $id}) RETURN count(u) AS n"
    async with open_services(configured, driver=graph) as services:
        assert services.kafka_intake is not None
        services.kafka_intake.start()
        try:
            _produce(kafka_bootstrap, topic, _messages("kafka-erased", "kafka-device"))

            async def stored() -> bool:
                return await _count(graph, profile, id="kafka-erased") == 1
            await until(stored, 90)
            await services.users.erase("kafka-erased")

            # re-delivered with new message ids, then someone else after them on the topic
            _produce(kafka_bootstrap, topic, [*_messages("kafka-erased", "kafka-device"),
                                              *_messages("kafka-bystander", "kafka-other")])

            async def bystander_stored() -> bool:
                return await _count(graph, profile, id="kafka-bystander") == 1
            await until(bystander_stored, 90)
        finally:
            await services.kafka_intake.stop()
    assert await _count(graph, profile, id="kafka-erased") == 0
    assert await _count(graph, "MATCH (u:User) WHERE u.user_id CONTAINS 'kafka-device' "
                        "RETURN count(u) AS n") == 0
    assert await _count(graph, "MATCH (e:Event)<-[:PERFORMED]-(u:User {user_id: $id}) "
                        "RETURN count(e) AS n", id="kafka-bystander") == 2

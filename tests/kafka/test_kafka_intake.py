"""The Kafka intake consumer with the real broker: Segment messages produced to the intake
topic are stored exactly once, even when the consumer process is killed between the graph
commit and the offset commit; an invalid record is skipped, not fatal."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.core.paths import PROJECT_ROOT
from app.wiring import open_services
from tests.destinations.receiver import until
from tests.kafka.conftest import new_topic

pytestmark = pytest.mark.neo4j


def _track(i: int) -> dict:
    return {"type": "track", "messageId": f"kafka-{i}", "userId": f"ku{i % 30}",
            "event": "Product Viewed", "timestamp": datetime.now(UTC).isoformat(),
            "properties": {"product_id": f"sku-{i % 7}"},
            "context": {"consent": {"categoryPreferences": {"Analytics": True}}}}


def _produce(bootstrap: str, topic: str) -> None:
    """300 messages: 200 one per record, 100 in batch records of 10, and one bad record."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for i in range(200):
        producer.produce(topic, key=f"ku{i % 30}", value=orjson.dumps(_track(i)))
    producer.produce(topic, key="bad", value=b"{not json")
    for start in range(200, 300, 10):
        batch = {"batch": [_track(i) for i in range(start, start + 10)]}
        producer.produce(topic, key="batch", value=orjson.dumps(batch))
    assert producer.flush(30) == 0


def _committed_all(bootstrap: str, topic: str, group: str) -> bool:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        parts = [TopicPartition(topic, p) for p in range(4)]
        committed = consumer.committed(parts, timeout=10)
        highs = [consumer.get_watermark_offsets(p, timeout=10)[1] for p in parts]
        return all(c.offset == h for c, h in zip(committed, highs, strict=True))
    finally:
        consumer.close()


async def _events(graph: AsyncDriver) -> tuple[int, int]:
    records, _, _ = await graph.execute_query(
        "MATCH (e:Event) WHERE e.event_id STARTS WITH 'kafka-' "
        "RETURN count(e) AS n, count(DISTINCT e.event_id) AS ids")
    return records[0]["n"], records[0]["ids"]


async def test_stored_exactly_once_across_a_kill_before_the_offset_commit(
        graph: AsyncDriver, settings: Settings, kafka_bootstrap: str) -> None:
    topic, group = new_topic(kafka_bootstrap), f"intake-{uuid.uuid4().hex[:8]}"
    _produce(kafka_bootstrap, topic)
    env = {**os.environ, "PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "PROFILEGRAPH_KAFKA_INTAKE_TOPIC": topic, "PROFILEGRAPH_KAFKA_INTAKE_GROUP": group,
           "PYTHONPATH": str(PROJECT_ROOT)}
    crashed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.kafka.crash_consumer", env=env, cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(crashed.communicate(), 120)
    assert crashed.returncode == -9, stderr.decode()[-2000:]
    stored, _ = await _events(graph)
    assert stored > 0  # its graph commit happened ...
    assert not _committed_all(kafka_bootstrap, topic, group)  # ... its offset commit did not

    configured = settings.model_copy(update={
        "kafka_bootstrap_servers": kafka_bootstrap, "kafka_intake_topic": topic,
        "kafka_intake_group": group})
    async with open_services(configured, driver=graph) as services:
        assert services.kafka_intake is not None
        services.kafka_intake.start()  # the restarted consumer reads the same records again

        async def caught_up() -> bool:
            return (await _events(graph))[0] == 300 and _committed_all(
                kafka_bootstrap, topic, group)
        try:
            await until(caught_up, 90)
        finally:
            await services.kafka_intake.stop()
    assert await _events(graph) == (300, 300)  # every message once

"""`/v1/batch` in Kafka mode with the real broker: a batch is answered once the broker
acknowledged it, keyed by profile id (a shopper's messages in order on one partition,
stamped with the receipt time), nothing reaches the graph until the intake consumer applies
it (exactly once, a resent batch deduplicated), the backlog and the apply lag are on
/metrics; invalid batches are refused before anything is queued, erased people are dropped
before the acknowledgement, and a broker that does not answer gets a 503 (nothing acked)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app
from app.wiring import open_services
from tests.destinations.receiver import until
from tests.kafka.conftest import new_topic

pytestmark = pytest.mark.neo4j

CONSENT = {"consent": {"categoryPreferences": {"Analytics": True}}}


def _track(user: str, n: int) -> dict:
    return {"type": "track", "messageId": f"km-{user}-{n}", "userId": user,
            "event": "Product Viewed", "properties": {"product_id": f"sku-{n % 5}"}}


@asynccontextmanager
async def _api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def _kafka_mode(settings: Settings, bootstrap: str, topic: str, group: str) -> Settings:
    # the API process runs no consumer here, so the test sees the topic before it is applied
    return settings.model_copy(update={
        "kafka_bootstrap_servers": bootstrap, "kafka_intake_topic": topic,
        "kafka_intake_group": group, "intake_mode": "kafka", "kafka_intake_consumer": False})


def _records(bootstrap: str, topic: str, expected: int) -> list:
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got: list = []
    try:
        for _ in range(60):
            got += [r for r in consumer.consume(100, 0.5) if r.error() is None]
            if len(got) >= expected:
                break
    finally:
        consumer.close()
    return got


def _metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + " ") or line.startswith(name + "{"))


async def _events(graph: AsyncDriver) -> int:
    records, _, _ = await graph.execute_query(
        "MATCH (e:Event) WHERE e.event_id STARTS WITH 'km-' RETURN count(e) AS n")
    return records[0]["n"]


async def _apply(configured: Settings, graph: AsyncDriver) -> int:
    async with open_services(configured, driver=graph) as services:
        assert services.kafka_intake is not None
        return await services.kafka_intake.run(idle_exit_s=3)


async def test_a_batch_is_acknowledged_by_the_broker_and_applied_by_the_consumer(
        graph: AsyncDriver, settings: Settings, kafka_bootstrap: str,
        admin_headers: dict[str, str]) -> None:
    topic, group = new_topic(kafka_bootstrap), f"intake-{uuid.uuid4().hex[:8]}"
    configured = _kafka_mode(settings, kafka_bootstrap, topic, group)
    users = [f"kb{i}" for i in range(6)]
    batch = [_track(u, n) for n in range(10) for u in users]  # the users interleaved
    async with _api(configured) as client:
        sent_at = datetime.now(UTC)
        r = await client.post("/v1/batch", json={"batch": batch, "context": CONSENT},
                              headers=admin_headers)
        assert r.status_code == 200, r.text
        assert r.json()["queued"] == 60 and r.json()["stored"] is None
        assert await _events(graph) == 0  # acknowledged by the broker, not applied yet

        records = _records(kafka_bootstrap, topic, len(users))
        assert sorted(r.key().decode() for r in records) == users  # one record per profile
        for record in records:
            body = orjson.loads(record.value())
            user = record.key().decode()
            assert [m["messageId"] for m in body["batch"]] == [f"km-{user}-{n}"
                                                               for n in range(10)]
            assert body["context"] == CONSENT  # the batch-level context travels along
            stamped = record.timestamp()[1] / 1000
            assert abs(stamped - sent_at.timestamp()) < 5  # the receipt time

        async def backlog_is(n: int) -> bool:
            text = (await client.get("/metrics")).text
            return _metric(text, "profilegraph_kafka_intake_backlog_messages") == n
        await until(lambda: backlog_is(len(users)), 30, "the backlog on /metrics")
        before = (await client.get("/metrics")).text

        assert await _apply(configured, graph) == 60
        assert await _events(graph) == 60
        await until(lambda: backlog_is(0), 30, "the backlog to drain")
        after = (await client.get("/metrics")).text
        name = "profilegraph_kafka_intake_apply_lag_seconds_count"
        assert _metric(after, name) - _metric(before, name) == len(users)
        assert _metric(after, "profilegraph_kafka_intake_apply_lag_last_seconds") > 0

        # the same batch again (a client's retry): acknowledged, applied as duplicates
        r = await client.post("/v1/batch", json={"batch": batch, "context": CONSENT},
                              headers=admin_headers)
        assert r.status_code == 200 and r.json()["queued"] == 60
        assert await _apply(configured, graph) == 60
        assert await _events(graph) == 60


async def test_invalid_and_suppressed_messages_are_decided_before_the_acknowledgement(
        graph: AsyncDriver, settings: Settings, kafka_bootstrap: str,
        admin_headers: dict[str, str]) -> None:
    topic, group = new_topic(kafka_bootstrap), f"intake-{uuid.uuid4().hex[:8]}"
    configured = _kafka_mode(settings, kafka_bootstrap, topic, group)
    async with open_services(configured, driver=graph) as services:  # an erased person
        from app.intake.intake_service import parse_batch
        now = datetime.now(UTC)
        body = {"batch": [_track("gone", 0)], "context": CONSENT}
        await services.intake.ingest(parse_batch(body, now, 0), now)
    async with _api(configured) as client:
        r = await client.delete("/v1/users/gone", headers=admin_headers)
        assert r.status_code in (200, 202, 204), r.text

        bad = [_track("kb1", 1), {"type": "track", "userId": "kb2"}]  # no event name
        r = await client.post("/v1/batch", json={"batch": bad}, headers=admin_headers)
        assert r.status_code == 422
        assert [f["field"] for f in r.json()["error"]["fields"]] == ["batch.1.event"]

        mixed = [_track("gone", 1), _track("kb3", 1)]
        r = await client.post("/v1/batch", json={"batch": mixed, "context": CONSENT},
                              headers=admin_headers)
        assert r.status_code == 200, r.text
        assert r.json()["queued"] == 1
        assert r.json()["dropped_messages"] == [{"messageId": "km-gone-1",
                                                 "reason": "suppressed"}]
        r = await client.post("/v1/track", json={**_track("kb4", 1), "context": CONSENT},
                              headers=admin_headers)
        assert r.status_code == 200 and r.json()["queued"] == 1

    records = _records(kafka_bootstrap, topic, 2)
    assert sorted(r.key().decode() for r in records) == ["kb3", "kb4"]  # nothing else queued
    assert await _apply(configured, graph) == 2
    records, _, _ = await graph.execute_query(
        "MATCH (e:Event) WHERE e.event_id STARTS WITH 'km-' RETURN e.event_id AS id ORDER BY id")
    assert [r["id"] for r in records] == ["km-kb3-1", "km-kb4-1"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_no_acknowledgement_from_the_broker_is_a_503(
        graph: AsyncDriver, settings: Settings, admin_headers: dict[str, str]) -> None:
    nowhere = f"127.0.0.1:{_free_port()}"  # nothing listens there
    configured = _kafka_mode(settings, nowhere, "intake", "g").model_copy(
        update={"kafka_produce_timeout_s": 1.0})
    async with _api(configured) as client:
        r = await client.post("/v1/batch", json={"batch": [_track("kb1", 1)],
                                                 "context": CONSENT}, headers=admin_headers)
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "1"
        text = (await client.get("/metrics")).text
        assert 'profilegraph_kafka_intake_produced_total{outcome="failed"}' in text

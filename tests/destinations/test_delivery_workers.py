"""The delivery worker's rules over a real Neo4j and a real receiver: two workers (as two API
processes) never send a delivery twice and keep each profile's order; the circuit breaker
stops claiming for a failing target and probes it with one delivery; the backoff grows."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.db.database import Database
from app.db.driver import create_driver
from app.destinations.delivery_repository import DeliveryRepository
from app.destinations.delivery_worker import DeliveryWorker, backoff_ms
from app.destinations.destination_repository import DestinationRepository
from app.destinations.destination_service import DestinationService
from app.destinations.schemas import DestinationIn
from app.destinations.senders import WebhookSender
from app.destinations.target_guard import parse_networks
from app.intake.intake_service import parse_batch
from app.wiring import Services
from tests.destinations.conftest import FAST, LOOPBACK
from tests.destinations.receiver import Receiver, until
from tests.destinations.shoppers import add_to_cart

pytestmark = pytest.mark.neo4j


def test_backoff_doubles_up_to_its_cap() -> None:
    exact = [backoff_ms(a, 2.0, 900.0, jitter=lambda: 1.0) for a in (1, 2, 3, 10, 11, 40)]
    assert exact == [2000, 4000, 8000, 900_000, 900_000, 900_000]
    assert 1600 <= backoff_ms(1, 2.0, 900.0) <= 2400


async def _events_destination(graph: AsyncDriver, settings: Settings, receiver: Receiver
                              ) -> None:
    service = DestinationService(DestinationRepository(Database(graph, settings.neo4j_database)),
                                 settings.model_copy(update={"destination_allow_networks":
                                                             LOOPBACK}))
    created = await service.create(DestinationIn.model_validate({
        "id": "events", "name": "Cart events", "kind": "webhook", "target": receiver.url,
        "subscriptions": {"events": ["Product Added"]}}))
    receiver.secret = created.secret


def _worker(settings: Settings, graph: AsyncDriver, owner: str, **over) -> DeliveryWorker:
    s = settings.model_copy(update={**FAST, **over})
    return DeliveryWorker(DeliveryRepository(Database(graph, s.neo4j_database)),
                          {"webhook": WebhookSender(parse_networks(LOOPBACK), 2.0)}, s,
                          owner=owner)


async def _ingest(services: Services, messages: list[dict]) -> None:
    await services.intake.ingest(parse_batch({"batch": messages}, datetime.now(UTC), 1000))


async def test_two_workers_deliver_each_once_in_each_profiles_order(
        services: Services, graph: AsyncDriver, settings: Settings,
        receiver: Receiver) -> None:
    await _events_destination(graph, settings, receiver)
    other_driver = create_driver(settings)  # the second "process" has its own connections
    workers = [_worker(settings, graph, "process-a"),
               _worker(settings, other_driver, "process-b", delivery_concurrency=3)]
    for w in workers:
        w.start()
    try:
        profiles = [f"p{i:02d}" for i in range(60)]
        for minute in range(5):  # five rounds of events while both workers send
            await _ingest(services, [add_to_cart(p, minutes=minute, sku=f"sku-{minute}")
                                     for p in profiles])
        await receiver.wait_for(300)
        await until(lambda: _all_delivered(graph, 300))
    finally:
        for w in workers:
            await w.stop()
            await w.close()
        await other_driver.close()
    assert receiver.hits == 300 and len(receiver.received) == 300  # no id twice
    arrivals: dict[str, list[str]] = defaultdict(list)
    for _, body in receiver.received:
        assert body["type"] == "event.product_added"
        arrivals[body["data"]["profile_id"]].append(body["data"]["properties"]["product_id"])
    assert arrivals == {p: [f"sku-{m}" for m in range(5)] for p in profiles}
    owners = await _scalar(graph, "MATCH (x:Delivery) WHERE x.lease_owner IS NOT NULL "
                                  "RETURN count(x)")
    assert owners == 0


async def _scalar(graph: AsyncDriver, cypher: str):
    records, _, _ = await graph.execute_query(cypher)
    return records[0][0]


async def _all_delivered(graph: AsyncDriver, n: int) -> bool:
    return await _scalar(graph, "MATCH (x:Delivery {state: 'delivered'}) RETURN count(x)") == n


async def test_the_breaker_opens_and_probes_with_one_delivery(
        services: Services, graph: AsyncDriver, settings: Settings,
        receiver: Receiver) -> None:
    await _events_destination(graph, settings, receiver)
    await _ingest(services, [add_to_cart(f"b{i}") for i in range(10)])
    worker = _worker(settings, graph, "breaker", delivery_breaker_failures=3,
                     delivery_breaker_open_s=1.0)
    receiver.status = 503
    try:
        assert await worker.run_once() == 10  # every profile's first delivery, all failing
        assert receiver.hits == 10
        breaker = await _scalar(graph, "MATCH (d:Destination) RETURN d.failures")
        assert breaker == 10
        assert await worker.run_once() == 0  # open: nothing claimed, no attempt spent
        assert receiver.hits == 10

        async def probed() -> bool:
            return await worker.run_once() > 0
        await until(probed, 10)
        assert receiver.hits == 11  # half-open: one delivery probes the target
        assert await worker.run_once() == 0  # it failed: open again

        receiver.status = 204
        await until(probed, 10)  # the next probe succeeds and closes the breaker
        assert await _scalar(graph, "MATCH (d:Destination) RETURN d.failures") == 0

        async def rest() -> bool:
            await worker.run_once()
            return await _all_delivered(graph, 10)
        await until(rest, 10)
    finally:
        await worker.close()
    assert len(receiver.unique()) == 10

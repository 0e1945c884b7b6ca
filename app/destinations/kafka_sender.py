"""Kafka destinations: each delivery is one record on the destination's topic, keyed by the
profile id (so a profile's changes land on one partition, in order), with the same JSON body
as a webhook and headers `webhook-id` and `type`. The delivery worker already sends a
profile's deliveries one after another and waits for each acknowledgement; the producer is
idempotent (`enable.idempotence`), so a retry inside the client neither duplicates nor
reorders a record.

Client: confluent-kafka (librdkafka). Batching, compression and acknowledgements run in
librdkafka's own threads, off the event loop, which matters on a 2-core machine next to
Neo4j; a thread here polls for delivery reports and resolves the waiting futures.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from app.destinations.delivery_repository import Outcome
from app.destinations.payloads import body

ACK_TIMEOUT_S = 30.0


class KafkaSender:
    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap = bootstrap_servers
        self._producer: Any = None
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()

    def _started(self) -> Any:
        if self._producer is None:
            from confluent_kafka import Producer  # optional: imported when Kafka is used

            self._producer = Producer({
                "bootstrap.servers": self._bootstrap, "enable.idempotence": True,
                "acks": "all", "linger.ms": 5, "compression.type": "lz4",
                "message.timeout.ms": int(ACK_TIMEOUT_S * 1000), "log_level": 3})
            self._poller = threading.Thread(target=self._poll, name="kafka-delivery-reports",
                                            daemon=True)
            self._poller.start()
        return self._producer

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.1)

    async def preflight(self, destination: dict[str, Any]) -> str | None:
        return None

    async def send(self, destination: dict[str, Any], delivery: dict[str, Any]) -> Outcome:
        loop = asyncio.get_running_loop()
        acked: asyncio.Future[Any] = loop.create_future()

        def report(err: Any, _msg: Any) -> None:
            loop.call_soon_threadsafe(lambda: acked.done() or acked.set_result(err))

        delivery_id = delivery["delivery_id"]
        try:
            self._started().produce(
                destination["target"], key=delivery["user_id"].encode(), value=body(delivery),
                headers=[("webhook-id", delivery_id.encode()),
                         ("type", delivery["type"].encode())], on_delivery=report)
            async with asyncio.timeout(ACK_TIMEOUT_S + 5):
                err = await acked
        except (BufferError, TimeoutError) as exc:
            return Outcome(delivery_id, False, error=f"kafka: {type(exc).__name__} {exc}"[:500])
        except Exception as exc:  # KafkaException: unknown topic, broker down, ...
            return Outcome(delivery_id, False, error=f"kafka: {exc}"[:500])
        if err is not None:
            return Outcome(delivery_id, False, error=f"kafka: {err}"[:500])
        return Outcome(delivery_id, True)

    async def close(self) -> None:
        if self._producer is not None:
            await asyncio.to_thread(self._producer.flush, 10)
            self._stop.set()
            if self._poller is not None:
                await asyncio.to_thread(self._poller.join, 5)
            self._producer = None  # librdkafka's instance goes with its last reference

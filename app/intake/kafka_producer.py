"""The producer of `/v1/batch` in Kafka mode: records to the intake topic, each answered
only once the broker acknowledged all of a request's records.

`acks=all` and the idempotent producer (`enable.idempotence`): a record acknowledged is in the
log of every in-sync replica, and librdkafka's own retries neither duplicate nor reorder a
partition's records, so one key's records (one profile's messages) stay in send order.
Delivery reports arrive on a poller thread; one counter per request resolves its future once,
so a request of many records wakes the event loop once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from prometheus_client import Counter, Histogram

KAFKA_PRODUCED = Counter(
    "profilegraph_kafka_intake_produced_total",
    "Messages /v1/batch queued to the intake topic, by outcome (acked, failed)", ["outcome"])
KAFKA_PRODUCE_SECONDS = Histogram(
    "profilegraph_kafka_intake_produce_seconds",
    "From a request's first record produced to the broker's last acknowledgement",
    buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))


class ProduceFailed(Exception):
    """Some record of the request was not acknowledged: the request is not acknowledged."""


class _Acks:
    """Counts a request's delivery reports (poller thread) and resolves its future once."""

    def __init__(self, expected: int, loop: asyncio.AbstractEventLoop) -> None:
        self.future: asyncio.Future[str | None] = loop.create_future()
        self._loop = loop
        self._left = expected
        self._error: str | None = None
        self._lock = threading.Lock()

    def report(self, err: Any, _msg: Any) -> None:
        with self._lock:
            self._left -= 1
            if err is not None and self._error is None:
                self._error = str(err)
            done = self._left == 0
        if done:
            self._loop.call_soon_threadsafe(self._resolve)

    def _resolve(self) -> None:
        if not self.future.done():
            self.future.set_result(self._error)


class IntakeProducer:
    def __init__(self, bootstrap_servers: str, topic: str, timeout_s: float) -> None:
        self._bootstrap = bootstrap_servers
        self.topic = topic
        self._timeout_s = timeout_s
        self._producer: Any = None
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()
        self._start_lock = threading.Lock()

    def _started(self) -> Any:
        with self._start_lock:
            if self._producer is None:
                from confluent_kafka import Producer  # optional: imported when Kafka is used

                self._producer = Producer({
                    "bootstrap.servers": self._bootstrap, "enable.idempotence": True,
                    "acks": "all", "linger.ms": 5, "compression.type": "lz4",
                    "message.timeout.ms": int(self._timeout_s * 1000), "log_level": 3})
                self._poller = threading.Thread(target=self._poll, daemon=True,
                                                name="kafka-intake-reports")
                self._poller.start()
        return self._producer

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)

    async def produce(self, records: list[tuple[bytes, bytes]], timestamp_ms: int,
                      messages: int) -> None:
        """Sends `records` (key, value) stamped with the receipt time; returns once the broker
        acknowledged every one, raises ProduceFailed otherwise (some may still be stored:
        a retry is deduplicated by messageId when applied)."""
        producer = self._started()
        acks = _Acks(len(records), asyncio.get_running_loop())
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            for key, value in records:
                producer.produce(self.topic, key=key, value=value, timestamp=timestamp_ms,
                                 on_delivery=acks.report)
        except Exception as exc:  # BufferError (local queue full), KafkaException
            KAFKA_PRODUCED.labels("failed").inc(messages)
            raise ProduceFailed(f"{type(exc).__name__}: {exc}") from None
        try:
            async with asyncio.timeout(self._timeout_s + 5):
                error = await acks.future
        except TimeoutError:
            error = "no acknowledgement in time"
        if error is not None:
            KAFKA_PRODUCED.labels("failed").inc(messages)
            raise ProduceFailed(error)
        KAFKA_PRODUCED.labels("acked").inc(messages)
        KAFKA_PRODUCE_SECONDS.observe(loop.time() - started)

    async def close(self) -> None:
        if self._producer is not None:
            await asyncio.to_thread(self._producer.flush, self._timeout_s)
            self._stop.set()
            if self._poller is not None:
                await asyncio.to_thread(self._poller.join, 5)
            self._producer = None

"""Intake from a Kafka topic: Segment messages into the same path as `/v1/batch`.

Each record holds one Segment message (`{"type": "track", ...}`) or a batch
(`{"batch": [...]}`), as the HTTP API takes them. A poll of up to
`PROFILEGRAPH_KAFKA_INTAKE_BATCH` records is parsed and written by `IntakeService.ingest`
(suppression, consent, identities, dedup: one transaction), and only
after that commit are the offsets committed. A process killed in between leaves the offsets
where they were: the records are read again and their messageIds make them duplicates, so
every message is stored once (exactly once in effect). A record that is not a valid message
is counted and skipped (it would block its partition forever otherwise); a failed write
rewinds to the poll's first offsets and is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from prometheus_client import Counter, Gauge, Histogram

from app.core.background import cancel_and_wait
from app.core.config import Settings
from app.intake.intake_service import IntakeService
from app.intake.messages import Message, MessageError, parse_message
from app.intake.queued_intake import SHARED

log = logging.getLogger("profilegraph.intake.kafka")
Hook = Callable[[], Awaitable[None]]
RETRY_S = 2.0

KAFKA_INTAKE_MESSAGES = Counter(
    "profilegraph_kafka_intake_messages_total",
    "Messages read from the intake topic, by outcome (stored, duplicate, dropped, invalid)",
    ["outcome"])
KAFKA_INTAKE_LAG = Gauge(
    "profilegraph_kafka_intake_lag_messages",
    "Records on the intake topic not yet applied to the graph (this consumer's partitions)",
    multiprocess_mode="livesum")
KAFKA_INTAKE_APPLY_LAG = Histogram(
    "profilegraph_kafka_intake_apply_lag_seconds",
    "From a record's timestamp (the API's receipt in Kafka mode) to its graph commit",
    buckets=(.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
KAFKA_INTAKE_APPLY_LAG_LAST = Gauge(
    "profilegraph_kafka_intake_apply_lag_last_seconds",
    "The apply lag of the oldest record of the last poll applied",
    multiprocess_mode="mostrecent")
KAFKA_INTAKE_FAILURES = Counter(
    "profilegraph_kafka_intake_failures_total", "Intake polls whose write failed (retried)")


def received_at_of(record: Any, fallback: datetime) -> datetime:
    """The record's timestamp: the API's receipt time for records /v1/batch queued (Kafka
    mode), the producer's send time otherwise; clock-skew correction counts from it."""
    kind, ms = record.timestamp()
    if kind == 0 or ms <= 0:  # TIMESTAMP_NOT_AVAILABLE
        return fallback
    return datetime.fromtimestamp(ms / 1000, UTC)


def messages_of(records: list[Any], received_at: datetime) -> list[Message]:
    """The valid messages of a poll, in record order; the others are counted and logged.
    A batch record's `context` and `sentAt` apply to each of its messages, as on /v1/batch."""
    messages: list[Message] = []
    for record in records:
        where = f"{record.topic()}[{record.partition()}]@{record.offset()}"
        at = received_at_of(record, received_at)
        parsed: list[Message] = []
        try:
            body = orjson.loads(record.value() or b"")
            raws, shared = [body], {}
            if isinstance(body, dict) and "batch" in body:
                raws, shared = body["batch"], {k: body[k] for k in SHARED if k in body}
            if not isinstance(raws, list):
                raise MessageError("batch", "must be an array of messages")
            for raw in raws:
                if shared and isinstance(raw, dict):
                    raw = {**shared, **raw}
                parsed.append(parse_message(raw, len(messages) + len(parsed), at,
                                            prefix=f"{where}."))
        except (orjson.JSONDecodeError, MessageError) as exc:
            KAFKA_INTAKE_MESSAGES.labels("invalid").inc()
            log.warning("skipped an invalid intake record %s: %s", where, exc)
            continue
        messages += parsed  # a record is applied whole or not at all
    return messages


class KafkaIntake:
    def __init__(self, intake: IntakeService, settings: Settings) -> None:
        self._intake = intake
        self._s = settings
        self._task: asyncio.Task[None] | None = None
        # tests: runs after the graph commit, before the offset commit
        self.after_ingest: Hook | None = None

    def _consumer(self) -> Any:
        from confluent_kafka import Consumer  # optional: imported when Kafka is used

        consumer = Consumer({
            "bootstrap.servers": self._s.kafka_bootstrap_servers,
            "group.id": self._s.kafka_intake_group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "isolation.level": "read_committed",
            "log_level": 3})
        consumer.subscribe([self._s.kafka_intake_topic])
        return consumer

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="kafka-intake")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def run(self, idle_exit_s: float | None = None) -> int:
        """Consume until cancelled (or, with `idle_exit_s`, until a poll of that long finds
        nothing: tools and tests). Returns the messages applied."""
        consumer = await asyncio.to_thread(self._consumer)
        applied = 0
        try:
            while True:
                records = await asyncio.to_thread(
                    consumer.consume, self._s.kafka_intake_batch, idle_exit_s or 0.5)
                records = [r for r in records if r.error() is None]
                if not records:
                    await asyncio.to_thread(self._update_lag, consumer)
                    if idle_exit_s is not None:
                        return applied
                    continue
                applied += await self._apply(consumer, records)
        finally:
            # no commit here: what was not applied and committed is read again
            await asyncio.to_thread(consumer.close)

    async def _apply(self, consumer: Any, records: list[Any]) -> int:
        received_at = datetime.now(UTC)
        messages = messages_of(records, received_at)
        size = self._s.kafka_intake_batch
        try:  # one transaction per kafka_intake_batch messages; offsets after the last
            for start in range(0, len(messages), size):
                outcome = await self._intake.ingest(messages[start:start + size], received_at)
                KAFKA_INTAKE_MESSAGES.labels("stored").inc(outcome.stored)
                KAFKA_INTAKE_MESSAGES.labels("duplicate").inc(outcome.duplicates)
                KAFKA_INTAKE_MESSAGES.labels("dropped").inc(len(outcome.dropped))
        except Exception:
            KAFKA_INTAKE_FAILURES.inc()
            log.exception("intake of %d Kafka records failed; retrying", len(records))
            await asyncio.to_thread(self._rewind, consumer, records)
            await asyncio.sleep(RETRY_S)
            return 0
        if self.after_ingest is not None:
            await self.after_ingest()
        committed = datetime.now(UTC)
        oldest = 0.0
        for r in records:
            lag = (committed - received_at_of(r, committed)).total_seconds()
            KAFKA_INTAKE_APPLY_LAG.observe(lag)
            oldest = max(oldest, lag)
        KAFKA_INTAKE_APPLY_LAG_LAST.set(oldest)
        await asyncio.to_thread(consumer.commit, asynchronous=False)
        self._update_lag(consumer, cached=True)
        return len(messages)

    @staticmethod
    def _rewind(consumer: Any, records: list[Any]) -> None:
        from confluent_kafka import TopicPartition

        first: dict[tuple[str, int], int] = {}
        for r in records:
            key = (r.topic(), r.partition())
            first[key] = min(first.get(key, r.offset()), r.offset())
        for (topic, partition), offset in first.items():
            consumer.seek(TopicPartition(topic, partition, offset))

    @staticmethod
    def _update_lag(consumer: Any, cached: bool = False) -> None:
        """Records of this consumer's partitions past its position; after an apply from the
        end offsets its fetches brought (no request), when idle asked of the broker."""
        with contextlib.suppress(Exception):
            lag = 0
            for tp in consumer.position(consumer.assignment()):
                _, high = consumer.get_watermark_offsets(tp, timeout=1, cached=cached)
                lag += max(0, high - tp.offset) if tp.offset >= 0 else high
            KAFKA_INTAKE_LAG.set(lag)

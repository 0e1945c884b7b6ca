"""The intake topic's backlog as every serving process sees it: for the consumer group, the
records on the topic not yet applied (the partitions' end offsets less the group's committed
offsets), whichever process consumes them. Read every few seconds with a client that does not
join the group (no rebalance), in a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from prometheus_client import Gauge

from app.core.config import Settings

log = logging.getLogger("profilegraph.intake.kafka")
KAFKA_INTAKE_BACKLOG = Gauge(
    "profilegraph_kafka_intake_backlog_messages",
    "Records on the intake topic the consumer group has not applied yet (all partitions)",
    multiprocess_mode="mostrecent")


def group_backlog(client: Any, topic: str) -> int:
    from confluent_kafka import TopicPartition

    metadata = client.list_topics(topic, timeout=5).topics[topic]
    if metadata.error is not None:
        return 0  # no topic yet: nothing queued
    parts = [TopicPartition(topic, p) for p in metadata.partitions]
    backlog = 0
    for tp in client.committed(parts, timeout=5):
        low, high = client.get_watermark_offsets(tp, timeout=5, cached=False)
        backlog += max(0, high - (tp.offset if tp.offset >= 0 else low))
    return backlog


async def watch_backlog(settings: Settings, interval_s: float = 2.0) -> None:
    from confluent_kafka import Consumer  # optional: imported when Kafka is used

    client = await asyncio.to_thread(Consumer, {
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "group.id": settings.kafka_intake_group, "enable.auto.commit": False,
        "log_level": 3})
    try:
        while True:
            try:
                KAFKA_INTAKE_BACKLOG.set(await asyncio.to_thread(
                    group_backlog, client, settings.kafka_intake_topic))
            except Exception as exc:  # broker away: keep the last value, try again
                log.debug("intake backlog not read: %s", exc)
            await asyncio.sleep(interval_s)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(client.close)

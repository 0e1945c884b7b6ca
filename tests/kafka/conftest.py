"""A real Kafka broker for the Kafka tests: the one answering on PROFILEGRAPH_KAFKA_PORT
(9092), else the project's own (`profilegraph kafka start`, KRaft, jars from Maven Central;
data in .cache/kafka/test-server), started here and stopped afterwards.
PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS points the tests at a broker elsewhere. Outside CI the
tests are skipped, with the reason, when no broker can be started (no Java or Maven, or Maven
Central unreachable); under CI (`CI` set) that fails them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.paths import CACHE_DIR
from app.ops import kafka_server
from app.ops.java import JavaError


@pytest.fixture(scope="session")
def kafka_bootstrap(settings: Settings) -> Iterator[str]:
    external = os.environ.get("PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    home = os.environ.get("PROFILEGRAPH_KAFKA_HOME")
    broker = settings.model_copy(update={
        "kafka_home": Path(home) if home else CACHE_DIR / "kafka" / "test-server"})
    # a broker already answering on the port (e.g. started by .ci/run) is used as it is
    started_here = not kafka_server.port_answers(broker.kafka_port)
    if started_here:
        try:
            kafka_server.start(broker)
        except (kafka_server.KafkaServerError, JavaError, OSError) as exc:
            if os.environ.get("CI"):  # CI can start one: failing to is a defect, not a skip
                pytest.fail(f"the Kafka broker could not be started: {exc}")
            pytest.skip(f"the Kafka broker could not be started: {exc}")
    yield f"127.0.0.1:{broker.kafka_port}"
    if started_here:
        kafka_server.stop(broker)


def new_topic(bootstrap: str, partitions: int = 4) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic

    name = f"test-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(timeout=30)
    return name

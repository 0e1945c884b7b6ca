"""A consumer process that dies (SIGKILL) right after its first graph commit, before the
offset commit: run by tests/kafka/test_kafka_intake.py as `python -m tests.kafka.crash_consumer`
with the Kafka and Neo4j settings in the environment."""

from __future__ import annotations

import asyncio
import os
import signal

from app.core.config import Settings
from app.wiring import open_services


async def main() -> None:
    async with open_services(Settings()) as services:
        intake = services.kafka_intake
        assert intake is not None, "PROFILEGRAPH_KAFKA_* not set"

        async def die() -> None:
            os.kill(os.getpid(), signal.SIGKILL)

        intake.after_ingest = die
        await intake.run(idle_exit_s=30)


if __name__ == "__main__":
    asyncio.run(main())

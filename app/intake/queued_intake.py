"""`/v1/batch` in Kafka mode (PROFILEGRAPH_INTAKE_MODE=kafka): validate, check the
suppression list, produce to the intake topic, answer once the broker acknowledged.

What can be decided before the acknowledgement is: the body and every message are validated
(field-named 422/413, as in direct mode: a batch with one invalid message is refused whole),
and messages naming an erased person are dropped and reported as `suppressed` (a read of the
suppression list in the graph, so every API process agrees). What needs the profile
(consent, identity merges, messageId dedup) is decided by the intake consumer, in the
transaction that applies the records (app/intake/kafka_consumer.py), which checks the
suppression list again (an erasure may land in between).

Records are keyed by the profile id the message names (userId, else anonymousId), so one
shopper's messages land on one partition and are applied in the order they were accepted;
a request's messages for one key go in one record (`{"batch": [...]}`, with the request's
batch-level `context`/`sentAt`), stamped with the receipt time (the consumer's clock-skew
correction and the apply lag use it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from app.core.errors import ApiError
from app.db.database import Database
from app.db.queries import queries
from app.intake.kafka_producer import IntakeProducer, ProduceFailed
from app.intake.messages import Message
from app.intake.suppression import REASON as SUPPRESSED
from app.intake.suppression import Suppression

SHARED = ("context", "sentAt")


def records_of(messages: list[Message], raws: list[dict[str, Any]],
               shared: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """One record per profile key, its messages in request order."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for m in messages:
        key = m.user_id or m.anonymous_id or ""
        by_key.setdefault(key, []).append(raws[m.index])
    return [(key.encode(), orjson.dumps({**shared, "batch": batch}))
            for key, batch in by_key.items()]


class QueuedIntake:
    def __init__(self, database: Database, producer: IntakeProducer) -> None:
        self._db = database
        self._producer = producer

    async def accept(self, messages: list[Message], raws: list[dict[str, Any]],
                     shared: dict[str, Any], received_at: datetime) -> dict[str, Any]:
        """`raws[m.index]` is message m as sent (before batch-level fields)."""
        suppression = Suppression(messages)
        # one round trip (auto-commit): a managed transaction's extra ones cost the API
        # a fifth of its event loop per batch accepted
        rows = await self._db.fast_read(queries["intake/find_erased"],
                                        {"hashes": suppression.hashes})
        kept, erased = suppression.split(messages, set(rows[0]["erased"]) if rows else set())
        if kept:
            try:
                await self._producer.produce(records_of(kept, raws, shared),
                                             int(received_at.timestamp() * 1000), len(kept))
            except ProduceFailed as exc:
                raise ApiError(503, "queue_unavailable", "The intake queue did not acknowledge "
                               f"the batch ({exc}); nothing is acknowledged. Retry.",
                               headers={"Retry-After": "1"}) from None
        dropped = [{"messageId": m.message_id, "reason": SUPPRESSED} for m in erased]
        return {"success": True, "queued": len(kept), "stored": None, "duplicates": None,
                "dropped": len(dropped),
                "dropped_reasons": {SUPPRESSED: len(dropped)} if dropped else {},
                "dropped_messages": dropped}

    async def close(self) -> None:
        await self._producer.close()

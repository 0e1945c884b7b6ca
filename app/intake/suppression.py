"""The suppression list: identities of erased people, whose later messages are dropped.

As Segment's "suppress and delete": erasing a profile records the SHA-256 of each of its
identities (`user_id:<id>`, `anonymous_id:<id>`, `email_sha256:<hash>`, ...) as an
(:ErasedIdentity) node; a message naming any of them is not stored and is counted in the
batch report as `suppressed`. Only hashes are kept, never the ids.

The list is held in memory and re-read from the graph at most every REFRESH_S seconds; an
erasure on this replica applies at once, one on another replica within REFRESH_S.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from app.db.database import Database
from app.db.queries import queries
from app.intake.intake_service import BatchOutcome, IntakeService
from app.intake.messages import Message

REFRESH_S = 5.0
REASON = "suppressed"
ANON_PREFIX = "anon:"


def identity_hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "replace")).hexdigest()


def message_hashes(m: Message) -> list[str]:
    keys: list[tuple[str, str]] = list(m.identities)
    for value in (m.user_id, m.previous_id):
        if value:
            keys += [("user_id", value), ("anonymous_id", value)]
    if m.anonymous_id:
        keys.append(("anonymous_id", m.anonymous_id))
    return [identity_hash(k, v) for k, v in keys]


def profile_hashes(user_ids: Iterable[str], identities: Iterable[dict[str, Any]]) -> list[str]:
    """Hashes for an erased profile: its ids (and merged-in ones) and its identities."""
    keys: set[tuple[str, str]] = set()
    for user_id in user_ids:
        if user_id.startswith(ANON_PREFIX):
            keys.add(("anonymous_id", user_id.removeprefix(ANON_PREFIX)))
        else:
            keys.add(("user_id", user_id))
    keys |= {(str(i["kind"]), str(i["value"])) for i in identities if i.get("kind")}
    return sorted(identity_hash(k, v) for k, v in keys)


class SuppressionList:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._hashes: set[str] = set()
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _current(self) -> set[str]:
        if time.monotonic() - self._loaded_at < REFRESH_S:
            return self._hashes
        async with self._lock:
            if time.monotonic() - self._loaded_at >= REFRESH_S:
                rows = await self._database.read(queries["suppression/list_erased_identities"])
                self._hashes = set(rows[0]["hashes"]) if rows else set()
                self._loaded_at = time.monotonic()
        return self._hashes

    async def split(self, messages: list[Message]) -> tuple[list[Message], list[Message]]:
        """(messages to ingest, messages of erased people)."""
        erased = await self._current()
        if not erased:
            return messages, []
        kept, dropped = [], []
        for m in messages:
            (dropped if erased.intersection(message_hashes(m)) else kept).append(m)
        return kept, dropped

    def remember(self, hashes: list[str]) -> None:
        """Hashes just written to the graph (by the erasure's own transaction)."""
        self._hashes |= set(hashes)


async def ingest_unless_suppressed(intake: IntakeService, suppression: SuppressionList,
                                   messages: list[Message], received_at: datetime
                                   ) -> BatchOutcome:
    """Messages of erased people are dropped (and reported); the rest are written."""
    kept, erased = await suppression.split(messages)
    outcome = await intake.ingest(kept, received_at) if kept else BatchOutcome(0, 0, [])
    if not erased:
        return outcome
    return BatchOutcome(outcome.stored, outcome.duplicates,
                        [*outcome.dropped, *((m.message_id, REASON) for m in erased)],
                        outcome.events)

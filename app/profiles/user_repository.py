"""Cypher for reading, exporting and erasing one user profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from neo4j import AsyncManagedTransaction

from app.db.database import Database
from app.db.queries import queries
from app.db.values import native
from app.intake.suppression import identity_hash, profile_hashes


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return [native(row) for row in await self._db.read(queries[name], params)]

    async def resolve(self, id_: str) -> str | None:
        rows = await self._read("users/resolve_user", id=id_)
        return rows[0]["user_id"] if rows else None

    async def profile(self, user_id: str) -> dict[str, Any] | None:
        rows = await self._read("users/get_profile", user_id=user_id)
        return rows[0] if rows else None

    async def events(self, user_id: str, *, type_: str | None, since: datetime | None,
                     until: datetime | None, cursor: tuple[datetime, str] | None,
                     limit: int) -> list[dict[str, Any]]:
        rows = await self._read(
            "users/list_events", user_id=user_id, type=type_, since=since, until=until,
            cursor_ts=cursor[0] if cursor else None, cursor_id=cursor[1] if cursor else None,
            limit=limit,
        )
        return [_event(row) for row in rows]

    async def consent_changes(self, user_id: str) -> list[dict[str, Any]]:
        return await self._read("users/list_consent_changes", user_id=user_id)

    async def overview(self, id_: str, *, timeline: int, items: int, per_item: int,
                       neighbours: int) -> dict[str, Any] | None:
        """The profile `id_` resolves to with everything its page shows, from one statement
        in one round trip (users/get_overview); None when no profile answers to the id."""
        records = await self._db.fast_read(
            queries["users/get_overview"], {
                "id": id_, "timeline_limit": timeline, "event_limit": items * 10,
                "item_limit": items, "per_item": per_item, "neighbour_limit": neighbours})
        if not records:
            return None
        row = native(records[0].data())
        row["events"] = [_event(e) for e in row["events"]]
        return row

    async def membership_history(self, user_ids: list[str]) -> list[dict[str, Any]]:
        return await self._read("users/list_membership_history", user_ids=user_ids)

    async def erase(self, user_id: str, receipt_id: str, at: datetime
                    ) -> tuple[dict[str, int], list[str]] | None:
        """Erases the profile and, in the same transaction, adds the hashes of every id and
        identity it had to the suppression list (so no crash can leave the person erased but
        not suppressed). (counts for the receipt, the ids erased), or None: no profile."""
        async def work(tx: AsyncManagedTransaction
                       ) -> tuple[dict[str, int], list[str]] | None:
            result = await tx.run(queries["users/erase_user"], user_id=user_id)
            record = await result.single()
            if record is None:
                return None
            counts = dict(record.data())
            ids, keys = counts.pop("ids"), counts.pop("keys")
            await (await tx.run(queries["suppression/add_erased_identities"],
                                hashes=profile_hashes(ids, keys), at=at,
                                receipt_id=receipt_id)).consume()
            await (await tx.run(queries["users/record_erasure"], receipt_id=receipt_id, at=at,
                                counts=orjson.dumps(counts).decode())).consume()
            return counts, ids

        return await self._db.write_tx(work)

    async def previous_erasure(self, id_: str) -> dict[str, Any] | None:
        """The erasure that suppressed `id_` already (receipt_id, at, counts), or None."""
        bare = id_.removeprefix("sha256:")
        hashes = [identity_hash("user_id", id_), identity_hash("anonymous_id", id_),
                  identity_hash("email_sha256", bare)]
        rows = await self._read("suppression/get_erasure_of_id", hashes=hashes)
        if not rows:
            return None
        row = rows[0]
        return {**row, "counts": orjson.loads(row["counts"]) if row["counts"] else {}}


def _event(row: dict[str, Any]) -> dict[str, Any]:
    """A timeline row as the API shows it: properties parsed, no null item entries."""
    row["properties"] = orjson.loads(row.pop("properties_json") or "{}")
    row["items"] = [i for i in row["items"] if i is not None]
    return row

"""The outbox of an intake batch: trait changes and raw events for the destinations that
subscribe to them, written in the batch's own transaction (app/intake/intake_repository.py
calls the three steps), so a committed batch can never lose its deliveries and a rolled-back
one never sends any.

1. `open_outbox`: what the active destinations subscribe to, read in the transaction; None
   when nothing is (then the batch costs this one small read, and only when it carries
   traits or events).
2. `diff_traits`: before the batch writes the traits, which subscribed ones change.
3. `enqueue`: after the events are written, one delivery per subscribed destination for
   each trait change and event of a profile that granted `marketing`, in the profile's
   order (app/destinations/delivery_worker.py sends them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.db.queries import queries

EVERY = "*"


@dataclass
class IntakeOutbox:
    trait_keys: list[str]
    event_types: set[str]
    # profile index -> its trait changes ({key, value, previous}), in key order
    trait_changes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


async def _rows(tx: AsyncManagedTransaction, name: str, **params: Any) -> list[dict[str, Any]]:
    result = await tx.run(queries[name], **params)
    return await result.data()


async def open_outbox(tx: AsyncManagedTransaction, has_traits: bool, has_events: bool
                      ) -> IntakeOutbox | None:
    if not (has_traits or has_events):
        return None
    [row] = await _rows(tx, "destinations/read_subscriptions")
    keys = sorted(set(row["trait_keys"])) if has_traits else []
    types = set(row["event_types"]) if has_events else set()
    if not keys and not types:
        return None
    return IntakeOutbox([EVERY] if EVERY in keys else keys, types)


async def diff_traits(tx: AsyncManagedTransaction, outbox: IntakeOutbox,
                      users: list[dict[str, Any]], user_ix: dict[str, int],
                      created: set[str], user_eids: list[str], prefix: str) -> None:
    """Before the traits are written: the subscribed ones each profile changes."""
    if not outbox.trait_keys:
        return
    rows = [{"u": user_ix[u["user_id"]], "traits": u["traits"],
             "created": u["user_id"] in created}
            for u in users if u.get("traits") and u["user_id"] in user_ix]
    if not rows:
        return
    for r in await _rows(tx, "destinations/diff_traits", rows=rows, keys=outbox.trait_keys,
                         user_eids=user_eids, eid_prefix=prefix):
        outbox.trait_changes[r["u"]] = sorted(r["changes"], key=lambda c: c["key"])


async def enqueue(tx: AsyncManagedTransaction, outbox: IntakeOutbox,
                  events: list[dict[str, Any]], user_ix: dict[str, int],
                  user_eids: list[str], prefix: str, now: datetime) -> None:
    """After the events are written (`events` as intake/create_events took them: `u` is the
    profile's index): the deliveries, per profile trait changes first, then events by time."""
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for u, changes in outbox.trait_changes.items():
        items[u] += [{"kind": "trait", **c} for c in changes]
    subscribed = [ev for ev in events if ev["props"]["type"] in outbox.event_types]
    for ev in sorted(subscribed, key=lambda e: (e["u"], e["ts"])):
        props = ev["props"]
        items[ev["u"]].append({"kind": "event", "type": props["type"],
                               "event_id": props["event_id"], "name": props.get("name"),
                               "ts": ev["ts"], "properties_json": props["properties_json"]})
    if not items:
        return
    user_of = {i: user_id for user_id, i in user_ix.items()}
    profiles = [{"u": u, "user_id": user_of[u], "items": its} for u, its in sorted(items.items())]
    result = await tx.run(queries["destinations/enqueue_intake"], profiles=profiles,
                          user_eids=user_eids, eid_prefix=prefix, now=now)
    await result.consume()

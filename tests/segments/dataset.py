"""An in-memory storefront log, written to Neo4j exactly as docs/graph-model.md describes.

Tests build a `Dataset`, write it with `write_dataset` and compare what the compiled Cypher
returns with what the plain-Python oracle computes over the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from neo4j import AsyncDriver

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
Scalar = bool | int | float | str


@dataclass
class Item:
    item_id: str
    category: str
    price: float
    brand: str = "acme"
    title: str = ""


@dataclass
class Line:
    item_id: str
    quantity: int = 1
    price: float | None = None


@dataclass
class Event:
    event_id: str
    user_id: str
    type: str
    ts: datetime
    props: dict[str, Scalar] = field(default_factory=dict)  # stored names: p_<key>
    lines: list[Line] = field(default_factory=list)
    # position in its write (intake's `Event.seq`): orders events of one timestamp
    seq: int | None = None


@dataclass
class User:
    user_id: str
    props: dict[str, Scalar] = field(default_factory=dict)  # trait_<key>, computed traits
    consents: dict[str, str] = field(default_factory=dict)  # purpose -> granted/denied


@dataclass
class Dataset:
    users: list[User] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.item_id == item_id)

    def events_of(self, user_id: str) -> list[Event]:
        return [e for e in self.events if e.user_id == user_id]


_USERS = """
UNWIND $rows AS row
MERGE (u:User {user_id: row.user_id})
SET u += row.props, u.created_at = $at, u.updated_at = $at
WITH u, row
UNWIND row.consents AS c
MATCH (p:Purpose {name: c.purpose})
MERGE (u)-[r:CONSENTED]->(p)
SET r.status = c.status, r.at = $at, r.source = 'test'
"""
_ITEMS = """
UNWIND $rows AS row
MERGE (i:Item {item_id: row.item_id})
SET i.category = row.category, i.price = row.price, i.brand = row.brand, i.title = row.title,
    i.updated_at = $at
MERGE (c:Category {name: row.category})
MERGE (i)-[:IN_CATEGORY]->(c)
"""
_EVENTS = """
UNWIND $rows AS row
MATCH (u:User {user_id: row.user_id})
CREATE (u)-[:PERFORMED]->(e:Event {event_id: row.event_id, type: row.type, name: row.type,
                                   ts: row.ts, received_at: row.ts, seq: row.seq})
SET e += row.props
WITH e, row
UNWIND row.lines AS line
MATCH (i:Item {item_id: line.item_id})
CREATE (e)-[:ON {quantity: line.quantity, price: line.price, position: line.position}]->(i)
"""


async def write_dataset(driver: AsyncDriver, data: Dataset, database: str = "neo4j") -> None:
    users = [{"user_id": u.user_id, "props": u.props,
              "consents": [{"purpose": p, "status": s} for p, s in u.consents.items()]}
             for u in data.users]
    items = [vars(i) for i in data.items]
    events = [{"event_id": e.event_id, "user_id": e.user_id, "type": e.type, "ts": e.ts,
               "seq": e.seq,
               "props": e.props,
               "lines": [{"item_id": ln.item_id, "quantity": ln.quantity, "position": n,
                          "price": data.item(ln.item_id).price if ln.price is None else ln.price}
                         for n, ln in enumerate(e.lines)]}
              for e in data.events]
    for query, rows in ((_USERS, users), (_ITEMS, items), (_EVENTS, events)):
        if rows:
            await driver.execute_query(query, rows=rows, at=NOW, database_=database)


async def write_memberships(driver: AsyncDriver, members: dict[str, set[str]],
                            database: str = "neo4j") -> None:
    """Materialized membership for segments a definition refers to (no definition needed)."""
    rows: list[dict[str, Any]] = [{"segment_id": s, "user_ids": sorted(m)}
                                  for s, m in members.items()]
    await driver.execute_query(
        "UNWIND $rows AS row MERGE (s:Segment {segment_id: row.segment_id}) "
        "WITH s, row UNWIND row.user_ids AS uid MATCH (u:User {user_id: uid}) "
        "MERGE (u)-[:IN_SEGMENT {since: $at}]->(s)",
        rows=rows, at=NOW, database_=database,
    )


async def member_ids(driver: AsyncDriver, segment_id: str) -> set[str]:
    """The materialized members of a segment (what the oracle is checked against)."""
    records, _, _ = await driver.execute_query(
        "MATCH (:Segment {segment_id: $segment_id})<-[:IN_SEGMENT]-(u:User) "
        "RETURN u.user_id AS user_id", segment_id=segment_id)
    return {r["user_id"] for r in records}

"""The delivery claim over a real Neo4j: it reads through the queue's indexes (the oldest due
deliveries, then each profile's chain), so its rules are checked on hand-made queues: a lease
takes the deliveries out of the due range until released; a profile whose first delivery
waits for a retry holds back the rest and does not keep the other profiles waiting; the
claim reads the indexes in order instead of sorting the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.db.database import Database
from app.db.queries import queries
from app.destinations.delivery_repository import DeliveryRepository

pytestmark = pytest.mark.neo4j
DEST = "claims"


async def _queue(graph: AsyncDriver, rows: list[dict]) -> None:
    """Deliveries of destination DEST: rows of {id, user, seq, ago_s (created and due that
    many seconds ago), next_in_s (due later instead), attempts}."""
    now = datetime.now(UTC)
    await graph.execute_query(
        "MERGE (d:Destination {destination_id: $dest}) SET d.active = true, d.kind = 'webhook'",
        dest=DEST)
    await graph.execute_query(
        "UNWIND $rows AS r CREATE (:Delivery {delivery_id: r.id, destination_id: $dest, "
        "user_id: r.user, seq: r.seq, type: 'segment.entered', segment_id: 's', at: r.created, "
        "created_at: r.created, next_at: r.next_at, state: 'pending', attempts: r.attempts})",
        dest=DEST, rows=[{
            "id": r["id"], "user": r["user"], "seq": r["seq"], "attempts": r.get("attempts", 0),
            "created": now - timedelta(seconds=r.get("ago_s", 60)),
            "next_at": now + timedelta(seconds=r["next_in_s"]) if "next_in_s" in r
            else now - timedelta(seconds=r.get("ago_s", 60))} for r in rows])


EIDS: dict[str, str] = {}  # delivery id -> element id, as the claims returned them


async def _claim(repo: DeliveryRepository, owner: str, profiles: int = 10) -> list[str]:
    claim = await repo.claim(DEST, owner, profiles=profiles, per_profile=20, lease_ms=60_000,
                             probe_after=5)
    EIDS.update({d["delivery_id"]: d["eid"] for d in claim.deliveries} if claim else {})
    return [d["delivery_id"] for d in claim.deliveries] if claim else []


async def test_a_lease_takes_deliveries_out_of_the_due_range_until_released(
        graph: AsyncDriver, settings: Settings) -> None:
    repo = DeliveryRepository(Database(graph, settings.neo4j_database))
    await _queue(graph, [{"id": f"a{i}", "user": "a", "seq": i} for i in range(1, 4)]
                 + [{"id": "b1", "user": "b", "seq": 1}])
    assert sorted(await _claim(repo, "one")) == ["a1", "a2", "a3", "b1"]
    assert await _claim(repo, "two") == []  # leased: nothing due for another worker
    # a failed first delivery: the rest of its chain goes back, due, behind the retry
    await repo.finish(DEST, "one", [], ["a2", "a3"], 10, {"threshold": 5, "open_ms": 1000},
                      EIDS)
    records, _, _ = await graph.execute_query(
        "MATCH (x:Delivery {destination_id: $dest}) RETURN x.delivery_id AS id, "
        "x.lease_owner AS owner, x.next_at <= datetime() AS due ORDER BY id", dest=DEST)
    assert [(r["id"], r["owner"], r["due"]) for r in records] == [
        ("a1", "one", False), ("a2", None, True), ("a3", None, True), ("b1", "one", False)]
    assert await _claim(repo, "two") == []  # a1 is still leased: a2, a3 wait for it


async def test_a_profile_waiting_for_a_retry_does_not_hold_up_the_others(
        graph: AsyncDriver, settings: Settings) -> None:
    repo = DeliveryRepository(Database(graph, settings.neo4j_database))
    # profile r: its first delivery waits 10 minutes for a retry, 12 more queued before
    # anything of profile q; the claim reads 4 due deliveries per profile it may take
    await _queue(graph, [{"id": "r00", "user": "r", "seq": 1, "ago_s": 600, "attempts": 3,
                          "next_in_s": 600}]
                 + [{"id": f"r{i:02d}", "user": "r", "seq": i, "ago_s": 500 - i}
                    for i in range(2, 14)]
                 + [{"id": "q1", "user": "q", "seq": 1, "ago_s": 100}])
    got: list[str] = []
    for _ in range(5):
        got = await _claim(repo, "w", profiles=1)
        if got:
            break
    assert got == ["q1"]  # r's deliveries never went before its first one
    records, _, _ = await graph.execute_query(
        "MATCH (x:Delivery {destination_id: $dest, user_id: 'r'}) "
        "MATCH (h:Delivery {delivery_id: 'r00'}) "
        "RETURN count(CASE WHEN x.next_at < h.next_at THEN 1 END) AS ahead", dest=DEST)
    assert records[0]["ahead"] == 0  # the scanned ones now wait as long as r00


async def test_the_claim_reads_the_indexes_in_order(graph: AsyncDriver) -> None:
    _, summary, _ = await graph.execute_query(
        "EXPLAIN " + queries["destinations/claim_deliveries"], id=DEST, owner="w",
        lease_ms=1, profiles=1, per_profile=1, scan=1)
    operators: list[str] = []
    seeks: list[str] = []

    def walk(plan: dict) -> None:
        operators.append(plan["operatorType"].split("@")[0])
        if "IndexSeek" in plan["operatorType"]:
            seeks.append(plan["args"]["Details"])
        for child in plan.get("children", []):
            walk(child)

    walk(summary.plan)
    assert any("(destination_id, state, next_at)" in s for s in seeks)
    assert any("(destination_id, state, user_id, seq)" in s for s in seeks)
    assert operators.count("Limit") >= 2  # read in index order up to the limit, not sorted


@pytest.mark.parametrize(("statement", "params"), [
    ("destinations/count_deliveries", {"ids": None}),
    ("destinations/count_delivered", {"ids": None}),
    ("destinations/list_deliveries", {"id": DEST, "state": "dead", "limit": 50}),
    ("destinations/replay_deliveries", {"id": DEST, "states": ["dead"],
                                        "from": datetime(2020, 1, 1, tzinfo=UTC), "to": None}),
    ("destinations/delete_deliveries", {"id": DEST}),
    ("users/erase_user", {"user_id": "u"}),
])
async def test_reads_of_the_outbox_go_through_an_index(graph: AsyncDriver, statement: str,
                                                       params: dict) -> None:
    """Delivered deliveries pile up over the retention period: the gauges (every 2 s), the
    console, replay, deletion and erasure must not scan every Delivery (count_deliveries
    did: 18 ms of Neo4j CPU with 6,000 kept, every 2 s)."""
    _, summary, _ = await graph.execute_query("EXPLAIN " + queries[statement], **params)
    scans: list[str] = []

    def walk(plan: dict) -> None:
        if plan["operatorType"].startswith(("NodeByLabelScan", "AllNodesScan")):
            scans.append(plan["args"].get("Details", ""))
        for child in plan.get("children", []):
            walk(child)

    walk(summary.plan)
    assert not [s for s in scans if "Delivery" in s], scans

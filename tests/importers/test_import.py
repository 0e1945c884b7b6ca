"""Bulk imports: Online Retail II (generated sample, and the real file when present), Segment
NDJSON and the demo storefront; each re-run changes nothing."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pandas as pd
import pytest

from app.core.paths import PROJECT_ROOT
from app.importers.demo_data import CATEGORIES, load_demo_data
from app.importers.online_retail import import_online_retail
from app.importers.segment_ndjson import import_segment_ndjson
from tests.helpers import scalar

REAL_RETAIL = (PROJECT_ROOT.parent / "shared/data/online_retail_ii"
               / "online_retail_II_2009-2010.parquet")
FINGERPRINT = """
MATCH (n) WHERE NOT (n:__Neo4jMigration OR n:__Neo4jMigrationsLock)
OPTIONAL MATCH (n)-[r]->()
WITH n, count(r) AS out
RETURN count(n) AS nodes, sum(out) AS rels,
       collect(labels(n)[0] + ':' + toString(size(keys(n)))) AS shapes,
       sum(coalesce(n.revenue_total, 0)) AS revenue, sum(coalesce(n.event_count, 0)) AS events,
       max(n.updated_at) AS updated
"""


async def fingerprint(graph) -> dict:
    records, _, _ = await graph.execute_query(FINGERPRINT)
    data = records[0].data()
    data["shapes"] = sorted(data["shapes"])
    return data


def retail_sample(path: Path) -> Path:
    retail_frame().to_parquet(path)
    return path


def retail_folder(folder: Path) -> Path:
    """The sample split over a parquet file, a workbook of two sheets and a CSV file, with
    invoices 1003 and 1006 repeated in a later file or sheet (as the UCI workbook's two
    years overlap), and a file that is not data."""
    folder.mkdir()
    df = retail_frame()
    df[df["Invoice"].isin(["1001", "1002", "1003"])].to_parquet(folder / "a.parquet")
    with pd.ExcelWriter(folder / "b.xlsx", engine="openpyxl") as book:
        df[df["Invoice"].isin(["1003", "C1004"])].to_excel(book, sheet_name="Year 1", index=False)
        df[df["Invoice"].isin(["1005", "1006"])].to_excel(book, sheet_name="Year 2", index=False)
    df[df["Invoice"] == "1006"].to_csv(folder / "c.csv", index=False)
    (folder / "notes.txt").write_text("not data")
    return folder


def retail_frame() -> pd.DataFrame:
    rows = [
        # invoice, code, description, qty, date, price, customer, country
        ("1001", "A1", "MUG", 6, "2010-01-04 10:00:00", 2.5, 12345.0, "United Kingdom"),
        ("1001", "B2", "TEAPOT", 1, "2010-01-04 10:00:00", 10.0, 12345.0, "United Kingdom"),
        ("1002", "A1", "MUG", 2, "2010-02-01 09:00:00", 2.5, 12346.0, "France"),
        ("1003", "C3", "LAMP", 1, "2010-02-02 09:00:00", 30.0, None, "United Kingdom"),
        ("C1004", "A1", "MUG", -2, "2010-02-03 09:00:00", 2.5, 12345.0, "United Kingdom"),
        ("1005", "B2", "TEAPOT", -5, "2010-02-04 09:00:00", 0.0, 12346.0, "France"),
        ("1006", "B2", "TEAPOT", 3, "2010-03-01 12:00:00", 9.0, 12346.0, "France"),
    ]
    return pd.DataFrame(rows, columns=["Invoice", "StockCode", "Description", "Quantity",
                                       "InvoiceDate", "Price", "Customer ID", "Country"])


async def test_online_retail_sample(graph, services, tmp_path):
    path = retail_sample(tmp_path / "retail.parquet")
    s = await import_online_retail(services.intake, services.items, path, batch_lines=2)
    assert (s.rows, s.items, s.customers) == (7, 3, 2)
    assert (s.orders, s.refunds, s.order_lines) == (3, 1, 4)
    assert (s.lines_without_customer, s.adjustment_lines) == (1, 1)
    assert s.totals.events == 4
    user = await scalar(graph, "MATCH (u:User {user_id:'12345'}) RETURN properties(u)")
    assert user["trait_country"] == "United Kingdom"
    assert user["order_count"] == 1 and user["revenue_total"] == 25.0
    assert user["count_order_refunded"] == 1
    rows, _, _ = await graph.execute_query(
        "MATCH (:User {user_id:'12345'})-[:PERFORMED]->(e:Event {type:'order_completed'})"
        "-[o:ON]->(i:Item) RETURN i.item_id AS item, o.quantity AS q, o.price AS p ORDER BY item")
    assert [(r["item"], r["q"], r["p"]) for r in rows] == [("A1", 6, 2.5), ("B2", 1, 10.0)]
    assert await scalar(graph, "MATCH (i:Item {item_id:'C3'}) RETURN i.title") == "LAMP"
    granted = await scalar(graph, "MATCH (:User {user_id:'12346'})-[c:CONSENTED]->(p) "
                                  "WHERE c.status = 'granted' RETURN collect(p.name)")
    assert sorted(granted) == ["analytics", "personalization"]

    before = await fingerprint(graph)
    again = await import_online_retail(services.intake, services.items, path, batch_lines=2)
    # the 4 events and the 2 customers' identify messages were all applied before
    assert again.totals.events == 0 and again.totals.duplicates == 6
    assert await fingerprint(graph) == before


async def test_online_retail_folder_reads_every_file_in_order(graph, services, tmp_path):
    single = await import_online_retail(services.intake, services.items,
                                        retail_sample(tmp_path / "retail.parquet"),
                                        batch_lines=2)
    one_file = await fingerprint(graph)
    await graph.execute_query("MATCH (n) WHERE NOT n:__Neo4jMigration AND NOT n:Purpose "
                              "DETACH DELETE n")
    s = await import_online_retail(services.intake, services.items,
                                   retail_folder(tmp_path / "retail"), batch_lines=2)
    assert s.repeated_invoice_lines == 2  # 1003 (sheet "Year 1"), 1006 (c.csv)
    assert (s.rows, s.items, s.customers) == (single.rows, 3, 2) == (7, 3, 2)
    assert (s.orders, s.refunds, s.order_lines) == (3, 1, 4)
    assert (s.lines_without_customer, s.adjustment_lines) == (1, 1)
    user = await scalar(graph, "MATCH (u:User {user_id:'12346'}) RETURN properties(u)")
    assert user["order_count"] == 2 and user["revenue_total"] == 32.0
    # the folder leaves the graph the one file leaves (but for the times of writing)
    folder = await fingerprint(graph)
    assert {**folder, "updated": None} == {**one_file, "updated": None}


@pytest.mark.skipif(not REAL_RETAIL.exists(), reason=f"{REAL_RETAIL} not present")
async def test_online_retail_real_file_head(graph, services):
    # The first 40,000 rows (about 2,000 invoices) keep the test well under a minute; the
    # whole file is timed by bench/ingest.py.
    s = await import_online_retail(services.intake, services.items, REAL_RETAIL, max_rows=40_000)
    assert s.rows == 40_000 and s.orders > 1000 and s.customers > 500
    assert s.totals.events == s.orders + s.refunds
    lines = await scalar(graph, "MATCH (:Event {type:'order_completed'})-[o:ON]->() "
                                "RETURN count(o)")
    assert lines == s.order_lines
    before = await fingerprint(graph)
    again = await import_online_retail(services.intake, services.items, REAL_RETAIL,
                                       max_rows=40_000)
    assert again.totals.events == 0
    assert await fingerprint(graph) == before
    # leave a small graph behind: the next test's wipe deletes per node
    async with graph.session() as session:
        await (await session.run("MATCH (e:Event) CALL (e) { DETACH DELETE e } "
                                 "IN TRANSACTIONS OF 5000 ROWS")).consume()


async def test_segment_ndjson(graph, services, tmp_path, opt_out):
    lines = [
        orjson.dumps({"type": "track", "messageId": "m1", "userId": "u1",
                      "event": "Product Viewed", "properties": {"product_id": "p1"},
                      "timestamp": "2025-01-01T00:00:00Z", "sentAt": "2025-01-01T00:00:05Z"}),
        b"{broken",
        orjson.dumps({"batch": [
            {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}},
            {"type": "page", "messageId": "m2", "anonymousId": "a1", "name": "Home"}]}),
        orjson.dumps({"type": "track", "messageId": "m3", "userId": "u1"}),
        b"",
    ]
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines)))
    s = await import_segment_ndjson(services.intake, path)
    assert s.messages == 3 and s.totals.events == 2
    assert [n for n, _ in s.invalid] == [2, 4]
    assert "event" in s.invalid[1][1]
    # archived messages keep their own timestamp (no skew correction without receivedAt)
    ts = await scalar(graph, "MATCH (e:Event {event_id:'m1'}) RETURN toString(e.ts)")
    assert ts.startswith("2025-01-01T00:00:00")
    again = await import_segment_ndjson(services.intake, path)
    # the 2 events and the identify message were applied before
    assert again.totals.events == 0 and again.totals.duplicates == 3


async def test_demo_data_is_repeatable(graph, services, opt_in):
    first = await load_demo_data(services.intake, services.items, services.segments, users=20,
                                 seed=3)
    assert first.totals.events > 50
    assert {s.segment_id for s in await services.segments.list_all()} == set(first.segments)
    assert first.totals.dropped.get("no_analytics_consent", 0) > 0
    before = await fingerprint(graph)
    again = await load_demo_data(services.intake, services.items, services.segments, users=20,
                                 seed=3)
    assert again.totals.events == 0
    assert await fingerprint(graph) == before
    assert await scalar(graph, "MATCH (:Item)-[:IN_CATEGORY]->(c:Category) "
                               "RETURN count(DISTINCT c)") == len(CATEGORIES)

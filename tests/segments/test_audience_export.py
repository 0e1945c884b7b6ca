"""Audience export (GET /v1/segments/{id}/export and the console download) over a real
Neo4j: CSV and NDJSON, chosen traits, marketing consent, paging by cursor, bad input."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from neo4j import AsyncDriver

from app.db.database import Database
from app.predictions.repository import PredictionRepository
from app.segments.audience_export import AudienceExport, ExportFormat
from tests.conftest import ADMIN_KEY
from tests.helpers import create_key
from tests.segments.dataset import Dataset, User, write_dataset

pytestmark = pytest.mark.neo4j

PRO = {"id": "pro", "name": "Pro plan",
       "condition": {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}}


async def _audience(graph: AsyncDriver, n: int = 12) -> None:
    """u00..u{n-1}: even ones on the pro plan; every third denies marketing; u00 has a
    hashed e-mail; u02's nickname looks like a spreadsheet formula."""
    users = []
    for i in range(n):
        props = {"trait_plan": "pro" if i % 2 == 0 else "free", "rfm_r": i % 5 + 1,
                 "trait_nickname": "=HYPERLINK(\"x\")" if i == 2 else f"nick {i}"}
        consent = {"marketing": "denied" if i % 3 == 0 and i else "granted"}
        if i == 1:
            props["trait_vip"] = True
        users.append(User(f"u{i:02d}", props, consent))
    await write_dataset(graph, Dataset(users))
    await graph.execute_query(
        "MATCH (u:User {user_id: 'u00'}) "
        "CREATE (:Identity {kind: 'email_sha256', value: 'abc123'})-[:IDENTIFIES]->(u)")


def _expected(n: int = 12) -> list[str]:
    return [f"u{i:02d}" for i in range(n) if i % 2 == 0 and not (i % 3 == 0 and i)]


async def test_csv_and_ndjson_exports(client: httpx.AsyncClient, graph: AsyncDriver,
                                      admin_headers: dict) -> None:
    await _audience(graph)
    assert (await client.post("/v1/segments", json=PRO, headers=admin_headers)
            ).status_code == 201
    r = await client.get("/v1/segments/pro/export",
                         params={"format": "csv", "traits": "plan,rfm_r,nickname,email_sha256"},
                         headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="segment-pro.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == ["user_id", "since", "plan", "rfm_r", "nickname", "email_sha256"]
    assert [row["user_id"] for row in rows] == _expected()  # u06 denied marketing
    by_id = {row["user_id"]: row for row in rows}
    assert by_id["u00"]["email_sha256"] == "abc123" and by_id["u04"]["email_sha256"] == ""
    assert by_id["u04"]["plan"] == "pro" and by_id["u04"]["rfm_r"] == "5"
    assert by_id["u02"]["nickname"] == "'=HYPERLINK(\"x\")"  # no formula reaches a sheet
    assert by_id["u04"]["since"]

    r = await client.get("/v1/segments/pro/export",
                         params={"format": "ndjson", "traits": "plan,vip"},
                         headers=admin_headers)
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in r.text.splitlines()]
    assert [x["user_id"] for x in lines] == _expected()
    # `vip` is a trait of u01 only (not a member): known, so the members read it as empty
    assert lines[0]["plan"] == "pro" and lines[0]["vip"] is None
    assert set(lines[0]) == {"user_id", "since", "plan", "vip"}


async def test_predicted_traits_and_cluster_under_the_rule_names(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        settings) -> None:
    """Predictions as the prediction job stores them are exported under the names segment
    rules use; identify traits read as sent or as rules name them (`trait_plan`)."""
    await _audience(graph)
    await client.post("/v1/segments", json=PRO, headers=admin_headers)
    await PredictionRepository(Database(graph, settings.neo4j_database)).write(
        [{"user_id": "u04", "purchase": 0.2486, "value": 743.0, "cluster": 1,
          "label": "regular buyers"}], datetime(2010, 12, 9, tzinfo=UTC))
    names = "pred_purchase_30d,pred_value_90d,cluster,cluster_label,trait_plan,rfm_r"
    r = await client.get("/v1/segments/pro/export",
                         params={"format": "ndjson", "traits": names},
                         headers=admin_headers)
    assert r.status_code == 200, r.text
    by_id = {x["user_id"]: x for x in map(orjson.loads, r.text.splitlines())}
    assert {k: by_id["u04"][k] for k in names.split(",")} == {
        "pred_purchase_30d": 0.2486, "pred_value_90d": 743.0, "cluster": 1,
        "cluster_label": "regular buyers", "trait_plan": "pro", "rfm_r": 5}
    assert by_id["u02"]["pred_purchase_30d"] is None and by_id["u02"]["cluster"] is None
    r = await client.get("/v1/segments/pro/export",
                         params={"format": "csv", "traits": "cluster_label,pred_value_90d"},
                         headers=admin_headers)
    rows = {row["user_id"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert rows["u04"]["cluster_label"] == "regular buyers"
    assert rows["u04"]["pred_value_90d"] == "743.0"


async def test_unknown_names_are_refused_custom_traits_are_not(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict) -> None:
    """A name that is no computed or predicted trait and that no identify ever sent is a
    422 naming `traits` and the name; a custom trait sent by identify is exported, under
    the name it was sent with."""
    await _audience(graph)
    await client.post("/v1/segments", json=PRO, headers=admin_headers)
    fresh = f"tier_{uuid.uuid4().hex[:12]}"  # no test before this one sent it
    r = await client.get("/v1/segments/pro/export",
                         params={"format": "ndjson", "traits": f"plan,{fresh}"},
                         headers=admin_headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["fields"][0]["field"] == "traits" and fresh in error["message"]
    assert fresh in error["fields"][0]["reason"]
    # the profile view's prediction names are not the rule names: refused, with the right one
    r = await client.get("/v1/segments/pro/export", params={"traits": "purchase_30d"},
                         headers=admin_headers)
    assert r.status_code == 422
    assert "pred_purchase_30d" in r.json()["error"]["fields"][0]["reason"]
    for bad in ("count_never_recorded_event", "trait_never_sent_key"):
        r = await client.get("/v1/segments/pro/export", params={"traits": bad},
                             headers=admin_headers)
        assert r.status_code == 422 and bad in r.json()["error"]["message"], bad

    identify = {"type": "identify", "userId": "u04", "messageId": str(uuid.uuid4()),
                "timestamp": datetime.now(UTC).isoformat(), "traits": {fresh: "gold"}}
    r = await client.post("/v1/batch", json={"batch": [identify]}, headers=admin_headers)
    assert r.status_code == 200, r.text
    for name in (fresh, f"trait_{fresh}"):
        r = await client.get("/v1/segments/pro/export",
                             params={"format": "ndjson", "traits": name},
                             headers=admin_headers)
        assert r.status_code == 200, r.text
        by_id = {x["user_id"]: x for x in map(orjson.loads, r.text.splitlines())}
        assert by_id["u04"][name] == "gold" and by_id["u02"][name] is None


async def test_bad_requests(client: httpx.AsyncClient, graph: AsyncDriver,
                            admin_headers: dict) -> None:
    await _audience(graph, 2)
    await client.post("/v1/segments", json=PRO, headers=admin_headers)
    r = await client.get("/v1/segments/nope/export", headers=admin_headers)
    assert r.status_code == 404
    r = await client.get("/v1/segments/pro/export", params={"traits": "plan,a b"},
                         headers=admin_headers)
    assert r.status_code == 422 and "traits" in r.json()["error"]["fields"][0]["field"]
    r = await client.get("/v1/segments/pro/export", params={"format": "xml"},
                         headers=admin_headers)
    assert r.status_code == 422 and "format" in r.json()["error"]["fields"][0]["field"]
    reader = {"Authorization": f"Bearer {await create_key(client, admin_headers, 'read')}"}
    assert (await client.get("/v1/segments/pro/export", headers=reader)).status_code == 403


async def test_pages_follow_the_cursor(graph: AsyncDriver, services, settings) -> None:
    """Small pages: every consented member once, in order, whatever the page boundaries
    (a page may hold only members without consent and still move the cursor)."""
    await _audience(graph, 40)
    await services.segments.create(PRO)
    for size in (1, 2, 3, 7, 1000):
        export = AudienceExport(Database(graph, settings.neo4j_database), page_size=size)
        chunks = [c async for c in export.stream("pro", ["plan"], ExportFormat.ndjson)]
        ids = [orjson.loads(line)["user_id"] for c in chunks for line in c.splitlines()]
        assert ids == _expected(40), size


async def test_console_download(client: httpx.AsyncClient, graph: AsyncDriver,
                                admin_headers: dict) -> None:
    await _audience(graph)
    await client.post("/v1/segments", json=PRO, headers=admin_headers)
    page = await client.get("/console/signin")
    token = re.search(r'name="signin_token" value="([^"]+)"', page.text).group(1)
    await client.post("/console/signin", data={"api_key": ADMIN_KEY, "signin_token": token})
    detail = await client.get("/console/segments/pro")
    assert 'action="/console/segments/pro/export"' in detail.text
    r = await client.get("/console/segments/pro/export", params={"format": "csv",
                                                                 "traits": "plan"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert [row["user_id"] for row in csv.DictReader(io.StringIO(r.text))] == _expected()
    r = await client.get("/console/segments/nope/export")
    assert r.status_code == 404 and "Cannot export" in r.text
    r = await client.get("/console/segments/pro/export", params={"traits": "purchase_30d"})
    assert r.status_code == 422 and "purchase_30d" in r.text


async def test_money_totals_are_exported_in_cents(graph: AsyncDriver, services,
                                                  settings) -> None:
    """The graph keeps a revenue total's exact float sum; the export shows cents."""
    exact = 2042.7000000000003
    await write_dataset(graph, Dataset([User("m1", {"trait_plan": "pro", "revenue_total": exact,
                                                    "order_count": 3},
                                             {"marketing": "granted"})]))
    await services.segments.create(PRO)
    export = AudienceExport(Database(graph, settings.neo4j_database))
    csv_text = b"".join([c async for c in export.stream(
        "pro", ["revenue_total", "order_count"], ExportFormat.csv)]).decode()
    row = next(csv.DictReader(io.StringIO(csv_text)))
    assert (row["revenue_total"], row["order_count"]) == ("2042.7", "3")
    line = b"".join([c async for c in export.stream("pro", ["revenue_total"],
                                                    ExportFormat.ndjson)])
    assert orjson.loads(line)["revenue_total"] == 2042.7
    records, _, _ = await graph.execute_query(
        "MATCH (u:User {user_id: 'm1'}) RETURN u.revenue_total AS r")
    assert records[0]["r"] == exact

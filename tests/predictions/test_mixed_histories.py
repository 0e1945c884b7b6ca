"""A store holding two histories of different ages (the README's path: the demo store dated
now, then a 2010 import): the refresh aligns them as the recommender does, so imported
customers are scored on their own clock, and no cluster of buyers reads "no order yet"."""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import mean

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from tests.predictions.history import END, shop
from tests.segments.dataset import Dataset, write_dataset

LIVE_END = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def test_imported_history_is_scored_on_its_own_clock(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        opt_in: Settings) -> None:
    imported = shop(n_users=240, denied=0)  # ends 2010-12-09
    live = shop(n_users=120, denied=0, seed=11, end=LIVE_END, prefix="live-")
    await write_dataset(graph, Dataset(imported.users + live.users, imported.items,
                                       imported.events + live.events))

    r = await client.post("/v1/predictions/refresh", headers=admin_headers)
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "success" and run["scored"] == 360
    assert datetime.fromisoformat(run["anchor"]) == LIVE_END
    histories = run["summary"]["histories"]
    assert [h["last"][:4] for h in histories] == ["2010", "2026"]
    assert histories[0]["moved_days"] == round((LIVE_END - END).total_seconds() / 86400, 3)

    records, _, _ = await graph.execute_query(
        "MATCH (u:User) RETURN u.user_id AS id, u.pred_purchase_30d AS p, "
        "u.pred_value_90d AS v, u.cluster_label AS label")
    stored = {r["id"]: r for r in records}

    def of(kind: str, live_side: bool) -> list:
        return [row for u, row in stored.items()
                if u.startswith(f"live-{kind}" if live_side else kind)]

    # imported regulars are likely buyers on their own clock, as live ones are on theirs;
    # counted from 2026 they were all 16 years lapsed (p near 0, value 0)
    regulars, lapsed = of("regular", False), of("lapsed", False)
    assert mean(r["p"] for r in regulars) > mean(r["p"] for r in lapsed) + 0.3
    assert mean(r["p"] for r in regulars) > 0.5 * mean(r["p"] for r in of("regular", True))
    assert mean(r["v"] for r in of("big", False)) > mean(r["v"] for r in lapsed) > 0
    assert not any("never ordered" in r["label"] for r in regulars + of("big", False))

    for cluster in run["summary"]["clusters"]["clusters"]:
        if cluster["ordered_share"] > 0:
            assert "no order yet" not in cluster["centre_text"], cluster
        else:
            assert cluster["centre_text"].startswith("no order yet"), cluster

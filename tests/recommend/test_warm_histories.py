"""Histories kept warm between a shopper's requests are used only while the graph reports the
event count they were read at: two processes (two repositories, each with its own) see every
new event, a merge, and a withdrawn consent at once."""

from __future__ import annotations

import httpx
from neo4j import AsyncDriver
from prometheus_client import REGISTRY

from app.core.config import Settings
from app.db.database import Database
from app.recommend.recommendation_repository import RecommendationRepository, UserContext
from app.recommend.warm_histories import WarmHistories
from tests.recommend.conftest import CONSENT_ALL, event, send

LIMIT = 50


def _warm_count() -> float:
    return REGISTRY.get_sample_value("profilegraph_recommend_histories_total",
                                     {"source": "warm"}) or 0.0


async def _read(repository: RecommendationRepository, id_: str) -> tuple[UserContext, bool]:
    """The context, and whether its history was the one held warm."""
    before = _warm_count()
    ctx = await repository.user_context(id_, LIMIT, opt_out=True)
    assert ctx is not None
    return ctx, _warm_count() == before + 1


async def test_warm_histories_follow_the_graph(opt_out: Settings, client: httpx.AsyncClient,
                                               graph: AsyncDriver, settings: Settings,
                                               admin_headers: dict[str, str]) -> None:
    database = Database(graph, settings.neo4j_database)
    first, second = (RecommendationRepository(database, WarmHistories(100, 300.0))
                     for _ in range(2))
    await send(client, admin_headers, [event("alice", "Product Viewed", "i1", days_ago=3),
                                       event("alice", "Order Completed", "i2", days_ago=2)])

    ctx, warm = await _read(first, "alice")
    assert not warm and [h[0] for h in ctx.history] == ["i2", "i1"]
    again, warm = await _read(first, "alice")
    assert warm and again.history == ctx.history and set(again.bought) == {"i2"}
    assert not (await _read(second, "alice"))[1]  # each process holds its own

    # an event stored through any process: the count moved, both read it from the graph
    await send(client, admin_headers, [event("alice", "Order Completed", "i3", days_ago=1)])
    for repository in (first, second):
        ctx, warm = await _read(repository, "alice")
        assert not warm
        assert [h[0] for h in ctx.history] == ["i3", "i2", "i1"]
        assert set(ctx.bought) == {"i2", "i3"} and set(ctx.seen) == {"i1", "i2", "i3"}

    # an anonymous visitor read warm, then identified as alice: the id names alice now
    await send(client, admin_headers, [{**event("x", "Product Viewed", "i5"), "userId": None,
                                        "anonymousId": "visitor-1"}])
    ctx, _ = await _read(first, "visitor-1")
    assert [h[0] for h in ctx.history] == ["i5"]
    assert (await _read(first, "visitor-1"))[1]
    await send(client, admin_headers, [{"type": "identify", "userId": "alice",
                                        "anonymousId": "visitor-1"}])
    ctx, warm = await _read(first, "visitor-1")
    assert not warm and ctx.user_id == "alice"
    assert set(ctx.seen) == {"i1", "i2", "i3", "i5"}

    # consent withdrawn: the history held warm is not served
    assert (await _read(first, "alice"))[1] is False  # the merge moved the count
    assert (await _read(first, "alice"))[1]
    r = await client.put("/v1/users/alice/consent",
                         json={"purposes": {**CONSENT_ALL, "personalization": False}},
                         headers=admin_headers)
    assert r.status_code == 200, r.text
    ctx, warm = await _read(first, "alice")
    assert not warm and ctx.history == () and ctx.seen == ()


async def test_no_warm_histories_when_sized_zero(opt_out: Settings, client: httpx.AsyncClient,
                                                 graph: AsyncDriver, settings: Settings,
                                                 admin_headers: dict[str, str]) -> None:
    repository = RecommendationRepository(Database(graph, settings.neo4j_database),
                                          WarmHistories(0, 300.0))
    await send(client, admin_headers, [event("bea", "Product Viewed", "i1")])
    for _ in range(2):
        ctx, warm = await _read(repository, "bea")
        assert not warm and [h[0] for h in ctx.history] == ["i1"]

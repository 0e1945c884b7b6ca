"""Lists that follow the shopper's last click, over the real graph: a new event changes the
next response without retraining, a shopper the model never saw is personalized from history,
and without consent nothing of the history is read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

from app.recommend.fresh_items import FreshItemRefresher, refresh_fresh_items
from recmodel.artifact import set_current, write_artifact
from tests.recommend.conftest import CONSENT_ALL, ITEMS, event, send
from tests.recommend.test_recommendations import recs, wait_for_version

GROUPS = {"kitchen": 0, "home": 1, "books": 2}


def publish_grouped(artifacts: Path, as_of: datetime | None = None) -> str:
    """Items close to the others of their category; dave's trained vector points at kitchen."""
    item_ids = list(ITEMS)
    item_emb = np.zeros((len(item_ids), 3 + len(item_ids)), dtype=np.float32)
    for row, item_id in enumerate(item_ids):
        item_emb[row, GROUPS[ITEMS[item_id][1]]] = 1.0
        item_emb[row, 3 + row] = 0.05  # a little of each item's own
    user_emb = np.zeros((1, item_emb.shape[1]), dtype=np.float32)
    user_emb[0, GROUPS["kitchen"]] = 1.0
    manifest = {"metrics": {"val": {"recall@20": 0.1}}, "model": "graph_filter",
                "as_of": (as_of or datetime.now(UTC)).isoformat()}
    path = write_artifact(artifacts, user_emb, item_emb, ["dave"], item_ids, manifest,
                          item_proj=item_emb)
    set_current(artifacts, path.name)
    return path.name


async def consent(client: httpx.AsyncClient, headers: dict[str, str], user: str,
                  personalization: bool = True) -> None:
    purposes = {**CONSENT_ALL, "personalization": personalization}
    r = await client.put(f"/v1/users/{user}/consent", json={"purposes": purposes},
                         headers=headers)
    assert r.status_code == 200, r.text


def ids(body: dict) -> list[str]:
    return [item["item_id"] for item in body["items"]]


async def test_a_new_event_changes_the_next_list_without_retraining(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await wait_for_version(client, publish_grouped(artifacts))
    await consent(client, admin_headers, "dave")
    await send(client, admin_headers, [event("dave", "Product Viewed", "i1", days_ago=20)])
    before = await recs(client, admin_headers, "dave", limit=2)
    assert before["strategy"] == "gnn_live"
    assert ITEMS[ids(before)[0]][1] == "kitchen"

    await send(client, admin_headers, [event("dave", "Product Added", "i4", days_ago=0)])
    after = await recs(client, admin_headers, "dave", limit=2)
    assert after["strategy"] == "gnn_live" and after["model_version"] == before["model_version"]
    assert ids(after)[0] == "i5"  # the other home item, after a lamp went into the cart
    assert after["items"][0]["reason"] == "because you added to your cart Lamp"
    static = await recs(client, admin_headers, "dave", limit=2, mode="static")
    assert ITEMS[ids(static)[0]][1] == "kitchen"  # the trained vector alone did not move


async def test_a_shopper_the_model_never_saw_is_personalized_from_history(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await wait_for_version(client, publish_grouped(artifacts))
    await consent(client, admin_headers, "erin")
    await send(client, admin_headers, [event("erin", "Product Viewed", "i6", days_ago=0),
                                       event("erin", "Product Viewed", "i4", days_ago=0.5)])
    body = await recs(client, admin_headers, "erin", limit=3)
    assert body["strategy"] == "gnn_inductive" and body["personalized"] is True
    assert body["model_family"] == "graph_filter"
    assert ids(body)[0] == "i5" and "i4" not in ids(body) and "i6" not in ids(body)
    assert body["items"][0]["reason"] == "because you viewed Lamp"


async def test_no_history_no_personalization_and_the_fallback_uses_the_viewed_item(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await wait_for_version(client, publish_grouped(artifacts))
    await consent(client, admin_headers, "frank")
    await consent(client, admin_headers, "gina")
    await send(client, admin_headers, [
        *(event(f"pop{n}", "Order Completed", "i6") for n in range(3)),
        event("gina", "Product Viewed", "i4"), event("gina", "Product Viewed", "i5")])
    cold = await recs(client, admin_headers, "frank", limit=2)
    assert cold["strategy"] == "popular" and cold["fallback_reason"] == "cold_user"
    assert cold["popular_scope"] == "all_items"
    viewing = await recs(client, admin_headers, "frank", limit=2, context_item="i4")
    assert viewing["popular_scope"] == "context_category"
    assert {item["category"] for item in viewing["items"]} == {"home"}
    assert viewing["items"][0]["reason"] == "popular in home"


async def test_without_consent_the_history_is_not_read(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await consent(client, admin_headers, "hal", personalization=False)
    await consent(client, admin_headers, "ivy")
    await send(client, admin_headers, [event("hal", "Order Completed", "i4"),
                                       event("ivy", "Order Completed", "i4")])
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    repository = services.recommendation_repository
    hal = await repository.user_context("hal", 50)
    ivy = await repository.user_context("ivy", 50)
    assert hal is not None and hal.consent == "denied"
    assert hal.history == () and hal.segments == []
    assert ivy is not None and [h[0] for h in ivy.history] == ["i4"]
    await wait_for_version(client, publish_grouped(artifacts))
    body = await recs(client, admin_headers, "hal", limit=3)
    assert body["fallback_reason"] == "no_personalization_consent"
    assert "i4" in ids(body)  # not excluded: his purchase was never read


async def test_an_item_newer_than_the_model_gets_a_vector_from_its_neighbourhood(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    version = publish_grouped(artifacts, as_of=datetime.now(UTC) - timedelta(minutes=1))
    await wait_for_version(client, version)
    await consent(client, admin_headers, "jo")
    await consent(client, admin_headers, "kim")
    new = {"product_id": "i9", "name": "Floor lamp", "category": "home", "price": 30.0}
    fresh = {"type": "track", "messageId": str(uuid.uuid4()), "userId": "jo",
             "event": "Product Viewed", "properties": new,
             "timestamp": datetime.now(UTC).isoformat()}
    await send(client, admin_headers, [fresh, event("jo", "Product Viewed", "i5"),
                                       event("kim", "Product Viewed", "i4", days_ago=0)])
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    assert await refresh_fresh_items(services.models, services.recommendation_repository) == 1
    model = services.models.current
    assert model.version == version and "i9" in model.item_row
    # Its vector sits with the home items it was viewed with, so a lamp viewer gets it.
    body = await recs(client, admin_headers, "kim", limit=4)
    assert ids(body)[:2] == ["i5", "i9"] or ids(body)[:2] == ["i9", "i5"]


async def test_many_new_items_are_read_in_pages_and_a_tick_stops_at_its_budget(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Each page is its own short read; a tick with no budget left reads one page and the
    next continues after it, so thousands of new items never make one long transaction."""
    version = publish_grouped(artifacts, as_of=datetime.now(UTC) - timedelta(minutes=1))
    await wait_for_version(client, version)
    await consent(client, admin_headers, "jo")
    new = [{"type": "track", "messageId": str(uuid.uuid4()), "userId": "jo",
            "event": "Product Viewed", "timestamp": datetime.now(UTC).isoformat(),
            "properties": {"product_id": f"n{k}", "name": f"Lamp {k}", "category": "home"}}
           for k in range(5)]
    await send(client, admin_headers, [*new, event("jo", "Product Viewed", "i5", days_ago=0)])
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    repo = services.recommendation_repository
    assert await refresh_fresh_items(services.models, repo, page=2) == 5  # 3 pages, one round
    refresher = FreshItemRefresher(services.models, repo, page=2, budget_s=0.0)
    served = [await refresher.tick() for _ in range(4)]
    # one page per tick (the first page is i5, which the model holds, and n0; items of one
    # batch share created_at, the keyset goes on by item_id), then a new round keeps them
    assert served == [1, 3, 5, 5]
    assert {f"n{k}" for k in range(5)} <= set(services.models.current.item_row)


async def test_a_heavy_buyer_is_never_offered_what_they_bought_before_their_recent_history(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """More purchases than the recent history a request reads (the model's history_limit,
    500; 200 without a model): the first ones fall out of it, yet they are still left out of
    every list (model, neighbours or popularity)."""
    await wait_for_version(client, publish_grouped(artifacts))
    await consent(client, admin_headers, "whale")
    await send(client, admin_headers, [event("whale", "Order Completed", "i1", days_ago=60),
                                       event("whale", "Product Viewed", "i6", days_ago=59)])
    for _ in range(2):
        await send(client, admin_headers, [event("whale", "Order Completed", "i2", days_ago=1)
                                           for _ in range(260)])
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    ctx = await services.recommendation_repository.user_context("whale", 500)
    assert len(ctx.history) == 500 and {h[0] for h in ctx.history} == {"i2"}
    assert set(ctx.seen) == {"i1", "i2", "i6"} and set(ctx.bought) == {"i1", "i2"}
    body = await recs(client, admin_headers, "whale", limit=4)
    assert body["personalized"] and body["model_version"]  # scored by the model
    assert ids(body)[0] == "i3"  # the kitchen item they have not bought
    assert not {"i1", "i2", "i6"} & set(ids(body)), body
    kept_seen = await recs(client, admin_headers, "whale", limit=6, exclude_seen="false")
    assert "i6" in ids(kept_seen) and not {"i1", "i2"} & set(ids(kept_seen))


async def test_the_item_on_screen_steers_the_list_and_is_not_offered(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await wait_for_version(client, publish_grouped(artifacts))
    await consent(client, admin_headers, "dave")
    await consent(client, admin_headers, "gus")
    await send(client, admin_headers, [event("dave", "Product Viewed", "i1", days_ago=20),
                                       event("gus", "Product Viewed", "i4")])  # in the graph
    plain = await recs(client, admin_headers, "dave", limit=2)
    assert plain["strategy"] == "gnn_live" and ITEMS[ids(plain)[0]][1] == "kitchen"

    r = await client.get("/v1/users/dave/recommendations",
                         params={"limit": 4, "context_item": "i4"}, headers=admin_headers)
    assert r.status_code == 200, r.text
    viewing = r.json()
    assert viewing["strategy"] == "gnn_live" and "i4" not in ids(viewing)
    order = ids(viewing)
    assert order.index("i5") < order.index("i6")  # the lamp's neighbour before the novel
    reasons = {item["item_id"]: item["reason"] for item in viewing["items"]}
    assert reasons["i5"] == "because you are viewing Lamp"
    static = await recs(client, admin_headers, "dave", limit=2, mode="static",
                        context_item="i4")
    assert ITEMS[ids(static)[0]][1] == "kitchen"  # static: the trained vector alone

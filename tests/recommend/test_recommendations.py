"""Recommendations served from a promoted artifact over the real graph."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx

from tests.recommend.conftest import publish


async def wait_for_version(client: httpx.AsyncClient, version: str) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    for _ in range(100):
        model = app.state.services.models.current
        if model is not None and model.version == version:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"model {version} was not loaded")


async def recs(client: httpx.AsyncClient, headers: dict[str, str], user: str,
               **params: object) -> dict:
    response = await client.get(f"/v1/users/{user}/recommendations", params=params,
                                headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_personalized_list_excludes_seen_and_bought_and_explains(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    body = await recs(client, admin_headers, "alice", limit=3)
    assert body["strategy"] == "gnn" and body["personalized"] is True
    ids = [item["item_id"] for item in body["items"]]
    assert ids[0] == "i3"
    assert "i1" not in ids and "i2" not in ids  # viewed, bought
    # i3 sits next to i2 in the model, and alice bought i2: the reason names that path.
    assert body["items"][0]["reason"] == "because you bought Blue mug"
    assert body["items"][0]["title"] == "Teapot"

    with_seen = await recs(client, admin_headers, "alice", limit=6, exclude_seen="false")
    ids = [item["item_id"] for item in with_seen["items"]]
    assert "i1" in ids and "i2" not in ids  # purchases stay excluded


async def test_no_consent_gets_popular_items_without_own_history(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    bob = await recs(client, admin_headers, "bob", limit=3)
    stranger = await recs(client, admin_headers, "nobody-at-all", limit=3)
    assert bob["strategy"] == "popular" and bob["personalized"] is False
    assert bob["fallback_reason"] == "no_personalization_consent"
    assert stranger["fallback_reason"] == "unknown_user"
    # Bob bought i4: with his history unused, his list is exactly the anonymous one.
    assert [i["item_id"] for i in bob["items"]] == [i["item_id"] for i in stranger["items"]]
    assert bob["items"][0]["item_id"] == "i4"
    assert bob["items"][0]["reason"].startswith("popular")


async def test_cold_user_gets_popular_minus_own_purchases(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    carol = await recs(client, admin_headers, "carol", limit=3)
    assert carol["fallback_reason"] == "cold_user"
    assert "i4" not in [i["item_id"] for i in carol["items"]]


async def test_no_model_yet_falls_back(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    body = await recs(client, admin_headers, "alice", limit=2)
    assert body["strategy"] == "popular" and body["fallback_reason"] == "no_model"


async def test_category_filter_and_diversity_cap(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    home = await recs(client, admin_headers, "alice", limit=5, category="home")
    assert home["items"] and {i["category"] for i in home["items"]} == {"home"}
    # Default share 0.5: a list of 2 holds at most one item per category.
    two = await recs(client, admin_headers, "stranger", limit=2)
    categories = [i["category"] for i in two["items"]]
    assert len(categories) == 2 and len(set(categories)) == 2


async def test_hot_reload_swaps_the_model_while_serving(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    first = publish(artifacts, favourite="i3", recall=0.2)
    await wait_for_version(client, first)

    async def hammer() -> list[int]:
        codes = []
        for _ in range(30):
            r = await client.get("/v1/users/alice/recommendations", headers=admin_headers)
            codes.append(r.status_code)
        return codes

    load = asyncio.create_task(hammer())
    second = publish(artifacts, favourite="i6", recall=0.3)
    await wait_for_version(client, second)
    assert set(await load) == {200}
    body = await recs(client, admin_headers, "alice", limit=1)
    assert body["model_version"] == second
    assert body["items"][0]["item_id"] == "i6"


async def test_erasure_removes_the_vector_from_serving_at_once(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    app = client._transport.app  # type: ignore[attr-defined]
    assert "alice" in app.state.services.models.current.user_row
    response = await client.delete("/v1/users/alice", headers=admin_headers)
    assert response.status_code == 200, response.text
    assert "alice" not in app.state.services.models.current.user_row
    body = await recs(client, admin_headers, "alice")
    assert body["fallback_reason"] == "unknown_user"


async def test_similar_items_from_model_and_fallback(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    r = await client.get("/v1/items/i2/similar", params={"limit": 2}, headers=admin_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["strategy"] == "gnn"
    assert body["items"][0]["item_id"] == "i3"
    assert "i2" not in [i["item_id"] for i in body["items"]]
    unknown = await client.get("/v1/items/zzz/similar", headers=admin_headers)
    assert unknown.json()["fallback_reason"] == "unknown_item"


async def test_recommendations_need_the_read_scope(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/users/alice/recommendations")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    bad = await client.get("/v1/users/alice/recommendations", params={"limit": 0},
                           headers={"Authorization": "Bearer nope"})
    assert bad.status_code in (401, 422)


def test_serving_process_never_imports_torch() -> None:
    code = "import sys, app.main; app.main.create_app(); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)

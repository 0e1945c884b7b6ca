"""The recommendations route's fast path (app/api/fast_route.py): it answers only the plain
requests it checks exactly as the declared parameters would, and answers them as the full
route does; everything else is FastAPI's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.api.routes.recommendations import _PlainRecommendationRequest
from app.recommend.schemas import ScoringMode
from tests.helpers import basic, create_key
from tests.recommend.conftest import publish
from tests.recommend.test_recommendations import wait_for_version


def _scope(query: str, user_id: str = "alice") -> dict:
    return {"type": "http", "method": "GET", "query_string": query.encode(),
            "path_params": {"user_id": user_id}}


@pytest.mark.parametrize("query, expected", [
    ("", ("alice", 20, None, True, None, ScoringMode.live)),
    ("limit=5", ("alice", 5, None, True, None, ScoringMode.live)),
    ("limit=100&mode=static&exclude_seen=false",
     ("alice", 100, None, False, None, ScoringMode.static)),
    ("category=Home%20%26%20garden&context_item=i%2F3&exclude_seen=1",
     ("alice", 20, "Home & garden", True, "i/3", ScoringMode.live)),
])
def test_plain_requests_are_taken_with_their_values(query: str, expected: tuple) -> None:
    assert _PlainRecommendationRequest().accept(_scope(query)) == expected


@pytest.mark.parametrize("query", [
    "limit=0", "limit=101", "limit=05", "limit=+5", "limit=5.0", "limit=",
    "limit=\u0665",  # an Arabic-Indic five
    "limit=5&limit=6",  # repeated: FastAPI's rule decides
    "page=2",  # unknown: FastAPI's rule decides
    "exclude_seen=yes", "exclude_seen=True", "mode=LIVE", "mode=fast",
    "category=", "category=" + "c" * 201, "context_item=", "context_item=" + "i" * 257,
])
def test_anything_not_plain_is_left_to_fastapi(query: str) -> None:
    assert _PlainRecommendationRequest().accept(_scope(query)) is None


def test_a_long_user_id_is_left_to_fastapi() -> None:
    assert _PlainRecommendationRequest().accept(_scope("", "u" * 257)) is None
    assert _PlainRecommendationRequest().accept(_scope("", "u" * 256)) is not None


async def test_both_paths_answer_alike(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    read = basic(await create_key(client, admin_headers, "read"))
    url = "/v1/users/alice/recommendations"

    async def items(query: str) -> tuple[str, list[tuple[str, str]]]:
        r = await client.get(f"{url}?{query}", headers=read)
        assert r.status_code == 200, r.text
        body = r.json()
        return body["strategy"], [(i["item_id"], i["reason"]) for i in body["items"]]

    fast = await items("limit=3&mode=static")
    assert fast[0] == "gnn" and len(fast[1]) == 3
    # a repeated limit and an unknown parameter take FastAPI's path: the same answer
    assert await items("limit=9&limit=3&mode=static&utm=x") == fast
    assert await items("limit=3&exclude_seen=false") == await items(
        "limit=3&exclude_seen=off")

    # Errors are the full route's, on either path.
    assert (await client.get(f"{url}?limit=0", headers=read)).status_code == 422
    for headers in ({}, {"Authorization": "Bearer pg_nope"}):
        fast_r = await client.get(f"{url}?limit=3", headers=headers)
        slow_r = await client.get(f"{url}?limit=3&utm=x", headers=headers)
        assert fast_r.status_code == slow_r.status_code == 401
        assert fast_r.json() == slow_r.json()
        assert fast_r.headers.get("www-authenticate") == slow_r.headers.get("www-authenticate")
    ingest = basic(await create_key(client, admin_headers, "ingest"))
    fast_r = await client.get(f"{url}?limit=3", headers=ingest)
    slow_r = await client.get(f"{url}?limit=3&utm=x", headers=ingest)
    assert fast_r.status_code == slow_r.status_code == 403
    assert fast_r.json() == slow_r.json()

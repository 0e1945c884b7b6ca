"""An enrolled shopper's list takes one statement: what enrollment needs is read with the
shopper's history and consent (cypher/recommend/get_user_contexts.cypher)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app.db.queries import queries
from tests.experiments.conftest import ITEMS, definition, recommend, send, start, track


async def test_an_enrolled_request_reads_the_graph_once(api: httpx.AsyncClient,
                                                        exp_app: FastAPI,
                                                        admin_headers: dict) -> None:
    await send(api, admin_headers, *(track(f"buyer{n}", "Order Completed", item)
                                     for n, item in enumerate(ITEMS)))
    await start(api, admin_headers, definition())
    first = await recommend(api, admin_headers, "buyer1")  # warms item and popular lists
    assert first["experiment"] is not None
    database = exp_app.state.services.recommendation_repository._db
    statements: list[str] = []
    read = database.fast_read

    async def recording(query: str, params: Any = None) -> Any:
        statements.append(query)
        return await read(query, params)

    database.fast_read = recording
    again = await recommend(api, admin_headers, "buyer1")
    assert again["experiment"] == first["experiment"]
    assert statements == [queries["recommend/get_user_contexts"]]

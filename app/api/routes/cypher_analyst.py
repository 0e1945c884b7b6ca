"""Read-only Cypher for analysts (scope `analyst`): ad-hoc queries and saved ones, as JSON or,
with `Accept: text/csv`, CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.analyst.analyst_service import QueryResult
from app.api.deps import AnalystDep, AnalystScope

router = APIRouter(prefix="/v1/cypher", tags=["analyst"])


class CypherRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=20_000)
    params: dict[str, Any] = Field(default_factory=dict)


class SavedRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    params: dict[str, Any] = Field(default_factory=dict)


def _wants_csv(request: Request) -> bool:
    return "text/csv" in request.headers.get("accept", "")


def _respond(result: QueryResult) -> Response:
    headers = {"X-Truncated": "true" if result.truncated else "false"}
    return Response(result.body, media_type=result.media_type, headers=headers)


@router.post("", response_model=None)
async def run_query(request: Request, body: CypherRequest, analyst: AnalystDep,
                    _: AnalystScope) -> Response:
    """Run a read-only query. Only what the server plans as a read of the graph runs: writes,
    schema and administration commands, SHOW/TERMINATE, LOAD CSV, other procedures and
    security labels get 403. Rows are capped, and bytes: past the cap the answer is truncated
    (`truncated_by`), or 413 when a single row is over it."""
    return _respond(await analyst.run(body.query, body.params, _wants_csv(request)))


@router.get("/saved")
async def list_saved(analyst: AnalystDep, _: AnalystScope) -> dict[str, Any]:
    return {"queries": [{"name": q.name, "description": q.description, "params": q.params}
                        for q in analyst.saved.values()]}


@router.post("/saved/{name}", response_model=None)
async def run_saved(request: Request, name: Annotated[str, Path(max_length=64)],
                    analyst: AnalystDep, _: AnalystScope,
                    body: SavedRunRequest | None = None
                    ) -> Response | dict[str, Any]:
    params = body.params if body else {}
    return _respond(await analyst.run_saved(name, params, _wants_csv(request)))

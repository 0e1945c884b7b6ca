"""Read-only Cypher for analysts (scope `analyst`): ad-hoc queries and saved ones, as JSON or,
with `Accept: text/csv`, CSV."""

from __future__ import annotations

import csv
import io
import json
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


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


def _respond(request: Request, result: QueryResult) -> Response | dict[str, Any]:
    if "text/csv" in request.headers.get("accept", ""):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(result.columns)
        writer.writerows([_cell(v) for v in row] for row in result.rows)
        headers = {"X-Truncated": "true" if result.truncated else "false"}
        return Response(out.getvalue(), media_type="text/csv", headers=headers)
    return result.as_json()


@router.post("", response_model=None)
async def run_query(request: Request, body: CypherRequest, analyst: AnalystDep,
                    _: AnalystScope) -> Response | dict[str, Any]:
    """Run a read-only query: writes, schema changes, LOAD CSV and admin procedures get 403."""
    return _respond(request, await analyst.run(body.query, body.params))


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
    return _respond(request, await analyst.run_saved(name, params))

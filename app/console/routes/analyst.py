"""Console analyst page (HTML, scope `analyst`): run read-only Cypher, download CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import AnalystDep
from app.console.analyst_view import csv_filename, execute, policy, saved_queries
from app.console.rendering import render
from app.console.security import SECURITY_HEADERS, AnalystSession

router = APIRouter(prefix="/console/analyst", include_in_schema=False)

QueryField = Annotated[str, Form(max_length=20_000)]
ParamsField = Annotated[str, Form(max_length=20_000)]
SavedField = Annotated[str, Form(max_length=64)]


@router.get("")
async def analyst(request: Request, service: AnalystDep, session: AnalystSession
                  ) -> HTMLResponse:
    return render(request, "analyst.html", session, saved=saved_queries(service),
                  policy=policy(service))


@router.post("/run")
async def run(request: Request, service: AnalystDep, session: AnalystSession,
              query: QueryField = "", params: ParamsField = "", saved: SavedField = ""
              ) -> HTMLResponse:
    """The result table (or the error) for htmx to show; a saved query's text fills the
    editor."""
    outcome = await execute(service, query, params, saved)
    return render(request, "_analyst_result.html", session, run=outcome)


@router.post("/csv", response_model=None)
async def download_csv(request: Request, service: AnalystDep, session: AnalystSession,
                       query: QueryField = "", params: ParamsField = "",
                       saved: SavedField = "") -> Response:
    outcome = await execute(service, query, params, saved, as_csv=True)
    if outcome.result is None:
        return render(request, "_analyst_result.html", session, run=outcome,
                      status_code=outcome.error.status_code if outcome.error else 400)
    headers = {**SECURITY_HEADERS, "X-Truncated": str(outcome.result.truncated).lower(),
               "Content-Disposition": f'attachment; filename="{csv_filename(outcome)}"'}
    return Response(outcome.result.body, media_type="text/csv", headers=headers)

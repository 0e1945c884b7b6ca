"""Console pages of decisions and predictions (HTML, scope `segments`, as the API): the
placements with their rules and a preview for a shopper, the predictions' distribution and
calibration, the behavioural clusters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from app.api.deps import DecisionsDep, PlacementsDep, PredictionsDep
from app.console.decisions_view import clusters_page, placements_page, predictions_page, preview
from app.console.rendering import NavPage, register_page, render
from app.console.security import SegmentsSession

router = APIRouter(prefix="/console", include_in_schema=False)
for _page in (NavPage("/console/placements", "Placements", "segments"),
              NavPage("/console/predictions", "Predictions", "segments"),
              NavPage("/console/clusters", "Clusters", "segments")):
    register_page(_page)


@router.get("/placements")
async def placements(request: Request, service: PlacementsDep, session: SegmentsSession
                     ) -> HTMLResponse:
    return render(request, "placements.html", session, **await placements_page(service))


@router.post("/placements/preview")
async def placement_preview(request: Request, decisions: DecisionsDep, session: SegmentsSession,
                            placement_id: Annotated[str, Form(max_length=64)],
                            user_id: Annotated[str, Form(max_length=256)] = "",
                            device: Annotated[str, Form(max_length=64)] = "",
                            page: Annotated[str, Form(max_length=512)] = "",
                            context_item: Annotated[str, Form(max_length=256)] = ""
                            ) -> HTMLResponse:
    """The preview's result (htmx swaps it into the page)."""
    body = await preview(decisions, placement_id, user_id.strip(), device.strip(),
                         page.strip(), context_item.strip())
    return render(request, "_placement_preview.html", session, **body)


@router.get("/predictions")
async def predictions(request: Request, job: PredictionsDep, session: SegmentsSession
                      ) -> HTMLResponse:
    return render(request, "predictions.html", session, **await predictions_page(job))


@router.get("/clusters")
async def clusters(request: Request, job: PredictionsDep, session: SegmentsSession
                   ) -> HTMLResponse:
    return render(request, "clusters.html", session, **await clusters_page(job))

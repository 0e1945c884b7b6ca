"""Console destination pages (HTML, scope `admin` as /v1/destinations): the list, and one
destination with its recent deliveries, its errors and a replay form (Post/Redirect/Get)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import DestinationsDep
from app.auth.console_sessions import ConsoleSession
from app.console.destinations_view import detail_page, list_page, replay
from app.console.flash import redirect_with_notice, take_notice
from app.console.rendering import NavPage, register_page, render
from app.console.security import AdminSession
from app.core.errors import ApiError

router = APIRouter(prefix="/console/destinations", include_in_schema=False)
register_page(NavPage("/console/destinations", "Destinations", "admin"))
DestinationIdPath = Annotated[str, Path(max_length=64)]


@router.get("")
async def destinations(request: Request, service: DestinationsDep, session: AdminSession
                       ) -> HTMLResponse:
    return render(request, "destinations.html", session, **await list_page(service))


async def _detail(request: Request, service: DestinationsDep, session: ConsoleSession,
                  destination_id: str, notice: str | None = None,
                  error: ApiError | None = None) -> HTMLResponse:
    try:
        context = await detail_page(service, destination_id)
    except ApiError as exc:
        return render(request, "denied.html", session, status_code=exc.status_code,
                      reason=exc.message, heading="Not found")
    return render(request, "destination_detail.html", session,
                  status_code=error.status_code if error else 200, notice=notice,
                  error=error.message if error else None, **context)


@router.get("/{destination_id}")
async def destination(request: Request, service: DestinationsDep, session: AdminSession,
                      destination_id: DestinationIdPath) -> HTMLResponse:
    return await _detail(request, service, session, destination_id,
                         notice=take_notice(session, request))


@router.post("/{destination_id}/replay", response_model=None)
async def replay_range(request: Request, service: DestinationsDep, session: AdminSession,
                       destination_id: DestinationIdPath) -> Response:
    data = await request.form()
    form = {"from": str(data.get("from", ""))[:64], "to": str(data.get("to", ""))[:64],
            "states": [str(s) for s in data.getlist("states")][:2]}
    try:
        count = await replay(service, destination_id, form)
    except ApiError as exc:
        return await _detail(request, service, session, destination_id, error=exc)
    return redirect_with_notice(session, f"{router.prefix}/{destination_id}",
                                f"Replaying {count} deliveries.")

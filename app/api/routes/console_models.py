"""Console models page (HTML): runs and metrics (scope `read`), promote and roll back
(scope `admin`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from app.auth.api_keys import key_id_of
from app.auth.console_sessions import ConsoleSession
from app.console.models_view import models_page
from app.console.rendering import render
from app.console.security import AdminSession, ReadSession, ServicesDep
from app.core.errors import ApiError

router = APIRouter(prefix="/console/models", include_in_schema=False)


async def _page(request: Request, services: ServicesDep, session: ConsoleSession,
                notice: str | None = None, error: str | None = None) -> HTMLResponse:
    return render(request, "models.html", session, notice=notice, error=error,
                  **await models_page(services))


@router.get("")
async def models(request: Request, services: ServicesDep, session: ReadSession
                 ) -> HTMLResponse:
    return await _page(request, services, session)


def _actor(session: ConsoleSession) -> str:
    return "console:" + (key_id_of(session.api_key) or "admin-key")


@router.post("/promote")
async def promote(request: Request, services: ServicesDep, session: AdminSession,
                  version: Annotated[str, Form(max_length=128)]) -> HTMLResponse:
    try:
        await services.model_admin.promote(version, _actor(session))
    except ApiError as exc:
        return await _page(request, services, session, error=exc.message)
    return await _page(request, services, session, notice=f"Promoted {version}.")


@router.post("/rollback")
async def rollback(request: Request, services: ServicesDep, session: AdminSession
                   ) -> HTMLResponse:
    try:
        version = await services.model_admin.rollback(_actor(session))
    except ApiError as exc:
        return await _page(request, services, session, error=exc.message)
    return await _page(request, services, session, notice=f"Rolled back to {version}.")

"""Console models page (HTML): runs and metrics (scope `read`), promote and roll back
(scope `admin`).

A promotion or roll back that succeeds answers 303 to the page with its notice
(app/console/flash.py), so a refresh does not repeat it; a refused one is rendered in place
with the service's status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import ModelAdminDep, ModelRefreshDep, SettingsDep
from app.auth.console_sessions import ConsoleSession
from app.console.flash import redirect_with_notice, take_notice
from app.console.models_view import models_page
from app.console.rendering import render
from app.console.security import AdminSession, ReadSession
from app.core.config import Settings
from app.core.errors import ApiError
from app.recommend.model_admin import ModelAdmin
from app.recommend.model_refresh import ModelRefresh

router = APIRouter(prefix="/console/models", include_in_schema=False)


async def _page(request: Request, admin: ModelAdmin, refresh: ModelRefresh,
                settings: Settings, session: ConsoleSession, notice: str | None = None,
                error: ApiError | None = None) -> HTMLResponse:
    return render(request, "models.html", session,
                  status_code=error.status_code if error else 200, notice=notice,
                  error=error.message if error else None,
                  **await models_page(admin, settings.artifacts_dir, refresh))


@router.get("")
async def models(request: Request, admin: ModelAdminDep, refresh: ModelRefreshDep,
                 settings: SettingsDep, session: ReadSession) -> HTMLResponse:
    return await _page(request, admin, refresh, settings, session,
                       notice=take_notice(session, request))


def _actor(session: ConsoleSession) -> str:
    return "console:" + (session.key_id or "admin-key")


def _reason(reason: str, default: str) -> str:
    return reason.strip() or default


@router.post("/promote", response_model=None)
async def promote(request: Request, admin: ModelAdminDep, refresh: ModelRefreshDep,
                  settings: SettingsDep, session: AdminSession,
                  version: Annotated[str, Form(max_length=128)],
                  reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    try:
        promoted = await admin.promote(version, _actor(session),
                                       _reason(reason, "promoted from the console"))
    except ApiError as exc:
        return await _page(request, admin, refresh, settings, session, error=exc)
    return redirect_with_notice(session, router.prefix, f"Promoted {promoted}.")


@router.post("/rollback", response_model=None)
async def rollback(request: Request, admin: ModelAdminDep, refresh: ModelRefreshDep,
                   settings: SettingsDep, session: AdminSession,
                   reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    try:
        version = await admin.rollback(_actor(session),
                                       _reason(reason, "rolled back from the console"))
    except ApiError as exc:
        return await _page(request, admin, refresh, settings, session, error=exc)
    return redirect_with_notice(session, router.prefix, f"Rolled back to {version}.")

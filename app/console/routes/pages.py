"""Console sign-in, sign-out and the overview page (HTML)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import (
    AuthDep,
    ConsoleSessionsDep,
    ExperimentsDep,
    ModelAdminDep,
    SegmentsDep,
    StoreStatsDep,
)
from app.console.overview_view import overview
from app.console.rendering import home_for, render
from app.console.security import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    ReadSession,
    SignedIn,
    set_cookie,
)

router = APIRouter(prefix="/console", include_in_schema=False)


def _signin_page(request: Request, error: str | None = None, status: int = 200
                 ) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", None, status_code=status, signin_token=token,
                      error=error)
    set_cookie(response, request, SIGNIN_COOKIE, token, max_age=3600)
    return response


@router.get("/signin")
async def signin_form(request: Request) -> HTMLResponse:
    return _signin_page(request)


@router.post("/signin", response_model=None)
async def signin(request: Request, auth: AuthDep, sessions: ConsoleSessionsDep,
                 api_key: Annotated[str, Form(max_length=512)] = "",
                 signin_token: Annotated[str, Form(max_length=128)] = ""
                 ) -> Response:
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, signin_token):
        return _signin_page(request, "The sign-in form expired; please try again.", 403)
    scopes = await auth.scopes_for(api_key.strip()) if api_key.strip() else None
    if scopes is None:
        return _signin_page(request, "That API key is unknown or revoked.", 401)
    session_id, session = await sessions.create(api_key.strip(), scopes)
    response = RedirectResponse(home_for(session), status_code=303, headers=SECURITY_HEADERS)
    set_cookie(response, request, SESSION_COOKIE, session_id)
    response.delete_cookie(SIGNIN_COOKIE, path="/console")
    return response


@router.post("/signout")
async def signout(request: Request, sessions: ConsoleSessionsDep, _: SignedIn) -> Response:
    await sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/console/signin", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


async def _overview(stats: StoreStatsDep, segments: SegmentsDep, admin: ModelAdminDep,
                    experiments: ExperimentsDep) -> dict[str, Any]:
    return await overview(stats, segments, admin, experiments)


Overview = Annotated[dict[str, Any], Depends(_overview)]


@router.get("")
async def overview_page(request: Request, session: ReadSession, context: Overview
                        ) -> HTMLResponse:
    return render(request, "overview.html", session, **context)


@router.get("/overview/live")
async def overview_live(request: Request, session: ReadSession, context: Overview
                        ) -> HTMLResponse:
    """The overview's figures alone, polled by htmx."""
    return render(request, "_overview_live.html", session, **context)
